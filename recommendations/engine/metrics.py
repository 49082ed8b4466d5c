"""Top-k ranking metrics over a whole population of users, with binary relevance."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

K = 10


def ranking_metrics(recommended: np.ndarray, relevant: sp.csr_matrix, *, k: int = K, n_items: int) -> dict[str, float]:
    """Mean precision, recall, NDCG and MAP at k over users with at least one relevant item, plus coverage.

    `recommended[u]` lists item columns best first (-1 pads short lists); `relevant` is the 0/1
    matrix of held-out items in the same row order.
    """
    recommended = recommended[:, :k]
    counts = np.diff(relevant.indptr)
    users = np.flatnonzero(counts > 0)
    if len(users) == 0:
        return {
            f"precision@{k}": 0.0,
            f"recall@{k}": 0.0,
            f"ndcg@{k}": 0.0,
            f"map@{k}": 0.0,
            "coverage": 0.0,
            "users": 0,
        }
    recs = recommended[users]
    valid = recs >= 0
    # hits[u, r]: is the r-th recommendation of user u one of their held-out items?
    hits = np.zeros(recs.shape, dtype=bool)
    rows = np.repeat(users, recs.shape[1])[valid.ravel()]
    hits[valid] = np.asarray(relevant[rows, recs[valid]]).ravel() > 0
    n_relevant = counts[users]
    n_hits = hits.sum(axis=1)
    discounts = 1.0 / np.log2(np.arange(2, recs.shape[1] + 2))
    ideal = np.cumsum(discounts)[np.minimum(n_relevant, recs.shape[1]) - 1]
    precision_at = np.cumsum(hits, axis=1) / np.arange(1, recs.shape[1] + 1)
    shown = np.unique(recommended[recommended >= 0])
    return {
        f"precision@{k}": float(np.mean(n_hits / k)),
        f"recall@{k}": float(np.mean(n_hits / n_relevant)),
        f"ndcg@{k}": float(np.mean((hits * discounts).sum(axis=1) / ideal)),
        f"map@{k}": float(np.mean((precision_at * hits).sum(axis=1) / np.minimum(n_relevant, k))),
        "coverage": float(len(shown) / n_items) if n_items else 0.0,
        "users": len(users),
    }
