"""A candidate source from what the user did last: the co-visitation neighbours of their latest items.

Each user's last `recent` distinct items count, the latest most (each step back halves its weight); an item's
score is the weighted sum of its co-visitation scores with those items (engine/covisitation.py). What a user
did in their last visit says more about their next one than their whole history does, which the matrix models
blur (issue 21: "co-visitation neighbours of recent items").
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommendations.engine.algorithms.base import Recommender
from recommendations.engine.algorithms.parameters import Param, gettext_noop
from recommendations.engine.covisitation import covisitation_neighbours
from recommendations.engine.interactions import TrainingData


class RecentCovisitation(Recommender):
    """Co-visitation neighbours of the user's latest items (a ranker source, not served on its own)."""

    name: ClassVar[str] = "recent_covisitation"
    parameters: ClassVar[dict[str, Param]] = {
        "recent": Param(10, gettext_noop("The user's latest distinct items whose neighbours count."), 1, 200),
        "neighbours": Param(50, gettext_noop("Co-visited neighbours kept per item."), 1, 1000),
    }

    def _fit(self, data: TrainingData) -> None:
        n_items = len(data.item_ids)
        ids, scores = covisitation_neighbours(data.events, data.item_ids, n=int(self.params["neighbours"]))
        rows = np.repeat(np.arange(n_items), ids.shape[1])
        keep = ids.ravel() >= 0
        self.neighbours = sp.csr_matrix(
            (scores.ravel()[keep], (rows[keep], ids.ravel()[keep])), shape=(n_items, n_items), dtype=np.float32
        )
        self.recent = recent_items(data, int(self.params["recent"]))

    def scores(self, user_rows: np.ndarray, user_items: sp.csr_matrix) -> np.ndarray:
        scores = (self.recent[user_rows] @ self.neighbours).toarray()
        scores[scores <= 0] = -np.inf  # an item no recent item was co-visited with is no candidate
        return scores


def recent_items(data: TrainingData, recent: int) -> sp.csr_matrix:
    """Users x items: each user's last `recent` distinct items, weighted 1, 1/2, 1/4… from the latest back."""
    events = data.events[data.events["type"] != "not_interested"]
    rows = pd.Index(data.user_ids).get_indexer(events["user_id"])
    cols = pd.Index(data.item_ids).get_indexer(events["item_id"])
    frame = pd.DataFrame({"r": rows, "c": cols, "t": events["occurred_at"].to_numpy()})
    frame = frame[(frame["r"] >= 0) & (frame["c"] >= 0)]
    latest = frame.groupby(["r", "c"], sort=False)["t"].max().reset_index()
    latest["back"] = latest.sort_values("t", ascending=False, kind="stable").groupby("r").cumcount()
    latest = latest[latest["back"] < recent]
    return sp.csr_matrix(
        (np.power(0.5, latest["back"].to_numpy(dtype=np.float32)), (latest["r"], latest["c"])),
        shape=(len(data.user_ids), len(data.item_ids)),
        dtype=np.float32,
    )
