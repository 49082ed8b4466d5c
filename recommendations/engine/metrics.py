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
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    precision, recall, ndcg, ap = [], [], [], []
    for u in users:
        truth = relevant.indices[relevant.indptr[u] : relevant.indptr[u + 1]]
        recs = recommended[u]
        hits = np.isin(recs, truth) & (recs >= 0)
        n_hits = hits.sum()
        ideal = discounts[: min(len(truth), k)].sum()
        precision.append(n_hits / k)
        recall.append(n_hits / len(truth))
        ndcg.append((discounts * hits).sum() / ideal)
        cumulative = np.cumsum(hits) / np.arange(1, k + 1)
        ap.append((cumulative * hits).sum() / min(len(truth), k))
    shown = np.unique(recommended[recommended >= 0])
    return {
        f"precision@{k}": float(np.mean(precision)),
        f"recall@{k}": float(np.mean(recall)),
        f"ndcg@{k}": float(np.mean(ndcg)),
        f"map@{k}": float(np.mean(ap)),
        "coverage": float(len(shown) / n_items) if n_items else 0.0,
        "users": len(users),
    }
