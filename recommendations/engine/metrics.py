"""Top-k ranking metrics over a whole population of users, with binary relevance."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

K = 10


def ranking_metrics(recommended: np.ndarray, relevant: sp.csr_matrix, *, k: int = K, n_items: int) -> dict[str, float]:
    """Mean precision, recall, NDCG and MAP at k over users with at least one relevant item, plus coverage.

    `recommended[u]` lists item columns best first (-1 pads short lists); `relevant` is the 0/1
    matrix of held-out items in the same row order.
    """
    per_user = user_metrics(recommended, relevant, k=k)
    if not len(per_user["ndcg"]):
        return {
            f"precision@{k}": 0.0,
            f"recall@{k}": 0.0,
            f"ndcg@{k}": 0.0,
            f"map@{k}": 0.0,
            "coverage": 0.0,
            "users": 0,
        }
    shown = np.unique(recommended[:, :k][recommended[:, :k] >= 0])
    return {
        **{f"{name}@{k}": float(values.mean()) for name, values in per_user.items() if name != "rows"},
        "coverage": float(len(shown) / n_items) if n_items else 0.0,
        "users": len(per_user["rows"]),
    }


def user_metrics(recommended: np.ndarray, relevant: sp.csr_matrix, *, k: int = K) -> dict[str, np.ndarray]:
    """Each metric per user with at least one relevant item (`rows`: their row numbers), for paired comparisons."""
    recommended = recommended[:, :k]
    counts = np.diff(relevant.indptr)
    users = np.flatnonzero(counts > 0)
    if not len(users):
        return {name: np.zeros(0) for name in ("precision", "recall", "ndcg", "map")} | {"rows": users}
    recs = recommended[users]
    valid = recs >= 0
    # hits[u, r]: is the r-th recommendation of user u one of their held-out items?
    hits = np.zeros(recs.shape, dtype=bool)
    rows = np.repeat(users, recs.shape[1])[valid.ravel()]
    if valid.any():  # a model with nothing to say for anyone (all -1) indexes nothing, and hits nothing
        hits[valid] = np.asarray(relevant[rows, recs[valid]]).ravel() > 0
    n_relevant = counts[users]
    n_hits = hits.sum(axis=1)
    discounts = 1.0 / np.log2(np.arange(2, recs.shape[1] + 2))
    ideal = np.cumsum(discounts)[np.minimum(n_relevant, recs.shape[1]) - 1]
    precision_at = np.cumsum(hits, axis=1) / np.arange(1, recs.shape[1] + 1)
    return {
        "precision": n_hits / k,
        "recall": n_hits / np.maximum(n_relevant, 1),
        "ndcg": (hits * discounts).sum(axis=1) / ideal,
        "map": (precision_at * hits).sum(axis=1) / np.minimum(n_relevant, k),
        "rows": users,
    }


class Paired(NamedTuple):
    difference: float
    low: float
    high: float
    ratio: float
    ratio_low: float
    ratio_high: float


def paired_bootstrap(a: np.ndarray, b: np.ndarray, *, rounds: int = 2000, seed: int = 0) -> Paired:
    """mean(a) - mean(b) over the same users with its 95% percentile interval, and mean(a) / mean(b) with its
    interval, resampling users with replacement: "better" means the interval leaves 0 (or 1) out."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(a), size=(rounds, len(a)))
    mean_a, mean_b = a[picks].mean(axis=1), b[picks].mean(axis=1)
    low, high = np.percentile(mean_a - mean_b, [2.5, 97.5])
    ratios = mean_a / np.maximum(mean_b, 1e-12)
    ratio_low, ratio_high = np.percentile(ratios, [2.5, 97.5])
    ratio = float(a.mean() / max(b.mean(), 1e-12))
    return Paired(float(a.mean() - b.mean()), float(low), float(high), ratio, float(ratio_low), float(ratio_high))
