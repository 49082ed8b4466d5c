"""Incremental training at about 1 million events (bench/train.py --sections incremental).

Each round, interleaved so every side sees the same state of the shared machine: a full ALS run; the floor
(a bare `implicit` fit plus its exact top-N for every user with events); then a share of the users
(`--active-share`, 10%) each views one more item and a fold-in runs (the live model, only those users
ranked); then another share does the same and a refit runs (a fit, only those users ranked). Targets
(issue 19): the full run within 1.3x the floor, the fold-in within 0.4x the full run.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid

import numpy as np
from django.conf import settings
from django.utils import timezone


def marketplace(users: int):
    """Demo data for `users` users (26,000 give about 1M events) stored in the benchmark database."""
    from recommendations.demo_data.generator import DemoSize, generate
    from recommendations.demo_data.store import catalog_store, trusted_events_store

    scale = users / DemoSize().users
    size = DemoSize(shops=int(200 * scale / 4), items=int(5000 * scale / 2), users=users, days=30)
    end = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    data = generate(size, seed=7, end=end)
    for kind in ("shops", "items", "users"):
        catalog_store(kind, getattr(data, kind))
    trusted_events_store(data.events)
    return size, data


def _activity(share: float, rng: np.random.Generator) -> int:
    """One new view by `share` of the users with events, on an item they have not seen; returns how many."""
    from recommendations.models import Event, Item

    users = np.asarray(Event.objects.values_list("user_id", flat=True).distinct())
    chosen = rng.choice(users, size=max(1, int(len(users) * share)), replace=False)
    items = np.asarray(Item.objects.values_list("id", flat=True))
    now = timezone.now()
    Event.objects.bulk_create(
        [
            Event(
                event_id=uuid.uuid4(),
                user_id=int(user),
                item_id=int(item),
                session_id=f"bench-{user}",
                type="view",
                occurred_at=now - dt.timedelta(seconds=1),
                received_at=now,
            )
            for user, item in zip(chosen, rng.choice(items, size=len(chosen)), strict=True)
        ],
        batch_size=5000,
    )
    return len(chosen)


def _timed_run(kind: str):
    from recommendations.models import ModelVersion
    from recommendations.services.training.pipeline import training_run_create, training_run_execute

    run = training_run_create(algorithm="als", trigger="command", kind=kind)
    started = time.perf_counter()
    run = training_run_execute(run.pk)
    seconds = time.perf_counter() - started
    assert run.status == "succeeded", run.error
    return seconds, run, ModelVersion.objects.get(run=run)


def incremental(users: int, rounds: int, active_share: float) -> str:
    import implicit
    from common import setup_django
    from threadpoolctl import threadpool_limits

    from recommendations.engine.algorithms import ALGORITHMS
    from recommendations.engine.interactions import interaction_matrix
    from recommendations.services.training.candidates import configured_input
    from recommendations.services.training.data_load import training_frames

    setup_django()  # a fresh database
    size, data = marketplace(users)
    rng = np.random.default_rng(11)
    params = ALGORITHMS["als"].default_params
    candidates = settings.CANDIDATES_PER_USER
    seconds: dict[str, list[float]] = {"floor": [], "full": [], "fold_in": [], "refit": []}
    last = {}
    for _round in range(rounds):
        seconds["full"].append((full := _timed_run("full"))[0])
        frames = training_frames()
        matrix, _u, _i = interaction_matrix(frames.events, now=frames.now, **configured_input().options())
        rows = np.flatnonzero(matrix.getnnz(axis=1) > 0)
        with threadpool_limits(1, "blas"):
            bare = implicit.als.AlternatingLeastSquares(**{**params, **full[1].params})
            started = time.perf_counter()
            bare.fit(matrix, show_progress=False)
            bare.recommend(rows, matrix[rows], N=candidates, recalculate_user=True)
            seconds["floor"].append(time.perf_counter() - started)
        active = _activity(active_share, rng)
        seconds["fold_in"].append((fold := _timed_run("fold_in"))[0])
        _activity(active_share, rng)
        seconds["refit"].append((refit := _timed_run("refit"))[0])
        last = {"full": full, "fold_in": fold, "refit": refit, "rows": len(rows), "active": active}
    median = {k: float(np.median(v)) for k, v in seconds.items()}

    def rounds_of(name: str) -> str:
        return " / ".join(f"{s:.1f}" for s in seconds[name])

    def stages(name: str) -> str:
        _s, run, version = last[name]
        timings = ", ".join(f"{k} {v:.1f}" for k, v in run.timings.items())
        ranking = version.ranking
        return f"{name}: {timings}; {ranking.get('ranked', 0):,} ranked, {ranking.get('carried', 0):,} carried"

    full, floor = median["full"], median["floor"]
    return "\n".join(
        [
            f"{len(data.events):,} events, {size.users:,} users, {size.items:,} items; ALS "
            f"{ {**params, **last['full'][1].params} }; {last['active']:,} users ({active_share:.0%} of those with "
            f"events) active before each fold-in and each refit; medians of {rounds} interleaved rounds.",
            "",
            "| | seconds (median) | rounds | vs floor | vs full run |",
            "| --- | ---: | --- | ---: | ---: |",
            f"| floor: bare `implicit` ALS fit + exact top-{candidates} for all {last['rows']:,} users | {floor:.1f} | "
            f"{rounds_of('floor')} | 1.00 | {floor / full:.2f} |",
            f"| recsite full run (fit, evaluate, rank every user) | {full:.1f} | {rounds_of('full')} | "
            f"{full / floor:.2f} | 1.00 |",
            f"| recsite fold-in, {active_share:.0%} of users active | {median['fold_in']:.1f} | "
            f"{rounds_of('fold_in')} | "
            f"{median['fold_in'] / floor:.2f} | {median['fold_in'] / full:.2f} |",
            f"| recsite refit, {active_share:.0%} of users active | {median['refit']:.1f} | {rounds_of('refit')} | "
            f"{median['refit'] / floor:.2f} | {median['refit'] / full:.2f} |",
            "",
            "Stages of the last round (s): " + "; ".join(stages(n) for n in ("full", "fold_in", "refit")) + ".",
        ]
    )
