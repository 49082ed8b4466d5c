"""Fit a model on the training part of the fixed split and score it, with popularity beside it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommendations.engine.algorithms import ALGORITHMS, Recommender
from recommendations.engine.interactions import TrainingData, training_data
from recommendations.engine.metrics import K, paired_bootstrap, ranking_metrics, user_metrics
from recommendations.engine.split import Split


@dataclass
class Evaluation:
    model: Recommender
    train: TrainingData
    metrics: dict[str, float]
    fit_seconds: float
    recommended: np.ndarray  # the top k of each scored user (held_out's rows), for comparisons


def held_out(train: TrainingData, split: Split) -> tuple[sp.csr_matrix, np.ndarray]:
    """The held-out items in `train`'s row and column order, and the rows that have any: the users scored."""
    relevant = split.test_matrix(train.user_ids, train.item_ids)
    return relevant, (relevant.getnnz(axis=1) > 0).nonzero()[0]


def evaluate_fitted(
    model: Recommender, train: TrainingData, split: Split, *, k: int = K
) -> tuple[dict[str, float], np.ndarray]:
    """Ranking metrics of a fitted model over the users it knows that have held-out items, and its top k for them."""
    relevant, users = held_out(train, split)
    recommended, _scores = model.recommend(users, train.matrix[users], k)
    return ranking_metrics(recommended, relevant[users], k=k, n_items=len(train.item_ids)), recommended


def paired_ndcg(ours: np.ndarray, theirs: np.ndarray, relevant: sp.csr_matrix, *, k: int = K) -> dict[str, float]:
    """Two top lists of the same users compared on NDCG@k: the ratio and the difference, each with its 95%
    interval from a per-user bootstrap ({} when no user has a held-out item)."""
    a, b = user_metrics(ours, relevant, k=k)["ndcg"], user_metrics(theirs, relevant, k=k)["ndcg"]
    if not len(a):
        return {}
    return {name: round(value, 4) for name, value in paired_bootstrap(a, b)._asdict().items()}


def comparisons(
    evaluation: Evaluation,
    baseline: Recommender,
    split: Split,
    *,
    bare: tuple[Recommender, TrainingData] | None = None,
    k: int = K,
) -> dict[str, Any]:
    """What a run reports beside its own figures: `baseline`'s metrics and the model against it; the bare library
    fit's (`bare`: the model and its own matrix, engine/bare_baselines.py) and the model against it; and for a
    model that blends others (the ranker) each blended model's metrics and the model against the best of them.
    The model's own lists are the evaluation's, ranked once."""
    model, train, ours = evaluation.model, evaluation.train, evaluation.recommended[:, :k]
    relevant, users = held_out(train, split)
    relevant = relevant[users]
    n_items = len(train.item_ids)
    theirs, _scores = baseline.recommend(users, train.matrix[users], k)
    out: dict[str, Any] = {
        "popularity": ranking_metrics(theirs, relevant, k=k, n_items=n_items),
        "against_popularity": paired_ndcg(ours, theirs, relevant, k=k),
    }
    if bare is not None:
        bare_model, bare_data = bare
        plain, _scores = bare_model.recommend(users, bare_data.matrix[users], k)
        out["bare"] = ranking_metrics(plain, relevant, k=k, n_items=n_items)
        out["against_bare"] = paired_ndcg(ours, plain, relevant, k=k)
    blended = model.blended_lists(users, k)
    if blended:
        scored = {name: ranking_metrics(top, relevant, k=k, n_items=n_items) for name, top in blended.items()}
        best = max(scored, key=lambda name: scored[name][f"ndcg@{k}"])
        out["blended"] = scored
        out["against_best_blended"] = {"model": best, **paired_ndcg(ours, blended[best], relevant, k=k)}
    return out


def fit_and_score(
    algorithm: str, params: dict[str, Any], train: TrainingData, split: Split, *, k: int = K
) -> Evaluation:
    """Fit `algorithm` with `params` on a built training matrix and score it on `split`."""
    model = ALGORITHMS[algorithm](**params)
    started = time.perf_counter()
    model.fit(train)
    fit_seconds = time.perf_counter() - started
    metrics, recommended = evaluate_fitted(model, train, split, k=k)
    return Evaluation(model, train, metrics, fit_seconds, recommended)


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
    return fit_and_score(algorithm, params, train, split, k=k)
