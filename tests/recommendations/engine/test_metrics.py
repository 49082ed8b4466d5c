"""Per-user metrics and the paired bootstrap that says whether one model is better than another beyond noise."""

import numpy as np
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from recommendations.engine.metrics import paired_bootstrap, ranking_metrics, user_metrics


def test_per_user_values_average_to_the_reported_metrics():
    recommended = np.array([[0, 1, 2], [3, 2, -1], [1, 0, 3]])
    relevant = sp.csr_matrix(np.array([[0, 1, 0, 1], [0, 0, 0, 0], [1, 1, 1, 0]], dtype=np.float32))

    per_user = user_metrics(recommended, relevant, k=3)
    overall = ranking_metrics(recommended, relevant, k=3, n_items=4)

    assert list(per_user["rows"]) == [0, 2]  # the user with nothing held out is not scored
    assert overall["ndcg@3"] == per_user["ndcg"].mean() and overall["users"] == 2
    assert per_user["recall"][1] == 2 / 3


@given(st.lists(st.floats(0, 1), min_size=2, max_size=60), st.floats(0.01, 0.5))
def test_a_uniform_lift_is_found_inside_its_interval(values, lift):
    b = np.array(values)
    a = b + lift

    p = paired_bootstrap(a, b, rounds=300)

    assert abs(p.difference - lift) < 1e-9 and p.low <= lift + 1e-9 and p.high >= lift - 1e-9
    assert p.low > 0  # every user better by the same amount: better beyond any noise


def test_equal_models_differ_by_nothing_and_noise_straddles_zero():
    rng = np.random.default_rng(1)
    b = rng.random(500)
    same = paired_bootstrap(b, b)
    noisy = paired_bootstrap(rng.permutation(b), b)

    assert (same.difference, same.low, same.high, same.ratio) == (0.0, 0.0, 0.0, 1.0)
    assert noisy.low < 0 < noisy.high and noisy.ratio_low < 1 < noisy.ratio_high


def test_a_model_that_recommends_nothing_to_anyone_scores_zero_not_an_error():
    relevant = sp.csr_matrix(np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32))

    metrics = ranking_metrics(np.full((2, 10), -1), relevant, n_items=3)

    assert metrics["ndcg@10"] == 0.0 and metrics["coverage"] == 0.0 and metrics["users"] == 2
