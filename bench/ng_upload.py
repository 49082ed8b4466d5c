"""NG list upload at catalog scale: check and confirm an N-row CSV (default 200,000) as the admin does.

    .venv/bin/python bench/ng_upload.py [--rows 200000] [--kind items|categories] [--write]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/recsite_bench; dropped and
recreated). The catalog gets N items first (for NG categories, one per category: they must exist).
Timed in the same process: parsing the file (ng_csv_rows), checking every row (ng_rows_check), saving
it with a history row per entry (ng_rows_apply), and the baseline: a bare bulk_create of the same
entries, no checks, no history.
The request that confirms an upload runs the check and the save: gunicorn's timeout is 30 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from common import machine, setup_django, write_block


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--kind", choices=["items", "categories"], default="items")
    parser.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    args = parser.parse_args()
    setup_django()
    from curation.selectors import KINDS
    from curation.services.ng_lists import ng_csv_rows, ng_rows_apply, ng_rows_check
    from recommendations.models import Item, Shop

    kind = KINDS[args.kind]
    if args.kind == "items":
        shop = Shop.objects.create(external_id="bench-shop", name="Bench")
        Item.objects.bulk_create(
            [Item(external_id=f"bench-{n}", shop=shop, title=f"Item {n}") for n in range(args.rows)], batch_size=5000
        )
        ids = [f"bench-{n}" for n in range(args.rows)]
    else:
        ids = [f"Bench > Category {n}" for n in range(args.rows)]
        # an NG category must be one the catalogue has
        shop = Shop.objects.create(external_id="bench-shop", name="Bench")
        Item.objects.bulk_create(
            [Item(external_id=f"bench-{n}", shop=shop, title=f"Item {n}", category_path=c) for n, c in enumerate(ids)],
            batch_size=5000,
        )
    content = f"{kind.id_field},reason,expires_at,slots\n" + "".join(
        f"{target},counterfeit reports {n},2030-12-31,items\n" for n, target in enumerate(ids)
    )
    timings = {}
    started = time.perf_counter()
    rows = ng_csv_rows(args.kind, content)
    timings["parse"] = time.perf_counter() - started
    started = time.perf_counter()
    check = ng_rows_check(args.kind, rows)
    timings["check (preview)"] = time.perf_counter() - started
    assert check.ok, check.errors[:3]
    started = time.perf_counter()
    ng_rows_apply(args.kind, rows, by="bench")
    timings["confirm: check and save, history per entry"] = time.perf_counter() - started
    assert kind.model.objects.count() == args.rows == kind.model.history.count()

    kind.model.history.all().delete()
    kind.model.objects.all().delete()
    column = f"{kind.target}_id" if kind.catalog else kind.target
    targets = [r["target"] for r in check.rows]
    expiry = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    started = time.perf_counter()
    kind.model.objects.bulk_create(
        [kind.model(**{column: t}, reason="x", expires_at=expiry, slots=["items"]) for t in targets], batch_size=2000
    )
    baseline = time.perf_counter() - started
    confirm = timings["confirm: check and save, history per entry"]
    lines = [
        f"Command: `.venv/bin/python bench/ng_upload.py --rows {args.rows} --kind {args.kind}`. Machine: {machine()}; "
        f"run {dt.date.today().isoformat()}.",
        "",
        f"{args.rows:,}-row NG {args.kind} file ({len(content) / 1e6:.1f} MB).",
        "",
        "| step | seconds |",
        "| --- | ---: |",
        *[f"| {name} | {seconds:.1f} |" for name, seconds in timings.items()],
        f"| baseline: bare bulk_create of the same entries (no checks, no history) | {baseline:.1f} |",
        "",
        f"The confirming request (check and save) takes {confirm:.1f} s against gunicorn's 30 s timeout, "
        f"{confirm / baseline:.1f}x the bare insert.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_block("ng_upload", text)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
