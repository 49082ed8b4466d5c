"""Training quality and speed, each beside its baseline in the same run.

    .venv/bin/python bench/train.py [--sections movielens,cold,pipeline] [--pipeline-users 26000] [--rounds 3]
                                    [--write]

1. MovieLens 100K (../shared/data): every recsite algorithm against popularity and bare `implicit`
   fits (ALS, BPR, cosine and BM25 item-kNN with library defaults on the 0/1 matrix), on the same split
   (each user's last 20% of ratings by time held out, full ranking, seen items removed).
2. Cold start: hit rate@10 of shops and categories for users never seen in training, segment
   popularity against global popularity: on Olist (customers whose first order is in the last 20% of
   the time span; segments are Brazilian states) and on generated demo data (20% of users hidden).
3. The whole pipeline (read events from PostgreSQL, matrix, fit, evaluate, store, candidates) at about
   1 million demo events, against a bare `implicit` ALS fit with the same parameters on the same data,
   and against that fit plus implicit's own exact top-N for every user with events (the work no
   pipeline that writes every known user's candidates can skip).
4. Incremental training at the same size (bench/incremental.py): a full run against that floor, and a
   fold-in and a refit after 10% of the users did something, against the full run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

import numpy as np
import pandas as pd
from common import ROOT, SHARED_DATA, machine, setup_django, write_block
from incremental import incremental, marketplace

sys.path.insert(0, str(ROOT))

from django.conf import settings

import recsite.settings as recsite_settings
from recommendations.demo_data.generator import DemoSize, generate
from recommendations.demo_data.public_datasets import movielens_100k, olist
from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.cold_start import (
    cold_hit_rates,
    held_out_users_split,
    mean_with_ci,
    new_users_split,
)
from recommendations.engine.evaluation import fit_and_evaluate
from recommendations.engine.interactions import training_data
from recommendations.engine.metrics import ranking_metrics
from recommendations.engine.split import last_interactions_split

ML_PROFILE = {"weights": {"view": 1.0, "favorite": 1.0}, "half_life_days": None, "recency_half_life_events": 20.0}
# recsite's own settings (TRAINING_EVENT_WEIGHTS and the half-lives) as the nightly training uses them; the
# settings module is read as plain Python, so the engine-only sections need no database
DEFAULT_PROFILE = {
    "weights": recsite_settings.TRAINING_EVENT_WEIGHTS,
    "half_life_days": recsite_settings.TRAINING_HALF_LIFE_DAYS,
    "recency_half_life_events": recsite_settings.TRAINING_RECENCY_HALF_LIFE_EVENTS,
}
RECSITE_MODELS = ["segment_popularity", "item_knn", "item_knn_bm25", "als", "bpr", "ease", "lightfm"]


def frames(data) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    events = pd.DataFrame(data.events)
    events["occurred_at"] = pd.to_datetime(events["occurred_at"], utc=True)
    users = pd.DataFrame(data.users).set_index("user_id")
    items = pd.DataFrame(data.items).set_index("item_id")
    if "price" in items:
        items["price"] = pd.to_numeric(items["price"], errors="coerce")
    return events, users, items


def row(name: str, seconds: float, m: dict) -> str:
    return (
        f"| {name} | {seconds:.2f} | {m['precision@10']:.4f} | {m['recall@10']:.4f} | {m['ndcg@10']:.4f} "
        f"| {m['map@10']:.4f} | {m['coverage']:.3f} |"
    )


def bare_implicit(split, rows: list[str]) -> float:
    """Library defaults, 0/1 matrix, no recsite weighting: what a team gets from `implicit` out of the box."""
    import implicit
    from threadpoolctl import threadpool_limits

    train = training_data(
        split.train, weights=DEFAULT_PROFILE["weights"], half_life_days=None, recency_half_life_events=None
    )
    binary = train.matrix.copy()
    binary.data[:] = 1.0
    relevant = split.test_matrix(train.user_ids, train.item_ids)
    users = (relevant.getnnz(axis=1) > 0).nonzero()[0]
    best = 0.0
    for name, make in [
        ("bare implicit ALS (defaults)", lambda: implicit.als.AlternatingLeastSquares(random_state=42)),
        ("bare implicit BPR (defaults)", lambda: implicit.bpr.BayesianPersonalizedRanking(random_state=42)),
        ("bare implicit cosine item-kNN (defaults)", implicit.nearest_neighbours.CosineRecommender),
        ("bare implicit BM25 item-kNN (defaults)", implicit.nearest_neighbours.BM25Recommender),
    ]:
        with threadpool_limits(1, "blas"):
            model = make()
            started = time.perf_counter()
            model.fit(binary, show_progress=False)
            seconds = time.perf_counter() - started
            ids, _ = model.recommend(users, binary[users], N=10, filter_already_liked_items=True)
        metrics = ranking_metrics(np.asarray(ids), relevant[users], n_items=len(train.item_ids))
        rows.append(row(name, seconds, metrics))
        best = max(best, metrics["ndcg@10"])
    return best


def movielens() -> str:
    path = SHARED_DATA / "ml-100k"
    events, users, items = frames(movielens_100k(path))
    split = last_interactions_split(events)
    rows = [
        "| model | fit s | P@10 | R@10 | NDCG@10 | MAP@10 | coverage |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    pop = fit_and_evaluate("popularity", {}, split, users=users, items=items, **ML_PROFILE)
    rows.append(row("popularity (baseline)", pop.fit_seconds, pop.metrics))
    best_bare = bare_implicit(split, rows)
    best_name, best_ndcg = "", 0.0
    for name in RECSITE_MODELS:
        e = fit_and_evaluate(name, {}, split, users=users, items=items, **ML_PROFILE)
        rows.append(row(f"recsite {name}", e.fit_seconds, e.metrics))
        if e.metrics["ndcg@10"] > best_ndcg:
            best_name, best_ndcg = name, e.metrics["ndcg@10"]
    default = fit_and_evaluate(best_name, {}, split, users=users, items=items, **DEFAULT_PROFILE)
    rows.append(
        row(f"recsite {best_name}, default event weights and 60-day decay", default.fit_seconds, default.metrics)
    )
    summary = (
        f"Best recsite model: {best_name}, NDCG@10 {best_ndcg:.4f} = {best_ndcg / best_bare:.2f}x the best bare "
        f"`implicit` baseline ({best_bare:.4f}); popularity {pop.metrics['ndcg@10']:.4f}. "
        f"{pop.metrics['users']} users evaluated, {len(split.test)} held-out (user, item) pairs."
    )
    return "\n".join([*rows, "", summary])


def cold_table(title: str, events, users, items, split, shops: pd.Series, categories: pd.Series) -> list[str]:
    out = [f"**{title}**: {split.test['user_id'].nunique()} cold users", ""]
    out += ["| ranking | shops hit@10 | categories hit@10 | items hit@10 |", "| --- | ---: | ---: | ---: |"]
    hits = {}
    for name in ["popularity", "segment_popularity"]:
        data = training_data(split.train, users=users, items=items, **DEFAULT_PROFILE)
        model = ALGORITHMS[name]()
        model.fit(data)
        hits[name] = cold_hit_rates(model, split, users, item_groups={"shops": shops, "categories": categories})
        cells = []
        for what in ["shops", "categories", "items"]:
            mean, ci = mean_with_ci(hits[name][what])
            cells.append(f"{mean:.3f} ± {ci:.3f}")
        out.append(f"| {name} | {' | '.join(cells)} |")
    diffs = []
    for what in ["shops", "categories", "items"]:
        mean, ci = mean_with_ci(hits["segment_popularity"][what] - hits["popularity"][what])
        diffs.append(f"{mean:+.3f} ± {ci:.3f}")
    out.append(f"| segment - global (paired, 95% CI) | {' | '.join(diffs)} |")
    return out


def cold() -> str:
    events, users, items = frames(olist(SHARED_DATA / "olist"))
    cutoff = events["occurred_at"].quantile(0.8)
    split = new_users_split(events, cutoff)
    lines = cold_table(
        f"Olist sample, customers whose first order is after {cutoff:%Y-%m-%d}",
        events,
        users,
        items,
        split,
        items["shop_id"],
        items["category_path"],
    )
    demo = generate(DemoSize(), seed=42, end=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    events, users, items = frames(demo)
    split = held_out_users_split(events, 0.2, seed=0)
    title = "Demo data (default size, seed 42), 20% of users hidden; categories are the 23 subcategories"
    lines += ["", *cold_table(title, events, users, items, split, items["shop_id"], items["category_path"])]
    return "\n".join(lines)


def pipeline(users: int, rounds: int) -> str:
    setup_django()
    from threadpoolctl import threadpool_limits

    from recommendations.engine.interactions import interaction_matrix
    from recommendations.services.training.candidates import matrix_options
    from recommendations.services.training.data_load import training_frames
    from recommendations.services.training.pipeline import training_run_create, training_run_execute

    size, data = marketplace(users)
    frames_ = training_frames()
    matrix, _u, _i = interaction_matrix(frames_.events, now=frames_.now, **matrix_options())
    import implicit

    params = {**ALGORITHMS["als"].default_params}
    users_with_events = np.flatnonzero(matrix.getnnz(axis=1) > 0)
    candidates = settings.CANDIDATES_PER_USER
    walls, bares, rankings, runs = [], [], [], []
    for _round in range(rounds):  # interleaved, so both sides see the same state of the shared machine
        run = training_run_create(algorithm="als", trigger="command")
        started = time.perf_counter()
        run = training_run_execute(run.pk)
        walls.append(time.perf_counter() - started)
        assert run.status == "succeeded", run.error
        runs.append(run)
        with threadpool_limits(1, "blas"):
            bare = implicit.als.AlternatingLeastSquares(**{**params, **run.params})
            started = time.perf_counter()
            bare.fit(matrix, show_progress=False)
            bares.append(time.perf_counter() - started)
            # the work no pipeline can skip after the fit: every known user's candidates, exactly ranked
            # by the library itself (user factors recomputed from the whole history, seen items removed)
            started = time.perf_counter()
            bare.recommend(users_with_events, matrix[users_with_events], N=candidates, recalculate_user=True)
            rankings.append(time.perf_counter() - started)
    wall, bare_seconds = float(np.median(walls)), float(np.median(bares))
    floors = [b + r for b, r in zip(bares, rankings, strict=True)]
    floor = float(np.median(floors))
    middle = runs[int(np.argsort(walls)[len(walls) // 2])]
    stages = ", ".join(f"{k} {v:.1f}" for k, v in middle.timings.items())
    return "\n".join(
        [
            f"{len(data.events):,} events, {size.users:,} users, {size.items:,} items, {size.shops:,} shops; ALS "
            f"{ {**params, **middle.params} }; medians of {rounds} interleaved rounds.",
            "",
            "| | seconds (median) | rounds | vs bare fit |",
            "| --- | ---: | --- | ---: |",
            f"| bare `implicit` ALS fit, same parameters, all events | {bare_seconds:.1f} | "
            f"{' / '.join(f'{b:.1f}' for b in bares)} | 1.00 |",
            f"| bare fit + bare top-{candidates} for all {len(users_with_events):,} users (`recommend`) | "
            f"{floor:.1f} | {' / '.join(f'{f:.1f}' for f in floors)} | {floor / bare_seconds:.2f} |",
            f"| recsite pipeline (`training_run_execute`) | {wall:.1f} | "
            f"{' / '.join(f'{w:.1f}' for w in walls)} | {wall / bare_seconds:.2f} |",
            "",
            f"Pipeline against bare fit + bare ranking: {wall / floor:.2f}x.",
            "",
            f"Stages of the median run (s): {stages}. NDCG@10 {middle.ndcg():.4f} over "
            f"{middle.metrics['model']['users']:,} users, popularity {middle.ndcg('popularity'):.4f}.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default="movielens,cold,pipeline")
    parser.add_argument("--pipeline-users", type=int, default=26_000, help="demo users; 26,000 give ~1M events")
    parser.add_argument("--rounds", type=int, default=3, help="pipeline runs and bare fits, interleaved")
    parser.add_argument("--active-share", type=float, default=0.1, help="users active before an incremental run")
    parser.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    args = parser.parse_args()
    sections = args.sections.split(",")
    rounds = f" --rounds {args.rounds}" if {"pipeline", "incremental"} & set(sections) else ""
    command = f"`.venv/bin/python bench/train.py --sections {args.sections}{rounds}`"
    if {"pipeline", "incremental"} & set(sections):
        setup_django()  # before machine(), whose database question would otherwise settle Django on SQLite
    header = f"Command: {command}. Machine: {machine()}; run {dt.date.today()}."
    for name, make in [("train-movielens", movielens), ("train-cold", cold)]:
        if name.split("-")[1] in sections:
            text = f"{header}\n\n{make()}"
            print(text, "\n")
            if args.write:
                write_block(name, text)
    if "pipeline" in sections:
        text = f"{header}\n\n{pipeline(args.pipeline_users, args.rounds)}"
        print(text)
        if args.write:
            write_block("train-pipeline", text)
    if "incremental" in sections:
        text = f"{header}\n\n{incremental(args.pipeline_users, args.rounds, args.active_share)}"
        print(text)
        if args.write:
            write_block("train-incremental", text)


if __name__ == "__main__":
    main()
