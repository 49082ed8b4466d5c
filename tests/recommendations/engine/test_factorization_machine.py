"""LightFM's fit is bounded: by its time budget, and by early stopping on a few users' held-back items."""

import datetime as dt
import random

import pandas as pd

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.interactions import training_data
from tests.recommendations.engine.matrix import matrix_options

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def groups(users: int = 200, seed: int = 0):
    """Users who each view six of the ten items of their group: easy to learn, quick to stop improving."""
    rng = random.Random(seed)
    rows = [
        {"user_id": f"u{u}", "item_id": f"g{u % 5}-{i}", "type": "view", "occurred_at": T0 + dt.timedelta(hours=n)}
        for u in range(users)
        for n, i in enumerate(rng.sample(range(10), 6))
    ]
    return training_data(pd.DataFrame(rows), **matrix_options(half_life_days=None))


def test_training_stops_once_its_time_budget_is_spent():
    model = ALGORITHMS["lightfm"](epochs=50, max_seconds=1e-6, use_attributes=False)
    model.fit(groups())

    assert model.fit_report["epochs"] == 1 and model.fit_report["stopped"] == "time"


def test_training_stops_early_once_held_back_items_stop_improving():
    # one thread: LightFM's parallel passes race (Hogwild), so a multi-threaded fit differs from run to run
    model = ALGORITHMS["lightfm"](epochs=300, use_attributes=False, threads=1)
    model.fit(groups())

    report = model.fit_report
    assert report["stopped"] == "converged" and report["epochs"] < 300
    assert report["held_back_hit_rate"] > 0.5  # it had learnt the groups before it stopped
    ids, _ = model.recommend([0], groups().matrix[[0]], 4)
    assert all(groups().item_ids[i].startswith("g0-") for i in ids[0])


def test_without_early_stopping_every_pass_runs():
    model = ALGORITHMS["lightfm"](epochs=12, early_stopping=False, use_attributes=False)
    model.fit(groups())

    assert model.fit_report["epochs"] == 12 and model.fit_report["stopped"] == "epochs"
    assert model.fit_report["held_back_hit_rate"] is None
