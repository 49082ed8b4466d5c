"""The parameter search: every trial fits a model no other trial fits."""

from dataclasses import asdict

import pytest

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.interactions import MatrixInput
from recommendations.engine.split import last_interactions_split
from recommendations.engine.tuning import (
    HALF_LIFE_DAYS,
    RECENCY_HALF_LIFE_EVENTS,
    WEIGHTS,
    candidate_inputs,
    candidate_params,
    random_search,
)
from tests.recommendations.engine.worlds import paired_world


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


def test_the_input_search_starts_from_the_given_input_and_stays_in_its_bounds():
    start = MatrixInput({"view": 1.0, "favorite": 3.0, "cart_add": 5.0, "purchase": 8.0}, 60.0, 20.0)

    inputs = candidate_inputs(start, 40, seed=1)

    assert inputs[0] == start and len(inputs) == 40
    assert all(inputs[i] != inputs[j] for i in range(40) for j in range(i))
    for drawn in inputs[1:]:
        assert drawn.weights["view"] == 1.0 and set(drawn.weights) == set(start.weights)
        assert set(drawn.weights.values()) <= set(WEIGHTS)
        assert drawn.half_life_days in HALF_LIFE_DAYS and drawn.recency_half_life_events in RECENCY_HALF_LIFE_EVENTS
    assert any(i.binary for i in inputs) and any(i.half_life_days is None for i in inputs[1:])


def test_a_search_tries_each_trial_on_its_own_input_and_keeps_the_best_pair():
    split = last_interactions_split(paired_world())
    start = MatrixInput({"view": 1.0, "purchase": 8.0}, 60.0, 20.0)

    best, trials = random_search("ease", split, trials=6, start=start, seed=2)

    assert trials[0].input == asdict(start) and trials[0].params == {}
    assert len({repr(t.input) for t in trials}) == 6
    winner = max(trials, key=lambda t: t.score)
    assert asdict(best.train.input) == winner.input and best.metrics["ndcg@10"] == winner.score


def test_a_search_without_inputs_tries_parameters_on_the_start_input_only():
    split = last_interactions_split(paired_world())
    start = MatrixInput({"view": 1.0, "purchase": 8.0}, None, None)

    _best, trials = random_search("ease", split, trials=4, start=start, search_inputs=False)

    assert all(t.input == asdict(start) for t in trials) and len({repr(t.params) for t in trials}) == 4
