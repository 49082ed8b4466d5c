"""Engine unit tests: no database, hand-made data whose right answer is known."""

import datetime as dt

import numpy as np
import pandas as pd

from recommendations.engine.interactions import interaction_matrix
from recommendations.engine.metrics import ranking_metrics
from recommendations.engine.split import last_interactions_split, time_cut_split
from tests.recommendations.engine.matrix import matrix_options

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def events(rows):
    return pd.DataFrame(
        [{"user_id": u, "item_id": i, "type": t, "occurred_at": T0 + dt.timedelta(days=d)} for u, i, t, d in rows]
    )


def test_stronger_events_weigh_more_and_not_interested_is_no_positive():
    ev = events([("u", "a", "view", 0), ("u", "b", "purchase", 0), ("u", "c", "not_interested", 0)])

    matrix, _users, items = interaction_matrix(ev, **matrix_options(half_life_days=None, recency_half_life_events=None))

    weights = dict(zip(items, matrix.toarray()[0], strict=True))
    assert weights == {"a": 1.0, "b": 8.0}


def test_old_events_decay_by_half_life():
    ev = events([("u", "old", "view", 0), ("u", "new", "view", 30)])

    matrix, _users, items = interaction_matrix(ev, **matrix_options(half_life_days=30, recency_half_life_events=None))

    weights = dict(zip(items, matrix.toarray()[0], strict=True))
    assert np.isclose(weights["old"], 0.5) and np.isclose(weights["new"], 1.0)


def test_a_users_latest_events_count_most_whenever_they_were_active():
    ev = events([("u", "first", "view", 0), ("u", "second", "view", 1), ("v", "x", "view", 0)])

    matrix, users, items = interaction_matrix(ev, **matrix_options(half_life_days=None, recency_half_life_events=1))

    m = pd.DataFrame(matrix.toarray(), index=users, columns=items)
    assert m.loc["u", "second"] == 1.0 and m.loc["u", "first"] == 0.5
    assert m.loc["v", "x"] == 1.0  # v's only event is v's latest, though it is old


def test_the_split_holds_out_each_users_latest_fifth_and_only_new_items():
    ev = events([("u", f"i{n}", "view", n) for n in range(10)] + [("u", "i0", "purchase", 11), ("few", "a", "view", 1)])

    split = last_interactions_split(ev)

    assert set(split.test["item_id"]) == {"i9"}  # i0 again was seen in training
    assert "few" not in set(split.test["user_id"])  # fewer than 5 events: all in training
    assert split.train["occurred_at"].max() == T0 + dt.timedelta(days=8)


def test_the_time_cut_split_trains_on_the_past_and_scores_known_users_on_what_is_new_to_them():
    rows = [("old", f"i{n}", "view", n) for n in range(8)]  # days 0-7
    rows += [("old", "i0", "purchase", 9), ("old", "new hit", "purchase", 9), ("newcomer", "new hit", "view", 9)]

    split = time_cut_split(events(rows))

    assert split.train["occurred_at"].max() < T0 + dt.timedelta(days=9)
    assert list(zip(split.test["user_id"], split.test["item_id"], strict=True)) == [("old", "new hit")]


def test_the_split_can_be_scored_on_a_stable_sample_of_users():
    ev = events([(f"u{n}", f"i{k}", "view", k) for n in range(40) for k in range(10)])
    split = last_interactions_split(ev)

    sample = split.with_test_users_at_most(15)
    again = last_interactions_split(ev.sample(frac=1.0, random_state=1)).with_test_users_at_most(15)

    assert split.test["user_id"].nunique() == 40 and sample.test["user_id"].nunique() == 15
    assert set(sample.test["user_id"]) == set(again.test["user_id"])  # the same people every run
    assert sample.train is split.train  # training still leaves everyone's held-out events out
    assert split.with_test_users_at_most(0) is split and split.with_test_users_at_most(100) is split


def test_ranking_metrics_match_a_hand_computed_example():
    import scipy.sparse as sp

    relevant = sp.csr_matrix(np.array([[1, 0, 1, 0], [0, 0, 0, 1]], dtype=np.float32))
    recommended = np.array([[0, 1], [1, 2]])

    m = ranking_metrics(recommended, relevant, k=2, n_items=4)

    assert m["precision@2"] == 0.25
    assert m["recall@2"] == 0.25
    assert np.isclose(m["ndcg@2"], (1.0 / (1 + 1 / np.log2(3))) / 2)
    assert m["map@2"] == 0.25
    assert m["coverage"] == 0.75
