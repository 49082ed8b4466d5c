"""Variety and new items on the demo marketplace: what the items slot's settings cost in accuracy and buy in
coverage, category diversity and exposure of new items.

    .venv/bin/python bench/variety.py [--users 3000] [--items 6000] [--holdout-days 3] [--write]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/recsite_bench; dropped
and recreated). Generates 30 days of the demo marketplace (6% of items listed in its last 7 days),
keeps the last `--holdout-days` days out (and the items listed in them), trains item-kNN and segment
popularity on the rest, computes the content neighbours, then serves every user with a held-out event
through the real pipeline as of the cut (`recommend(..., now=cut)`), once per setting of the items slot:

  - NDCG@10 and recall@20 against the items each user interacted with after the cut;
  - coverage: distinct items served over the servable catalogue;
  - intra-list diversity: the share of pairs of a list's items from different subcategories;
  - new-item exposure: the share of served positions given to items listed in the 7 days before the cut.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
from common import machine, setup_django, write_block

SETTINGS = {
    "as shipped (no cap, no exploration)": {},
    "per-category cap 5": {"per_category_cap": 5},
    "exploration 10%": {"exploration_share": 10},
    "per-category cap 5 + exploration 10%": {"per_category_cap": 5, "exploration_share": 10},
}
NEW_DAYS = 7


def build(users: int, items: int, holdout_days: int) -> tuple[dt.datetime, dict[str, set[str]]]:
    """The marketplace up to the cut, trained; returns the cut and each user's held-out items."""
    from django.utils import timezone

    from recommendations.demo_data.generator import DemoSize, generate
    from recommendations.demo_data.store import catalog_store, trusted_events_store
    from recommendations.models import Variant
    from recommendations.services.training.content_lists import content_neighbours_refresh
    from recommendations.services.training.pipeline import training_run_create, training_run_execute

    end = timezone.now()
    cut = end - dt.timedelta(days=holdout_days)
    data = generate(DemoSize(shops=max(items // 40, 1), items=items, users=users, days=30), seed=21, end=end)
    listed = [i for i in data.items if i["created_at"] <= cut]
    known = {i["item_id"] for i in listed}
    catalog_store("shops", data.shops)
    catalog_store("items", listed)
    catalog_store("users", data.users)
    before = [e for e in data.events if e["occurred_at"] < cut and e["item_id"] in known]
    held: dict[str, set[str]] = {}
    for event in data.events:
        if event["occurred_at"] >= cut and event["item_id"] in known:
            held.setdefault(event["user_id"], set()).add(event["item_id"])
    trusted_events_store(before)
    print(f"{len(before):,} events before the cut, {len(held):,} users with held-out events", flush=True)
    for algorithm in ("segment_popularity", "item_knn"):
        run = training_run_execute(training_run_create(algorithm=algorithm, trigger="command").pk)
        assert run.status == "succeeded", run.error
    started = time.perf_counter()
    content = content_neighbours_refresh()
    print(f"content neighbours: {content['items']:,.0f} items in {time.perf_counter() - started:.1f} s", flush=True)
    Variant.objects.filter(slot__slot="items", name="A").update(algorithm="item_knn", weight=1)
    Variant.objects.filter(slot__slot="items").exclude(name="A").update(weight=0)
    return cut, held


def evaluate(cut: dt.datetime, held: dict[str, set[str]], slot_settings: dict) -> dict[str, float]:
    """Serve every held-out user under `slot_settings` as of the cut; the list metrics over them."""
    from recommendations.models import Item, SlotConfig
    from recommendations.services.serving.pipeline import recommend

    config = SlotConfig.objects.get(slot="items")
    config.per_category_cap, config.exploration_share = 0, 0
    for name, value in slot_settings.items():
        setattr(config, name, value)
    config.save()
    rows = Item.objects.filter(published=True, in_stock=True).values_list("external_id", "category_path", "created_at")
    category = {item: path for item, path, _at in rows}
    new = {item for item, _path, at in rows if at >= cut - dt.timedelta(days=NEW_DAYS)}
    ndcgs, recalls, diversities = [], [], []
    served: set[str] = set()
    positions = new_positions = 0
    discounts = 1 / np.log2(np.arange(2, 12))
    started = time.perf_counter()
    for user, wanted in held.items():
        result = recommend("items", user, limit=20, log=False, explain=False, now=cut)
        ids = [result.external_ids[e.key] for e in result.entries]
        hits = np.array([i in wanted for i in ids[:10]], dtype=float)
        ideal = discounts[: min(len(wanted), 10)].sum()
        ndcgs.append(float((hits * discounts[: len(hits)]).sum() / ideal))
        recalls.append(len(wanted & set(ids)) / min(len(wanted), 20))
        paths = [category.get(i, "") for i in ids]
        pairs = len(paths) * (len(paths) - 1) / 2
        same = sum(paths.count(p) * (paths.count(p) - 1) / 2 for p in set(paths))
        diversities.append(1 - same / pairs if pairs else 0.0)
        served.update(ids)
        positions += len(ids)
        new_positions += sum(i in new for i in ids)
    return {
        "ndcg": float(np.mean(ndcgs)),
        "recall": float(np.mean(recalls)),
        "coverage": len(served) / max(len(category), 1),
        "diversity": float(np.mean(diversities)),
        "new_exposure": new_positions / max(positions, 1),
        "ms_per_list": 1000 * (time.perf_counter() - started) / max(len(held), 1),
        "per_user": np.asarray(ndcgs),
    }


def difference_interval(a: np.ndarray, b: np.ndarray, rounds: int = 2000) -> tuple[float, float]:
    """95% paired bootstrap interval of mean(a - b) over users."""
    rng = np.random.default_rng(0)
    diff = a - b
    means = diff[rng.integers(0, len(diff), (rounds, len(diff)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--items", type=int, default=6000)
    parser.add_argument("--holdout-days", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    args = parser.parse_args()
    setup_django()
    cut, held = build(args.users, args.items, args.holdout_days)
    results = {name: evaluate(cut, held, settings) for name, settings in SETTINGS.items()}
    base = results[next(iter(SETTINGS))]
    lines = [
        f"Command: `.venv/bin/python bench/variety.py --users {args.users} --items {args.items} --holdout-days "
        f"{args.holdout_days}`. Machine: {machine()}; run {dt.date.today().isoformat()}.",
        "",
        f"Demo marketplace, 30 days; item-kNN (segment popularity behind it) trained on all but the last "
        f"{args.holdout_days} days, {len(held):,} users with a held-out event served through the pipeline as of "
        "the cut, 20 items each.",
        "",
        "| items slot setting | NDCG@10 | vs shipped (95% interval of the difference) | recall@20 | coverage |"
        " category diversity | new-item exposure | ms per list |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        low, high = difference_interval(r["per_user"], base["per_user"])
        lines.append(
            f"| {name} | {r['ndcg']:.4f} | {r['ndcg'] / base['ndcg']:.2f} ({low:+.4f} to {high:+.4f}) | "
            f"{r['recall']:.4f} | {r['coverage']:.1%} | {r['diversity']:.3f} | {r['new_exposure']:.1%} | "
            f"{r['ms_per_list']:.1f} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_block("variety", text)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
