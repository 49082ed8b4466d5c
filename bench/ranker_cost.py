"""The learned ranker's cost at about 1 million events, beside each model it blends (bench/train.py, section
`ranker`): fit seconds, and seconds to rank every user with events at the candidate depth a nightly run
writes, and for each recsite algorithm the choice of its matrix input that its own nightly run makes first.
The ranker's fit includes fitting every source on each carved split and once more on all the data.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.algorithms.ranker import SOURCES
from recommendations.engine.interactions import MatrixInput, input_candidates, training_data
from recommendations.engine.matrix_input import choose_on_validation
from recommendations.engine.split import last_interactions_split

DEPTH = 200  # CANDIDATES_PER_USER's default: what a nightly run writes per user


def ranker_cost(users: int, frames, configured: MatrixInput, *, rank_users: int | None = None) -> str:
    """Markdown: each source's fit and ranking time, then the ranker's, on the demo marketplace with `users`."""
    from recommendations.demo_data.generator import DemoSize, generate

    scale = users / DemoSize().users
    size = DemoSize(shops=int(200 * scale / 4), items=int(5000 * scale / 2), users=users, days=30)
    events, user_frame, items = frames(generate(size, seed=7, end=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)))
    data = training_data(events, users=user_frame, items=items, **configured.options())
    rows = np.flatnonzero(data.matrix.getnnz(axis=1) > 0)
    if rank_users and len(rows) > rank_users:
        rows = rows[:rank_users]
    inputs = input_candidates(configured)
    lines = [
        f"{len(events):,} events, {len(data.user_ids):,} users, {len(data.item_ids):,} items; every one of "
        f"{len(rows):,} users with events ranked to depth {DEPTH}.",
        "",
        "| model | input | nightly choice s | fit s | ranking s | total s |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    totals = {}
    validation = last_interactions_split(events)
    for name, (model_class, params, input_name) in SOURCES.items():
        own = data.reweighed(inputs.get(input_name, configured))
        choosing = 0.0
        if model_class.name in ALGORITHMS:  # its own nightly run first chooses its input on validation
            started = time.perf_counter()
            choose_on_validation(model_class.name, {}, validation, configured, users=user_frame, items=items)
            choosing = time.perf_counter() - started
        model = model_class(**params)
        started = time.perf_counter()
        model.fit(own)
        fit = time.perf_counter() - started
        started = time.perf_counter()
        model.recommend(rows, own.matrix[rows], DEPTH)
        ranking = time.perf_counter() - started
        totals[name] = choosing + fit + ranking
        lines.append(f"| {name} | {input_name} | {choosing:.1f} | {fit:.1f} | {ranking:.1f} | {totals[name]:.1f} |")
        print(lines[-1], flush=True)
    ranker = ALGORITHMS["ranker"]()
    started = time.perf_counter()
    ranker.fit(data)
    fit = time.perf_counter() - started
    started = time.perf_counter()
    ranker.recommend(rows, data.matrix[rows], DEPTH)
    ranking = time.perf_counter() - started
    lines.append(f"| **ranker** (all of the above inside) | | | {fit:.1f} | {ranking:.1f} | {fit + ranking:.1f} |")
    slowest = max(totals, key=totals.get)
    report = ranker.fit_report
    lines += [
        "",
        f"The ranker took {(fit + ranking) / totals[slowest]:.2f}x the slowest model it blends, as its own nightly "
        f"run would fit it ({slowest}: its input chosen on validation, fitted, every user ranked: "
        f"{totals[slowest]:.1f} s) and {(fit + ranking) / sum(totals.values()):.2f}x all of them together "
        f"({sum(totals.values()):.1f} s). Its learning: {report['learning_lists']:,} lists of about "
        f"{report['candidates_per_list']} candidates, {report['learn_seconds']:.1f} s of its fit.",
    ]
    return "\n".join(lines)
