"""Fit a model on the training part of the fixed split and score it, with popularity beside it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from recommendations.engine.algorithms import ALGORITHMS, Recommender
from recommendations.engine.interactions import TrainingData, training_data
from recommendations.engine.metrics import K, ranking_metrics
from recommendations.engine.split import Split


@dataclass
class Evaluation:
    model: Recommender
    train: TrainingData
    metrics: dict[str, float]
    fit_seconds: float


def evaluate_fitted(model: Recommender, train: TrainingData, split: Split, *, k: int = K) -> dict[str, float]:
    """Ranking metrics of a fitted model over the users it knows that have held-out items."""
    relevant = split.test_matrix(train.user_ids, train.item_ids)
    users = (relevant.getnnz(axis=1) > 0).nonzero()[0]
    recommended, _scores = model.recommend(users, train.matrix[users], k)
    rows = relevant[users]
    return ranking_metrics(recommended, rows, k=k, n_items=len(train.item_ids))


def fit_and_evaluate(
    algorithm: str,
    params: dict[str, Any],
    split: Split,
    *,
    weights: dict[str, float],
    half_life_days: float | None,
    recency_half_life_events: float | None,
    binary: bool = False,
    users: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    k: int = K,
) -> Evaluation:
    """Build the training matrix from split.train, fit `algorithm` with `params`, and score it."""
    train = training_data(
        split.train,
        users=users,
        items=items,
        weights=weights,
        half_life_days=half_life_days,
        recency_half_life_events=recency_half_life_events,
        binary=binary,
    )
    model = ALGORITHMS[algorithm](**params)
    started = time.perf_counter()
    model.fit(train)
    fit_seconds = time.perf_counter() - started
    return Evaluation(model, train, evaluate_fitted(model, train, split, k=k), fit_seconds)
