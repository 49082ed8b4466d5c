"""Content neighbours at catalogue scale: recsite's per-category search against one over the whole catalogue.

    .venv/bin/python bench/content.py [--items 100000] [--write]

No database: the demo generator's catalogue (titles, categories, shops, prices), described as the hourly
refresh describes it (recommendations/engine/content_similarity.py). In the same process, on the same
descriptions, both with scikit-learn's brute-force cosine NearestNeighbors:
  - recsite: 20 neighbours of every item, searched within its top-level category;
  - the baseline: 20 neighbours of every item searched over the whole catalogue (what a plain search does).
Printed: both times, their ratio, and how many of the baseline's neighbours recsite also finds (what
searching within a category gives up; ties at equal similarity may pick different items).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import ROOT, machine, write_block

SEPARATOR = " > "
N = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from recommendations.demo_data.generator import DemoSize, generate
    from recommendations.engine.content_similarity import content_neighbours, item_descriptions, top_level_groups

    end = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    data = generate(DemoSize(shops=args.items // 40, items=args.items, users=1, days=1), seed=5, end=end)
    items = pd.DataFrame(data.items)[["title", "category_path", "shop_id", "price"]]
    started = time.perf_counter()
    descriptions = item_descriptions(items, SEPARATOR)
    groups = top_level_groups(items["category_path"], SEPARATOR)
    described = time.perf_counter() - started
    started = time.perf_counter()
    ours, _scores = content_neighbours(descriptions, groups, n=N)
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    theirs, _scores = content_neighbours(descriptions, n=N)
    theirs_seconds = time.perf_counter() - started
    found = [len(set(a[a >= 0]) & set(b[b >= 0])) / max((b >= 0).sum(), 1) for a, b in zip(ours, theirs, strict=True)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"Command: `.venv/bin/python bench/content.py --items {args.items}`. "
        f"Machine: {machine()}; run {dt.date.today().isoformat()}.",
        "",
        f"{args.items:,} demo items in {len(np.unique(groups))} top-level categories, {descriptions.shape[1]:,} "
        f"description columns (described in {described:.1f} s); 20 neighbours each.",
        "",
        "| search (scikit-learn NearestNeighbors, brute-force cosine) | seconds | vs whole catalogue |",
        "| --- | ---: | ---: |",
        f"| recsite: within each top-level category | {ours_seconds:.1f} | {ours_seconds / theirs_seconds:.2f} |",
        f"| baseline: over the whole catalogue | {theirs_seconds:.1f} | 1.00 |",
        "",
        f"Of the baseline's neighbours, recsite finds {np.mean(found):.1%} (the rest: items of another top-level "
        f"category, and ties at equal similarity). Peak memory {peak:,.0f} MB.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_block("content", text)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
