"""The union of every source's top list per user, with each source's rank and score beside each candidate.

A candidate is a (user row, item column) pair that at least one source ranked. For each source the pair
carries its rank in that source's list (the list's depth where the source did not rank it) and its score
standardised within the user's list, so that sources whose raw scores live on different scales (EASE's
regression weights, ALS's dot products, popularity's shares) become comparable features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Candidates:
    """Candidate pairs sorted by user row, then item column; per source a rank and a standardised score."""

    users: np.ndarray  # row in the user_rows given (0..len(user_rows)-1)
    items: np.ndarray  # item column
    ranks: dict[str, np.ndarray]
    scores: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.users)

    def group_sizes(self) -> np.ndarray:
        """How many candidates each user row has, in user order (users with none are left out)."""
        return np.diff(np.flatnonzero(np.r_[True, self.users[1:] != self.users[:-1], True]))


def _standardised(scores: np.ndarray) -> np.ndarray:
    """Each row's finite scores as (score - row mean) / row standard deviation; -inf pads become NaN."""
    finite = np.isfinite(scores)
    values = np.where(finite, scores, np.nan).astype(np.float64)
    counts = finite.sum(axis=1, keepdims=True)
    filled = np.where(finite, values, 0.0)
    mean = filled.sum(axis=1, keepdims=True) / np.maximum(counts, 1)
    spread = np.sqrt((np.where(finite, values - mean, 0.0) ** 2).sum(axis=1, keepdims=True) / np.maximum(counts, 1))
    out = (values - mean) / np.where(spread > 0, spread, 1.0)  # NaN stays NaN: the source did not list the item
    return out.astype(np.float32)


def candidate_union(lists: dict[str, tuple[np.ndarray, np.ndarray]], n_items: int) -> Candidates:
    """Merge each source's (item columns, scores), users x depth with -1 pads, into one candidate set."""
    keys_per_source = {}
    for name, (ids, _scores) in lists.items():
        rows = np.repeat(np.arange(ids.shape[0], dtype=np.int64), ids.shape[1])
        flat = ids.ravel().astype(np.int64)
        keys_per_source[name] = np.where(flat >= 0, rows * n_items + flat, -1)
    keys = np.unique(np.concatenate([k[k >= 0] for k in keys_per_source.values()] or [np.zeros(0, np.int64)]))
    ranks, scores = {}, {}
    for name, (ids, raw) in lists.items():
        depth = ids.shape[1]
        rank = np.full(len(keys), depth, dtype=np.float32)
        score = np.full(len(keys), np.nan, dtype=np.float32)
        source_keys = keys_per_source[name]
        present = source_keys >= 0
        at = np.searchsorted(keys, source_keys[present])
        rank[at] = np.tile(np.arange(depth, dtype=np.float32), ids.shape[0])[present]
        score[at] = _standardised(raw).ravel()[present]
        ranks[name], scores[name] = rank, score
    return Candidates(users=keys // max(n_items, 1), items=keys % max(n_items, 1), ranks=ranks, scores=scores)
