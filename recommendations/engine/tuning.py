"""Bounded random search over an algorithm's parameters and the matrix it learns from, scored by NDCG@10.

Each trial is a full fit, so a search of N trials costs about N trainings: it runs only when asked,
and its best parameters and input are saved for the plain nightly fits to reuse. The input (each kind of
event's weight, the age and per-user recency half-lives, 0/1) moves quality more than most parameters
(issue 21), so each trial draws one from a bounded space beside the parameters.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.evaluation import Evaluation, fit_and_score
from recommendations.engine.interactions import MatrixInput, training_data
from recommendations.engine.split import Split

OBJECTIVE = "ndcg@10"
# The input space: a view weighs 1, every other kind one of WEIGHTS; each half-life one of its list (None: no
# decay); one draw in BINARY_SHARE is 0/1 instead. 5^3 x 5 x 5 weighted inputs: a search samples, never sweeps.
WEIGHTS = [1.0, 2.0, 3.0, 5.0, 8.0]
HALF_LIFE_DAYS = [None, 14.0, 30.0, 60.0, 180.0]
RECENCY_HALF_LIFE_EVENTS = [None, 5.0, 10.0, 20.0, 50.0]
BINARY_SHARE = 0.15


@dataclass
class Trial:
    params: dict[str, Any]
    score: float
    fit_seconds: float
    input: dict[str, Any] = field(default_factory=dict)  # the MatrixInput's fields


def candidate_params(algorithm: str, trials: int, *, seed: int = 0, base: dict | None = None) -> list[dict[str, Any]]:
    """`trials` distinct parameter sets: the current ones first, then random draws from the space."""
    space, defaults = ALGORITHMS[algorithm].param_space, ALGORITHMS[algorithm].default_params

    def complete(params: dict[str, Any]) -> tuple:
        # {} and a draw equal to the defaults fit the same model: compared with the defaults filled in
        return tuple(sorted((name, repr(value)) for name, value in {**defaults, **params}.items()))

    rng = random.Random(seed)
    chosen: list[dict[str, Any]] = [dict(base or {})]
    seen = {complete(chosen[0])}
    attempts = 0
    while len(chosen) < trials and space and attempts < trials * 20:
        attempts += 1
        params = {**(base or {}), **{name: rng.choice(values) for name, values in space.items()}}
        key = complete(params)
        if key not in seen:
            seen.add(key)
            chosen.append(params)
    return chosen


def candidate_inputs(start: MatrixInput, count: int, *, seed: int = 0) -> list[MatrixInput]:
    """`count` distinct inputs: `start` first, then draws from the bounded space over `start`'s kinds of event."""
    rng = random.Random(seed)
    chosen = [start]
    attempts = 0
    while len(chosen) < count and attempts < count * 20:
        attempts += 1
        weights = {kind: 1.0 if kind == "view" else rng.choice(WEIGHTS) for kind in start.weights}
        if rng.random() < BINARY_SHARE:
            drawn = start.as_binary()
        else:
            drawn = MatrixInput(weights, rng.choice(HALF_LIFE_DAYS), rng.choice(RECENCY_HALF_LIFE_EVENTS))
        if drawn not in chosen:
            chosen.append(drawn)
    return chosen


def random_search(
    algorithm: str,
    split: Split,
    *,
    trials: int,
    base: dict | None = None,
    users: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    start: MatrixInput,
    search_inputs: bool = True,
    seed: int = 0,
    on_trial: Callable[[int, Trial], None] | None = None,
) -> tuple[Evaluation, list[Trial]]:
    """Try each candidate parameter set, each on its own input drawn from the space (only on `start` without
    `search_inputs`); the first trial is `base` on `start`. Returns the best evaluation and every trial."""
    parameter_sets = candidate_params(algorithm, trials, seed=seed, base=base)
    inputs = candidate_inputs(start, trials, seed=seed) if search_inputs else [start]
    count = max(len(parameter_sets), len(inputs)) if search_inputs else len(parameter_sets)
    best: Evaluation | None = None
    history: list[Trial] = []
    data = None
    for number in range(count):
        params, matrix_input = parameter_sets[number % len(parameter_sets)], inputs[number % len(inputs)]
        if data is None or data.input != matrix_input:  # consecutive trials on one input share its matrix
            data = training_data(split.train, users=users, items=items, **matrix_input.options())
        evaluation = fit_and_score(algorithm, params, data, split)
        trial = Trial(params, evaluation.metrics[OBJECTIVE], evaluation.fit_seconds, asdict(matrix_input))
        history.append(trial)
        if on_trial:
            on_trial(number, trial)
        if best is None or trial.score > best.metrics[OBJECTIVE]:
            best = evaluation
    assert best is not None
    return best, history
