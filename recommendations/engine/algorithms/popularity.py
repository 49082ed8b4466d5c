"""Popularity: global, trending, and per user segment with shrinkage toward coarser segments.

A segment's score for an item is a Bayesian average: (segment's weight on the item + m x parent
segment's share of it) / (segment's total weight + m). A segment with little data therefore
looks like its parent (gender x age band x region -> gender x age band -> gender -> everyone),
and only departs from it as its own evidence grows. `m` is `shrinkage` users' worth of evidence
(shrinkage x the average user's total weight), so the same setting means the same thing whatever
the event weights and data volume. Item-level lists need heavy shrinkage: on demo data, 200 users'
worth beats global popularity on items, shops and categories for cold users, where 2 users' worth
loses on items (bench/train.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommendations.engine.algorithms.base import Recommender, shared_lists_top_n, top_n
from recommendations.engine.algorithms.parameters import (
    Param,
    gettext_noop,
)
from recommendations.engine.categories import category_levels
from recommendations.engine.interactions import TrainingData, interaction_matrix

AGE_BANDS = [(0, 24, "-24"), (25, 34, "25-34"), (35, 44, "35-44"), (45, 54, "45-54"), (55, 200, "55+")]
GLOBAL = "all"


def age_band(birth_year: Any, year: int) -> str:
    if birth_year is None or pd.isna(birth_year):
        return "?"
    age = year - int(birth_year)
    return next((label for low, high, label in AGE_BANDS if low <= age <= high), "?")


def _attribute(value: Any) -> str:
    """An attribute as a segment name; missing (None, NaN, blank) is its own value, "?"."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value) == "":
        return "?"
    return str(value)


def segment_path(user: dict, year: int) -> list[str]:
    """The user's segments from coarsest to finest: all, gender, gender|age band, gender|age band|region."""
    gender = _attribute(user.get("gender"))
    band = age_band(user.get("birth_year"), year)
    region = _attribute(user.get("region"))
    return [GLOBAL, gender, f"{gender}|{band}", f"{gender}|{band}|{region}"]


def item_shares(matrix: sp.csr_matrix) -> np.ndarray:
    """Each item's share of all the weight in the matrix."""
    totals = np.asarray(matrix.sum(axis=0)).ravel()
    return totals / max(totals.sum(), 1e-9)


def user_segment_paths(users: pd.DataFrame, user_ids: np.ndarray, year: int) -> list[list[str]]:
    """Segment path of each id in `user_ids` (unknown users get the unknown segments)."""
    records = users.reindex(user_ids).to_dict("records") if len(users) else [{} for _ in user_ids]
    return [segment_path(r, year) for r in records]


class GlobalPopularity(Recommender):
    name: ClassVar[str] = "popularity"
    supports_cold_users: ClassVar[bool] = True
    scores_from_history: ClassVar[bool] = True  # everyone gets the same list

    def _fit(self, data: TrainingData) -> None:
        self.item_scores = item_shares(data.matrix)

    def scores(self, user_rows: np.ndarray, user_items: sp.csr_matrix) -> np.ndarray:
        return np.broadcast_to(self.item_scores, (len(user_rows), len(self.item_scores)))

    def recommend(
        self, user_rows: np.ndarray, user_items: sp.csr_matrix, n: int, *, exclude_seen: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """One ranking for everyone: ranked once, then each user's own items dropped."""
        groups = np.zeros(len(user_rows), dtype=np.int64)
        return shared_lists_top_n([self.item_scores], groups, user_items, n, exclude_seen=exclude_seen)

    def recommend_cold(self, users: pd.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
        return top_n(np.broadcast_to(self.item_scores, (len(users), len(self.item_scores))), n)


class TrendingPopularity(GlobalPopularity):
    """What is popular in the recent window only (default: the last 7 days, decaying by the day)."""

    name: ClassVar[str] = "trending"
    parameters: ClassVar[dict[str, Param]] = {
        "window_days": Param(7, gettext_noop("Only events of this many last days count."), 1, 365),
        "half_life_days": Param(2.0, gettext_noop("An event counts half as much after this many days."), 0.1, 365),
    }
    param_space: ClassVar[dict[str, list]] = {"window_days": [3, 7, 14], "half_life_days": [1.0, 2.0, 4.0]}

    def _fit(self, data: TrainingData) -> None:
        since = data.now - dt.timedelta(days=self.params["window_days"])
        recent = data.events[data.events["occurred_at"] >= since]
        matrix, _users, _items = interaction_matrix(
            recent,
            weights=data.weights,
            half_life_days=self.params["half_life_days"],
            recency_half_life_events=data.recency_half_life_events,
            now=data.now,
            item_ids=data.item_ids,
        )
        self.item_scores = item_shares(matrix)


class SegmentPopularity(Recommender):
    """Popular items per user segment, shrunk toward coarser segments; the fallback for unknown users."""

    name: ClassVar[str] = "segment_popularity"
    parameters: ClassVar[dict[str, Param]] = {
        "shrinkage": Param(200.0, gettext_noop("How far small segments lean on their broader segment's list."), 0, 1e6),
    }
    param_space: ClassVar[dict[str, list]] = {"shrinkage": [10.0, 50.0, 200.0, 1000.0]}
    supports_cold_users: ClassVar[bool] = True

    def _fit(self, data: TrainingData) -> None:
        self.year = data.now.year
        paths = user_segment_paths(data.users, data.user_ids, self.year)
        active_users = max(int((data.matrix.getnnz(axis=1) > 0).sum()), 1)
        m = float(self.params["shrinkage"]) * float(data.matrix.sum()) / active_users
        self.segment_scores: dict[str, np.ndarray] = {}
        for level in range(4):
            keys = pd.Index(sorted({p[level] for p in paths}))
            membership = sp.csr_matrix(
                (np.ones(len(paths)), (keys.get_indexer([p[level] for p in paths]), np.arange(len(paths)))),
                shape=(len(keys), len(paths)),
            )
            counts = np.asarray((membership @ data.matrix).todense())
            parent_of = {p[level]: p[level - 1] for p in paths} if level else {}
            for row, key in enumerate(keys):
                total = counts[row].sum()
                if level == 0:
                    shares = counts[row] / max(total, 1e-9)
                else:
                    parent = self.segment_scores[parent_of[key]]
                    shares = (counts[row] + m * parent) / (total + m)
                self.segment_scores[key] = shares.astype(np.float32)

    def _segment_of(self, path: list[str]) -> str:
        """The finest segment of the path seen in training; an unseen one inherits its nearest known ancestor."""
        return next(k for k in reversed(path) if k in self.segment_scores)

    def _scores_for_paths(self, paths: list[list[str]]) -> np.ndarray:
        rows = [self.segment_scores[self._segment_of(path)] for path in paths]
        return np.vstack(rows) if rows else np.zeros((0, len(self.item_ids)), dtype=np.float32)

    def scores(self, user_rows: np.ndarray, user_items: sp.csr_matrix) -> np.ndarray:
        return self._scores_for_paths([self.paths[r] for r in user_rows])

    def recommend(
        self, user_rows: np.ndarray, user_items: sp.csr_matrix, n: int, *, exclude_seen: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each segment's list ranked once and shared by its users, each of whom then drops their own items."""
        groups, segments = pd.factorize(pd.Index([self._segment_of(self.paths[r]) for r in user_rows]))
        lists = [self.segment_scores[segment] for segment in segments]
        return shared_lists_top_n(lists, np.asarray(groups, dtype=np.int64), user_items, n, exclude_seen=exclude_seen)

    def fit(self, data: TrainingData) -> None:
        super().fit(data)
        self.paths = user_segment_paths(data.users, data.user_ids, self.year)

    def recommend_cold(self, users: pd.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
        paths = [segment_path(r, self.year) for r in users.to_dict("records")]
        return top_n(self._scores_for_paths(paths), n)

    def segment_lists(self, n: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every segment's top n (item columns, scores), keyed like 'female|25-34|Kanto'."""
        keys = list(self.segment_scores)
        ids, scores = top_n(np.vstack([self.segment_scores[k] for k in keys]), n)
        return {k: (ids[i], scores[i]) for i, k in enumerate(keys)}


def category_segment(category: str) -> str:
    """The segment name a category's popular list is stored under (user segments never contain ':')."""
    return f"category:{category}"


def category_top(
    scores: np.ndarray, column_paths: list[str], separator: str, n: int
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The n best columns of every category at every level ('Home' holds 'Home > Kitchen'), by `scores`."""
    levels = pd.DataFrame({"column": np.arange(len(column_paths)), "path": column_paths})
    levels["level"] = [category_levels(p, separator) for p in levels["path"].fillna("").astype(str)]
    levels = levels.explode("level").dropna(subset=["level"])
    if levels.empty:
        return {}
    levels["score"] = scores[levels["column"].to_numpy(dtype=np.int64)]
    levels = levels[levels["score"] > 0].sort_values(["level", "score"], ascending=[True, False], kind="stable")
    top = levels.groupby("level", sort=False).head(n)
    return {
        level: (group["column"].to_numpy(dtype=np.int64), group["score"].to_numpy(dtype=np.float32))
        for level, group in top.groupby("level", sort=False)
    }
