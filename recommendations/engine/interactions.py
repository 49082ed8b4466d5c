"""From an events DataFrame to the weighted user x item matrix every model learns from."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

# The kinds of event that say a user likes an item; not_interested is a negative signal, never one of them.
# How much each weighs, and how fast it fades, are settings (TRAINING_EVENT_WEIGHTS and the half-lives)
# that the Django side passes in: the engine holds no defaults of its own.
POSITIVE_TYPES = ("view", "favorite", "cart_add", "purchase")


@dataclass(frozen=True)
class MatrixInput:
    """How events become the matrix: each kind's weight, the two decays, and whether to keep only 0/1."""

    weights: dict[str, float]
    half_life_days: float | None
    recency_half_life_events: float | None
    binary: bool = False

    def as_binary(self) -> MatrixInput:
        """The 0/1 matrix over the same kinds of event: 1 for every pair with any of them."""
        return MatrixInput({kind: 1.0 for kind in self.weights}, None, None, binary=True)

    def options(self) -> dict:
        """Keyword arguments for `training_data` and `interaction_matrix`."""
        return {
            "weights": self.weights,
            "half_life_days": self.half_life_days,
            "recency_half_life_events": self.recency_half_life_events,
            "binary": self.binary,
        }


CONFIGURED = "configured"


def input_candidates(configured: MatrixInput, extra: dict[str, MatrixInput] | None = None) -> dict[str, MatrixInput]:
    """The inputs tried, the configured one first (it wins ties), each distinct; `extra` ones (the input a tuned
    run found) after the standard ones.

    equal_weights: every kind of event weighs 1, no age decay (ratings and plays are not a funnel);
    counts: also no per-user recency decay (where event order means little); binary: 0/1.
    """
    equal = {kind: 1.0 for kind in configured.weights}
    candidates = {
        CONFIGURED: configured,
        "equal_weights": replace(configured, weights=equal, half_life_days=None),
        "counts": MatrixInput(weights=equal, half_life_days=None, recency_half_life_events=None),
        "binary": configured.as_binary(),
        **(extra or {}),
    }
    distinct: dict[str, MatrixInput] = {}
    for name, candidate in candidates.items():
        if candidate not in distinct.values():
            distinct[name] = candidate
    return distinct


@dataclass
class TrainingData:
    """Everything a model may learn from, with our row/column order fixed by `user_ids`/`item_ids`.

    `users` and `items` hold attributes indexed by external id (users: gender, birth_year, region;
    items: category_path, shop_id, price). `events` is the raw (filtered) event log.
    """

    matrix: sp.csr_matrix
    user_ids: np.ndarray
    item_ids: np.ndarray
    events: pd.DataFrame
    users: pd.DataFrame = field(default_factory=pd.DataFrame)
    items: pd.DataFrame = field(default_factory=pd.DataFrame)
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # how `matrix` was weighed (models that build matrices of their own, like trending, weigh the same way)
    input: MatrixInput = field(default_factory=lambda: MatrixInput({}, None, None))

    @property
    def weights(self) -> dict[str, float]:
        return self.input.weights

    @property
    def recency_half_life_events(self) -> float | None:
        return self.input.recency_half_life_events

    @property
    def user_index(self) -> dict[str, int]:
        return {u: i for i, u in enumerate(self.user_ids)}

    @property
    def item_index(self) -> dict[str, int]:
        return {u: i for i, u in enumerate(self.item_ids)}

    def reweighed(self, matrix_input: MatrixInput) -> TrainingData:
        """The same users, items and events as a matrix built by `matrix_input` (itself when it is already)."""
        if matrix_input == self.input:
            return self
        matrix, _users, _items = interaction_matrix(
            self.events, now=self.now, user_ids=self.user_ids, item_ids=self.item_ids, **matrix_input.options()
        )
        return dataclasses.replace(self, matrix=matrix, input=matrix_input)


def interaction_matrix(
    events: pd.DataFrame,
    *,
    weights: dict[str, float],
    half_life_days: float | None,
    recency_half_life_events: float | None,
    binary: bool = False,
    now: dt.datetime | None = None,
    user_ids: np.ndarray | None = None,
    item_ids: np.ndarray | None = None,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Sum event weights per (user, item), each decayed twice before summing.

    By age: x 0.5 ** (days before `now` / half_life_days), so last season's tastes fade. By the
    user's own recency: x 0.5 ** (the user's later events / recency_half_life_events), so what a
    user did last counts most whether they were active yesterday or a month ago (on MovieLens 100K
    this alone lifts EASE's NDCG@10 from 0.20 to 0.24; BENCHMARKS.md). `binary` keeps 1 for every pair
    with a positive event instead of the sum. Returns the CSR matrix and
    the user and item ids of its rows and columns; given id arrays fix that order (events naming
    other ids are dropped).
    """
    positive = events[events["type"].isin(list(weights))]
    w = positive["type"].map(weights).to_numpy(dtype=np.float32)
    if half_life_days and len(positive):
        now = now or positive["occurred_at"].max()
        age_days = (now - positive["occurred_at"]).dt.total_seconds().to_numpy() / 86400.0
        w = w * np.power(0.5, np.clip(age_days, 0, None) / half_life_days).astype(np.float32)
    if recency_half_life_events and len(positive):
        w = w * np.power(0.5, _later_events(positive) / recency_half_life_events).astype(np.float32)
    users = pd.Index(user_ids if user_ids is not None else np.sort(positive["user_id"].unique()))
    items = pd.Index(item_ids if item_ids is not None else np.sort(positive["item_id"].unique()))
    rows = users.get_indexer(positive["user_id"])
    cols = items.get_indexer(positive["item_id"])
    keep = (rows >= 0) & (cols >= 0)
    matrix = sp.csr_matrix((w[keep], (rows[keep], cols[keep])), shape=(len(users), len(items)), dtype=np.float32)
    matrix.sum_duplicates()
    if binary:
        matrix.data[:] = 1.0
    return matrix, users.to_numpy(), items.to_numpy()


def _later_events(events: pd.DataFrame) -> np.ndarray:
    """For each event, how many events of the same user came after it."""
    n = len(events)
    codes, _uniques = pd.factorize(events["user_id"])
    # a plain datetime64 array; .to_numpy() on a zoned column builds a million Timestamp objects
    order = np.lexsort((np.arange(n), events["occurred_at"].dt.tz_convert(None).to_numpy(), codes))
    sorted_codes = codes[order]
    group_last = np.r_[np.flatnonzero(np.diff(sorted_codes)), n - 1]
    ends = np.repeat(group_last, np.diff(np.r_[-1, group_last]))
    later = np.empty(n, dtype=np.float64)
    later[order] = ends - np.arange(n)
    return later


def training_data(
    events: pd.DataFrame,
    *,
    weights: dict[str, float],
    half_life_days: float | None,
    recency_half_life_events: float | None,
    binary: bool = False,
    users: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    now: dt.datetime | None = None,
) -> TrainingData:
    """Build TrainingData from events (columns user_id, item_id, type, occurred_at) and attribute frames."""
    now = now or (events["occurred_at"].max() if len(events) else dt.datetime.now(dt.UTC))
    matrix_input = MatrixInput(dict(weights), half_life_days, recency_half_life_events, binary)
    matrix, user_ids, item_ids = interaction_matrix(events, now=now, **matrix_input.options())
    return TrainingData(
        matrix=matrix,
        user_ids=user_ids,
        item_ids=item_ids,
        events=events,
        users=users if users is not None else pd.DataFrame(),
        items=items if items is not None else pd.DataFrame(),
        now=now,
        input=matrix_input,
    )
