"""Bounded random search over an algorithm's parameters, scored by NDCG@10 on the fixed split.

Each trial is a full fit, so a search of N trials costs about N trainings: it runs only when asked,
and its best parameters are saved for the plain nightly fits to reuse.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.evaluation import Evaluation, fit_and_evaluate
from recommendations.engine.split import Split

OBJECTIVE = "ndcg@10"


@dataclass
class Trial:
    params: dict[str, Any]
    score: float
    fit_seconds: float


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


def random_search(
    algorithm: str,
    split: Split,
    *,
    trials: int,
    base: dict | None = None,
    users: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    matrix_options: dict,
    seed: int = 0,
    on_trial: Callable[[int, Trial], None] | None = None,
) -> tuple[Evaluation, list[Trial]]:
    """Try each candidate parameter set; return the best evaluation and every trial's score."""
    best: Evaluation | None = None
    history: list[Trial] = []
    for number, params in enumerate(candidate_params(algorithm, trials, seed=seed, base=base)):
        evaluation = fit_and_evaluate(algorithm, params, split, users=users, items=items, **matrix_options)
        trial = Trial(params, evaluation.metrics[OBJECTIVE], evaluation.fit_seconds)
        history.append(trial)
        if on_trial:
            on_trial(number, trial)
        if best is None or trial.score > best.metrics[OBJECTIVE]:
            best = evaluation
    assert best is not None
    return best, history
