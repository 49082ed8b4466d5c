"""Which matrix a model learns from, and a few of its parameters, chosen on validation at fit time.

The configured event weights and decays suit a view → purchase funnel; on rating- or count-like data
they cost EASE a fifth of its NDCG@10, and EASE on a 0/1 matrix doubles it on the demo marketplace
(BENCHMARKS.md, issue 20). No single input or EASE λ holds everywhere, so each full run tries a
bounded handful on a validation split carved from its training part, never on the evaluation split:
the distinct inputs times the combinations of the algorithm's `fit_time_choices` (EASE: 4 x 3 fits).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
import scipy.sparse as sp

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.evaluation import fit_and_score
from recommendations.engine.interactions import CONFIGURED, MatrixInput, input_candidates, training_data
from recommendations.engine.metrics import K
from recommendations.engine.split import Split

OBJECTIVE = f"ndcg@{K}"


@dataclass
class Attempt:
    input: str
    params: dict[str, Any]
    score: float
    fit_seconds: float


@dataclass
class Choice:
    """What validation chose, and every attempt that led there (in order)."""

    input_name: str
    input: MatrixInput
    params: dict[str, Any]
    attempts: list[Attempt] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)  # the chosen attempt's, on validation
    same_as: dict[str, str] = field(default_factory=dict)  # inputs not fitted: their matrix equals this one's
    seconds: float = 0.0

    def record(self) -> dict[str, Any]:
        """A JSON-ready summary for the run's metrics."""
        return {
            "input": self.input_name,
            "input_options": asdict(self.input),
            "params": self.params,
            "users": int(self.metrics.get("users", 0)),
            "seconds": round(self.seconds, 3),
            "same_as": self.same_as,
            "attempts": [asdict(a) for a in self.attempts],
        }


def parameter_grid(algorithm: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every combination of the algorithm's `fit_time_choices` that `params` leaves to choose (staff's and
    the tuner's values are theirs), the defaults' combination first."""
    grid: list[dict[str, Any]] = [{}]
    for parameter, values in ALGORITHMS[algorithm].fit_time_choices.items():
        if parameter not in params:
            grid = [{**combination, parameter: value} for combination in grid for value in values]
    return grid


def _same(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    return a.shape == b.shape and a.nnz == b.nnz and (a != b).nnz == 0


def choose_on_validation(
    algorithm: str,
    params: dict[str, Any],
    validation: Split,
    configured: MatrixInput,
    *,
    users: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    choose_parameters: bool = True,
    extra: dict[str, MatrixInput] | None = None,
) -> Choice:
    """Fit each distinct candidate input with each combination of `parameter_grid` (only `params` without
    `choose_parameters`) on `validation`; keep the best by NDCG@10, the configured input and defaults on a tie.
    `extra` inputs (the one a tuned run found) are tried after the standard ones.
    A validation split that scores no one keeps the configured input and `params` after one fit."""
    started = time.perf_counter()
    choice = Choice(CONFIGURED, configured, dict(params))
    grid = parameter_grid(algorithm, params) if choose_parameters else [{}]
    base = training_data(validation.train, users=users, items=items, **configured.options())
    fitted: dict[str, sp.csr_matrix] = {}
    best = -1.0
    for name, candidate in input_candidates(configured, extra).items():
        data = base.reweighed(candidate)
        twin = next((other for other, matrix in fitted.items() if _same(matrix, data.matrix)), None)
        if twin is not None:  # e.g. plain counts are 0/1 already where no one did anything twice
            choice.same_as[name] = twin
            continue
        fitted[name] = data.matrix
        for combination in grid:
            trial = {**params, **combination}
            evaluation = fit_and_score(algorithm, trial, data, validation)
            metrics = evaluation.metrics
            if not metrics["users"]:
                choice.seconds = time.perf_counter() - started
                return choice
            attempt = Attempt(name, trial, round(float(metrics[OBJECTIVE]), 6), round(evaluation.fit_seconds, 3))
            choice.attempts.append(attempt)
            if attempt.score > best:
                best = attempt.score
                choice.input_name, choice.input, choice.params, choice.metrics = name, candidate, trial, metrics
    choice.seconds = time.perf_counter() - started
    return choice
