"""EASE (Steck, "Embarrassingly Shallow Autoencoders", WWW 2019): closed-form item-item weights.

B = I - P / diag(P) with P = (X'X + lambda I)^-1 and diag(B) = 0. The inverse is dense, items^2
in memory and items^3 in time, so only the `max_items` most-interacted items take part; the rest
get no score here and fall through to the other models.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from recommendations.engine.algorithms.base import USER_BLOCK, Recommender, top_n
from recommendations.engine.algorithms.parameters import (
    Param,
    gettext_noop,
)
from recommendations.engine.interactions import TrainingData


class EASE(Recommender):
    name: ClassVar[str] = "ease"
    parameters: ClassVar[dict[str, Param]] = {
        "l2": Param(100.0, gettext_noop("Regularisation: higher is smoother and favours popular items."), 0.01, 1e6),
        "max_items": Param(
            10_000, gettext_noop("Only this many of the most popular items: memory grows with its square."), 1, 50_000
        ),
    }
    param_space: ClassVar[dict[str, list]] = {"l2": [50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0]}
    # 100 won on MovieLens per user and on the demo, 2500 on MovieLens by time (bench/defaults.py)
    fit_time_choices: ClassVar[dict[str, list]] = {"l2": [100.0, 500.0, 2500.0]}
    supports_similar_items: ClassVar[bool] = True
    scores_from_history: ClassVar[bool] = True

    def _input(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        x = matrix[:, self.kept].astype(np.float32)
        if self.params.get("binary"):  # a model stored before 0/1 input became a choice of the matrix's
            x.data[:] = 1.0
        return x.tocsr()

    def _fit(self, data: TrainingData) -> None:
        counts = np.diff(data.matrix.tocsc().indptr)
        order = np.argsort(-counts, kind="stable")[: int(self.params["max_items"])]
        self.kept = np.sort(order[counts[order] > 0])
        self.fit_report = {"kept_items": len(self.kept), "items": len(data.item_ids)}
        x = self._input(data.matrix)
        gram = (x.T @ x).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += float(self.params["l2"])
        p = np.linalg.inv(gram)
        weights = p / (-np.diag(p))
        weights[np.diag_indices_from(weights)] = 0.0
        self.weights = weights.astype(np.float32)

    def scores(self, user_rows: np.ndarray, user_items: sp.csr_matrix) -> np.ndarray:
        out = np.full((user_items.shape[0], len(self.item_ids)), -np.inf, dtype=np.float32)
        out[:, self.kept] = self._input(user_items) @ self.weights
        return out

    def recommend(
        self, user_rows: np.ndarray, user_items: sp.csr_matrix, n: int, *, exclude_seen: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top n among the kept items alone: ranking the whole catalogue's mostly unscored columns cost 2,005 s
        for a million users at 200,000 items (bench/scale.py), for the same lists."""
        out_ids = np.full((len(user_rows), n), -1, dtype=np.int64)
        out_scores = np.full((len(user_rows), n), -np.inf, dtype=np.float32)
        x = self._input(user_items)  # the kept columns: scored from, and (its pattern) excluded
        for start in range(0, len(user_rows), USER_BLOCK):
            block = slice(start, start + USER_BLOCK)
            ids, values = top_n(x[block] @ self.weights, n, x[block] if exclude_seen else None)
            out_ids[block] = np.where(ids >= 0, self.kept[np.maximum(ids, 0)], -1)
            out_scores[block] = values
        return out_ids, out_scores

    def similar_items(self, item_rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        position = {item: i for i, item in enumerate(self.kept)}
        ids = np.full((len(item_rows), n), -1, dtype=np.int64)
        values = np.full((len(item_rows), n), -np.inf, dtype=np.float32)
        for row, item in enumerate(item_rows):
            if item not in position:
                continue
            column = self.weights[position[item]]
            best = np.argsort(-column)[:n]
            ids[row, : len(best)] = self.kept[best]
            values[row, : len(best)] = column[best]
        return ids, values
