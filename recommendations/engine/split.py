"""The offline evaluation split, fixed for every model: each user's last interactions, by time.

For every user with at least `min_events` positive events, the latest `holdout_fraction` of their
events (at least one) are held out; the model trains on everything before. The test set is the
items of held-out positive events that the user had not interacted with in training, so a model is
rewarded only for finding something new.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommendations.engine.interactions import POSITIVE_TYPES

HOLDOUT_FRACTION = 0.2
MIN_EVENTS = 5


@dataclass
class Split:
    train: pd.DataFrame
    test: pd.DataFrame  # user_id, item_id of held-out positives that are new to the user

    def test_matrix(self, user_ids: np.ndarray, item_ids: np.ndarray) -> sp.csr_matrix:
        """Held-out items as a 0/1 matrix in the model's row and column order (unknown ids dropped)."""
        rows = pd.Index(user_ids).get_indexer(self.test["user_id"])
        cols = pd.Index(item_ids).get_indexer(self.test["item_id"])
        keep = (rows >= 0) & (cols >= 0)
        data = np.ones(int(keep.sum()), dtype=np.float32)
        matrix = sp.csr_matrix((data, (rows[keep], cols[keep])), shape=(len(user_ids), len(item_ids)))
        matrix.data[:] = 1.0
        return matrix

    def with_test_users_at_most(self, max_users: int | None) -> Split:
        """The same split, scored on at most `max_users` of the users with held-out items.

        The users are the ones with the smallest hash of their id, so successive runs score the same
        people (a paired comparison for the publish guard) as long as they keep having held-out items.
        Training still leaves every user's held-out events out.
        """
        users = self.test["user_id"].unique()
        if not max_users or len(users) <= max_users:
            return self
        chosen = users[np.argsort(pd.util.hash_array(users), kind="stable")[:max_users]]
        return Split(train=self.train, test=self.test[self.test["user_id"].isin(chosen)].reset_index(drop=True))


def last_interactions_split(
    events: pd.DataFrame, *, holdout_fraction: float = HOLDOUT_FRACTION, min_events: int = MIN_EVENTS
) -> Split:
    """Hold out each user's latest events; see the module docstring."""
    ordered = events.sort_values(["user_id", "occurred_at"], kind="stable")
    rank = ordered.groupby("user_id").cumcount().to_numpy()
    size = ordered.groupby("user_id")["user_id"].transform("size").to_numpy()
    n_test = np.maximum(1, np.floor(size * holdout_fraction)).astype(int)
    held = (size >= min_events) & (rank >= size - n_test)
    train = ordered[~held]
    return Split(train=train.reset_index(drop=True), test=_new_to_user(train, ordered[held]))


def _new_to_user(train: pd.DataFrame, held: pd.DataFrame) -> pd.DataFrame:
    """(user_id, item_id) of held-out positive events that the user had not interacted with in `train`."""
    test = held[held["type"].isin(list(POSITIVE_TYPES))][["user_id", "item_id"]].drop_duplicates()
    seen = train[["user_id", "item_id"]].drop_duplicates()
    test = test.merge(seen, on=["user_id", "item_id"], how="left", indicator=True)
    return test[test["_merge"] == "left_only"].drop(columns="_merge").reset_index(drop=True)


def time_cut_split(events: pd.DataFrame, *, holdout_fraction: float = HOLDOUT_FRACTION) -> Split:
    """The first (1 - holdout_fraction) of all events by time train; the rest are held out, scored for users
    who have training events. The case where what is recent decides, unlike each user's own last events."""
    cutoff = events["occurred_at"].quantile(1 - holdout_fraction)
    train = events[events["occurred_at"] < cutoff]
    held = events[(events["occurred_at"] >= cutoff) & events["user_id"].isin(train["user_id"].unique())]
    return Split(train=train.reset_index(drop=True), test=_new_to_user(train, held))
