"""What each user's candidate list was ranked from, kept as a digest per user, so a later run can tell whose
inputs changed and rank only those users (incremental training, docs/training.md).

A user's events digest is the wrapping sum of one hash per event (item, type, time): it does not depend on the
order events are read in, it changes when an event is added, erased or leaves the training window, and it is
computed for ten million events in about a second. Attributes (gender, birth year, region) have a digest of
their own, since they move a user between segments and feed the attribute-aware models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ATTRIBUTES = ["gender", "birth_year", "region"]
RECORD = np.dtype([("user", "<i8"), ("events", "<u8"), ("count", "<i8"), ("attributes", "<u8")])
# odd 64-bit constants (from splitmix64) that spread one field's hash before the fields are combined
_SPREAD = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9))

# Why a user was ranked again, in the order the admin shows them.
NEW_USER = "new_user"
NEW_EVENTS = "new_events"
HISTORY_CHANGED = "history_changed"
ATTRIBUTES_CHANGED = "attributes_changed"
NO_LONGER_RANKED = "no_longer_ranked"
REASONS = (NEW_USER, NEW_EVENTS, HISTORY_CHANGED, ATTRIBUTES_CHANGED, NO_LONGER_RANKED)


@dataclass(frozen=True)
class UserInputs:
    """Per user key (sorted): the events digest, the number of events and the attributes digest."""

    records: np.ndarray  # of RECORD, sorted by user

    @property
    def users(self) -> np.ndarray:
        return self.records["user"]

    def __len__(self) -> int:
        return len(self.records)

    def pack(self) -> bytes:
        """The records as bytes, for storing beside a version."""
        return self.records.tobytes()

    @classmethod
    def unpack(cls, data: bytes) -> UserInputs:
        """Records stored by `pack`; ValueError when the bytes are not whole records."""
        if len(data) % RECORD.itemsize:
            raise ValueError(f"{len(data)} bytes are not whole user-input records of {RECORD.itemsize} bytes")
        return cls(np.frombuffer(data, dtype=RECORD).copy())

    def only(self, users: np.ndarray) -> UserInputs:
        """The records of these user keys (those present)."""
        return UserInputs(self.records[np.isin(self.records["user"], users)])


def user_inputs(events: pd.DataFrame, users: pd.DataFrame) -> UserInputs:
    """The digest of every user with events (columns user_id, item_id, type, occurred_at); `users` holds their
    attributes indexed by user key (a user missing there has the digest of no attributes)."""
    if not len(events):
        return UserInputs(np.zeros(0, dtype=RECORD))
    user_keys = events["user_id"].to_numpy(np.int64)
    order = np.argsort(user_keys, kind="stable")
    keys = user_keys[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    records = np.zeros(len(starts), dtype=RECORD)
    records["user"] = keys[starts]
    records["events"] = np.add.reduceat(_event_hashes(events)[order], starts)  # wraps modulo 2**64
    records["count"] = np.diff(np.r_[starts, len(keys)])
    records["attributes"] = _attribute_hashes(users, records["user"])
    return UserInputs(records)


def _event_hashes(events: pd.DataFrame) -> np.ndarray:
    items = pd.util.hash_array(events["item_id"].to_numpy(np.int64))
    times = pd.util.hash_array(events["occurred_at"].dt.as_unit("us").astype("int64").to_numpy())
    codes, kinds = pd.factorize(events["type"])
    kind_hashes = pd.util.hash_array(np.asarray([str(k) for k in kinds], dtype=object))[codes]
    with np.errstate(over="ignore"):
        combined = items ^ (times * _SPREAD[0]) ^ (kind_hashes * _SPREAD[1])
    return pd.util.hash_array(combined)


def _attribute_hashes(users: pd.DataFrame, keys: np.ndarray) -> np.ndarray:
    columns = [c for c in ATTRIBUTES if c in users.columns]
    if not columns:
        return np.zeros(len(keys), dtype=np.uint64)
    known = users[columns].reindex(keys).astype(object).where(lambda frame: frame.notna(), "")
    return pd.util.hash_pandas_object(known.astype(str), index=False).to_numpy(np.uint64)


def inputs_changed(before: UserInputs, now: UserInputs) -> dict[str, np.ndarray]:
    """User keys to rank again, by reason: in `now` only (new), with more events, with events erased or aged out,
    with changed attributes; and keys in `before` only (no longer ranked: their old list must stop serving)."""
    old, new = before.records, now.records
    position = np.searchsorted(old["user"], new["user"])
    found = position < len(old)
    found[found] = old["user"][position[found]] == new["user"][found]
    matched = old[position[found]]
    current = new[found]
    events_differ = matched["events"] != current["events"]
    grew = events_differ & (current["count"] > matched["count"])
    return {
        NEW_USER: new["user"][~found],
        NEW_EVENTS: current["user"][grew],
        HISTORY_CHANGED: current["user"][events_differ & ~grew],
        ATTRIBUTES_CHANGED: current["user"][~events_differ & (matched["attributes"] != current["attributes"])],
        NO_LONGER_RANKED: np.setdiff1d(old["user"], new["user"], assume_unique=True),
    }
