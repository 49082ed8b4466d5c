"""Content neighbours at catalogue scale: recsite's blocked, per-category search against scikit-learn's.

    .venv/bin/python bench/content.py [--items 100000] [--write]

No database: the demo generator's catalogue (titles, categories, shops, prices), described as the hourly
refresh describes it (recommendations/engine/content_similarity.py). In the same process:
  - recsite: 20 neighbours of every item, compared within its top-level category, 1,024 rows a block;
  - the baseline: scikit-learn's NearestNeighbors (brute-force cosine, the same descriptions), per
    top-level category too, and over the whole catalogue on the first `--sample` items (what a plain
    search would do), to show what comparing within a category saves.
The two per-category searches must agree: the share of recsite's neighbours scikit-learn also finds is
printed (ties at equal similarity may order differently).
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


def _sklearn(descriptions, groups: np.ndarray) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    columns = np.full((descriptions.shape[0], N), -1, dtype=np.int64)
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        k = min(N + 1, len(members))
        if k < 2:
            continue
        search = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(descriptions[members])
        _distances, found = search.kneighbors(descriptions[members])
        for row, neighbours in zip(members, found, strict=True):
            others = [members[c] for c in neighbours if members[c] != row][:N]
            columns[row, : len(others)] = others
    return columns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=20_000, help="items for the whole-catalogue comparison")
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
    theirs = _sklearn(descriptions, groups)
    theirs_seconds = time.perf_counter() - started
    found = [len(set(a[a >= 0]) & set(b[b >= 0])) / max((a >= 0).sum(), 1) for a, b in zip(ours, theirs, strict=True)]
    sample = descriptions[: args.sample]
    started = time.perf_counter()
    content_neighbours(sample, n=N)
    whole_seconds = time.perf_counter() - started
    started = time.perf_counter()
    content_neighbours(sample, top_level_groups(items["category_path"][: args.sample], SEPARATOR), n=N)
    grouped_sample = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"Command: `.venv/bin/python bench/content.py --items {args.items} --sample {args.sample}`. "
        f"Machine: {machine()}; run {dt.date.today().isoformat()}.",
        "",
        f"{args.items:,} demo items in {len(np.unique(groups))} top-level categories, {descriptions.shape[1]:,} "
        f"description columns (described in {described:.1f} s); 20 neighbours each.",
        "",
        "| search | items | seconds | vs scikit-learn |",
        "| --- | ---: | ---: | ---: |",
        f"| recsite, within each top-level category | {args.items:,} | {ours_seconds:.1f} | "
        f"{ours_seconds / theirs_seconds:.2f} |",
        f"| scikit-learn NearestNeighbors (brute cosine), within each top-level category | {args.items:,} | "
        f"{theirs_seconds:.1f} | 1.00 |",
        f"| recsite, within each top-level category | {args.sample:,} | {grouped_sample:.1f} | |",
        f"| recsite, whole catalogue | {args.sample:,} | {whole_seconds:.1f} | |",
        "",
        f"recsite's neighbours that scikit-learn also finds: {np.mean(found):.1%}. Peak memory {peak:,.0f} MB.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_block("content", text)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
