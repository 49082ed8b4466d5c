"""The parameter search: every trial fits a model no other trial fits."""

import pytest

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.tuning import candidate_params


@pytest.mark.parametrize("name", sorted(n for n, cls in ALGORITHMS.items() if cls.param_space))
def test_no_two_trials_fit_the_same_model(name):
    defaults = ALGORITHMS[name].default_params

    trials = candidate_params(name, 30, seed=3)

    complete = [tuple(sorted({**defaults, **t}.items(), key=lambda kv: kv[0])) for t in trials]
    assert trials[0] == {}  # the current settings come first
    assert len(set(map(repr, complete))) == len(trials)


def test_a_draw_equal_to_the_defaults_is_not_tried_again():
    space = ALGORITHMS["item_knn"].param_space
    assert ALGORITHMS["item_knn"].default_params["K"] in space["K"]  # the space holds the default

    trials = candidate_params("item_knn", len(space["K"]) + 5, seed=0)

    assert {"K": ALGORITHMS["item_knn"].default_params["K"]} not in trials
    assert len(trials) == len(space["K"])  # {} (the default K) plus every other K once
