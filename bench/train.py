"""Training quality and speed, each beside its baseline in the same run.

    .venv/bin/python bench/train.py [--sections quality,cold,pipeline,ranker] [--pipeline-users 26000]
                                    [--rounds 3] [--write]

1. Quality (bench/quality.py): on MovieLens 100K (each user's last 20%, and the last 20% of all ratings by
   time), the Olist sample and the demo marketplace, every recsite algorithm with shipped defaults (its matrix
   input chosen on validation, as a nightly run does) against popularity, bare `implicit` fits (ALS, BPR,
   cosine and BM25 item-kNN with library defaults on the 0/1 matrix) and a bare EASE, with paired 95%
   bootstrap intervals.
2. Cold start: hit rate@10 of shops and categories for users never seen in training, segment
   popularity against global popularity: on Olist (customers whose first order is in the last 20% of
   the time span; segments are Brazilian states) and on generated demo data (20% of users hidden).
3. The whole pipeline (read events from PostgreSQL, matrix, fit, evaluate, store, candidates) at about
   1 million demo events, against a bare `implicit` ALS fit with the same parameters on the same data,
   and against that fit plus implicit's own exact top-N for every user with events (the work no
   pipeline that writes every known user's candidates can skip).
4. Incremental training at the same size (bench/incremental.py): a full run against that floor, and a
   fold-in and a refit after 10% of the users did something, against the full run.
5. The learned ranker's cost at the same size (bench/ranker_cost.py): its fit and ranking beside each model it
   blends, as that model's own nightly run fits it. The ranker's quality is part of section 1.
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
from quality import quality
from ranker_cost import ranker_cost

import recsite.settings as recsite_settings
from recommendations.demo_data.generator import DemoSize, generate
from recommendations.demo_data.public_datasets import olist
from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.cold_start import (
    cold_hit_rates,
    held_out_users_split,
    mean_with_ci,
    new_users_split,
)
from recommendations.engine.interactions import MatrixInput, training_data

# recsite's own settings (TRAINING_EVENT_WEIGHTS and the half-lives) as the nightly training uses them; the
# settings module is read as plain Python, so the engine-only sections need no database
DEFAULT_PROFILE = {
    "weights": recsite_settings.TRAINING_EVENT_WEIGHTS,
    "half_life_days": recsite_settings.TRAINING_HALF_LIFE_DAYS,
    "recency_half_life_events": recsite_settings.TRAINING_RECENCY_HALF_LIFE_EVENTS,
}


def frames(data) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    events = pd.DataFrame(data.events)
    events["occurred_at"] = pd.to_datetime(events["occurred_at"], utc=True)
    users = pd.DataFrame(data.users).set_index("user_id")
    items = pd.DataFrame(data.items).set_index("item_id")
    if "price" in items:
        items["price"] = pd.to_numeric(items["price"], errors="coerce")
    return events, users, items


def quality_section() -> str:
    return quality(SHARED_DATA, frames, MatrixInput(**DEFAULT_PROFILE))


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
    from recommendations.services.training.candidates import configured_input
    from recommendations.services.training.data_load import training_frames
    from recommendations.services.training.pipeline import training_run_create, training_run_execute

    size, data = marketplace(users)
    frames_ = training_frames()
    matrix, _u, _i = interaction_matrix(frames_.events, now=frames_.now, **configured_input().options())
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
            "",
            first_choice(runs[0]),
        ]
    )


def first_choice(run) -> str:
    """What choosing the matrix input cost the first run (the later ones reuse its choice)."""
    choice = run.metrics.get("choice") or {}
    if not choice:
        return "The matrix input was not chosen (TRAINING_CHOOSE_ON_VALIDATION is off)."
    if choice.get("reused"):
        return f"Every round reused the input chosen by run {choice.get('run')} ({choice['input']})."
    return (
        f"The first round chose the matrix input on validation ({choice['input']}) in {run.timings['choose']:.1f} s "
        f"({len(choice['attempts'])} fits); the later rounds reused its choice (docs/training.md)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default="quality,cold,pipeline")
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
    for name, make in [("train-quality", quality_section), ("train-cold", cold)]:
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
    if "ranker" in sections:
        text = f"{header}\n\n{ranker_cost(args.pipeline_users, frames, MatrixInput(**DEFAULT_PROFILE))}"
        print(text)
        if args.write:
            write_block("train-ranker-cost", text)
    if "incremental" in sections:
        text = f"{header}\n\n{incremental(args.pipeline_users, args.rounds, args.active_share)}"
        print(text)
        if args.write:
            write_block("train-incremental", text)


if __name__ == "__main__":
    main()
