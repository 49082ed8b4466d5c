"""The one interface every algorithm implements, and the top-N helper dense-scoring models share."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommendations.engine.algorithms.parameters import Param, params_checked
from recommendations.engine.interactions import MatrixInput, TrainingData

# Dense score blocks are computed this many users at a time to bound memory (users x items floats).
USER_BLOCK = 1024


class Recommender:
    """fit on TrainingData, then rank items for users by their row in the training matrix.

    `recommend` returns (item columns, scores), each users x n, best first, padded with -1 / -inf.
    Models that can rank from attributes alone set `supports_cold_users` and implement
    `recommend_cold`; models with an item-item notion set `supports_similar_items`.
    """

    name: ClassVar[str] = ""
    parameters: ClassVar[dict[str, Param]] = {}
    default_params: ClassVar[dict[str, Any]] = {}  # from `parameters`, filled in per subclass
    # Each parameter's candidate values for the random search (engine/tuning.py).
    param_space: ClassVar[dict[str, list]] = {}
    # Parameters no default suits on every data set: each full run picks one of these values on validation
    # (engine/matrix_input.py) unless staff or the tuner set it.
    fit_time_choices: ClassVar[dict[str, list]] = {}
    # The matrix the model was fitted on; ranking weighs users' histories the same way. None: a model stored
    # before the input was chosen, which ranks from the configured matrix.
    matrix_input: MatrixInput | None = None
    # what the last fit did that its parameters do not say (e.g. LightFM's passes when it stopped early)
    fit_report: dict[str, Any] = {}
    # False for a model that weighs events itself (the learned ranker): no run chooses its input on validation
    chooses_input: ClassVar[bool] = True
    supports_cold_users: ClassVar[bool] = False
    supports_similar_items: ClassVar[bool] = False
    # True when `recommend` scores a user from the row of their history alone (item-item models, ALS
    # recomputing the user's factors), so users who arrived after training can be ranked too.
    scores_from_history: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.default_params = {name: p.default for name, p in cls.parameters.items()}

    def __init__(self, **params: Any) -> None:
        self.params = params_checked(self.name, self.parameters, params)
        self.user_ids: np.ndarray = np.array([])
        self.item_ids: np.ndarray = np.array([])

    def fit(self, data: TrainingData) -> None:
        self.user_ids, self.item_ids = data.user_ids, data.item_ids
        self.matrix_input = data.input
        self._fit(data)

    def own_input(self, data: TrainingData) -> TrainingData:
        """`data` weighed the way this model was fitted, for ranking users from their histories."""
        return data if self.matrix_input is None else data.reweighed(self.matrix_input)

    def _fit(self, data: TrainingData) -> None:
        raise NotImplementedError

    def recommend(
        self, user_rows: np.ndarray, user_items: sp.csr_matrix, n: int, *, exclude_seen: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top n for the given matrix rows; `user_items` holds those users' rows (for exclusion and scoring)."""
        out_ids = np.full((len(user_rows), n), -1, dtype=np.int64)
        out_scores = np.full((len(user_rows), n), -np.inf, dtype=np.float32)
        for start in range(0, len(user_rows), USER_BLOCK):
            block = slice(start, start + USER_BLOCK)
            scores = self.scores(user_rows[block], user_items[block])
            ids, values = top_n(scores, n, user_items[block] if exclude_seen else None)
            out_ids[block], out_scores[block] = ids, values
        return out_ids, out_scores

    def scores(self, user_rows: np.ndarray, user_items: sp.csr_matrix) -> np.ndarray:
        """Dense users x items scores; models with their own top-N may not implement it."""
        raise NotImplementedError

    def blended_lists(self, user_rows: np.ndarray, n: int) -> dict[str, np.ndarray]:
        """Each model this one blends, by name: its top n item columns for `user_rows` ({} for a single model)."""
        return {}

    def recommend_cold(self, users: pd.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Top n for users described only by attributes (rows of `users`)."""
        raise NotImplementedError(f"{self.name} cannot rank for users it has not seen")

    def similar_items(self, item_rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError(f"{self.name} has no notion of similar items")


def top_n(scores: np.ndarray, n: int, exclude: sp.csr_matrix | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Best n columns per row of a dense score block, skipping the nonzero columns of `exclude`."""
    scores = np.array(scores, dtype=np.float32, copy=True)
    if exclude is not None and exclude.nnz:
        rows = np.repeat(np.arange(exclude.shape[0]), np.diff(exclude.indptr))
        scores[rows, exclude.indices] = -np.inf
    n_cols = scores.shape[1]
    take = min(n, n_cols)
    if take == 0:
        return np.full((scores.shape[0], n), -1), np.full((scores.shape[0], n), -np.inf, dtype=np.float32)
    part = np.argpartition(-scores, take - 1, axis=1)[:, :take]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    ids = np.take_along_axis(part, order, axis=1)
    values = np.take_along_axis(part_scores, order, axis=1)
    ids = np.where(np.isfinite(values), ids, -1)
    if take < n:
        ids = np.pad(ids, ((0, 0), (0, n - take)), constant_values=-1)
        values = np.pad(values, ((0, 0), (0, n - take)), constant_values=-np.inf)
    return ids, values


def without_seen(
    ids: np.ndarray, scores: np.ndarray, user_items: sp.csr_matrix, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The first n of each row's ranked columns that are not among that row's items in `user_items`.

    `ids`/`scores` are best first, one row per row of `user_items`; rows left short are padded with
    -1 / -inf. Vectorised: a loop over users cost about 40 microseconds each (a second at 22,000 users).
    """
    n_rows = ids.shape[0]
    n_cols = user_items.shape[1]
    local = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(user_items.indptr))
    seen_keys = local * n_cols + user_items.indices
    keys = np.arange(n_rows, dtype=np.int64)[:, None] * n_cols + ids
    dropped = np.isin(keys, seen_keys) | (ids < 0)
    keep = np.argsort(dropped, axis=1, kind="stable")[:, :n]
    out_ids = np.take_along_axis(ids, keep, axis=1).astype(np.int64)
    out_scores = np.take_along_axis(scores, keep, axis=1).astype(np.float32)
    gone = np.take_along_axis(dropped, keep, axis=1)
    out_ids[gone], out_scores[gone] = -1, -np.inf
    if out_ids.shape[1] < n:
        pad = ((0, 0), (0, n - out_ids.shape[1]))
        out_ids = np.pad(out_ids, pad, constant_values=-1)
        out_scores = np.pad(out_scores, pad, constant_values=-np.inf)
    return out_ids, out_scores


def shared_lists_top_n(
    group_scores: list[np.ndarray], groups: np.ndarray, user_items: sp.csr_matrix, n: int, *, exclude_seen: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Top n for rows that share a few score vectors (row i ranks by `group_scores[groups[i]]`): each vector
    is ranked once, deep enough for its rows' own items, and each row then drops its own. A dense top-N per
    row cost 132 s for 200,000 users over 100,000 items where a handful of lists were shared (issue 20)."""
    out_ids = np.full((len(groups), n), -1, dtype=np.int64)
    out_scores = np.full((len(groups), n), -np.inf, dtype=np.float32)
    lengths = np.diff(user_items.indptr) if exclude_seen else np.zeros(len(groups), dtype=np.int64)
    order = np.argsort(groups, kind="stable")
    for members in np.split(order, np.flatnonzero(np.diff(groups[order])) + 1):
        if not len(members):
            continue
        ranked, values = top_n(group_scores[groups[members[0]]][None, :], n + int(lengths[members].max()))
        for start in range(0, len(members), USER_BLOCK):
            block = members[start : start + USER_BLOCK]
            width = n + int(lengths[block].max())  # deep enough for this block's heaviest user, no deeper
            ids = np.broadcast_to(ranked[:, :width], (len(block), min(width, ranked.shape[1])))
            scores = np.broadcast_to(values[:, :width], ids.shape)
            if exclude_seen:
                out_ids[block], out_scores[block] = without_seen(ids, scores, user_items[block], n)
            else:
                out_ids[block], out_scores[block] = ids[:, :n], scores[:, :n]
    return out_ids, out_scores
