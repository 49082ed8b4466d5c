"""How serving's reads reach the database: plain SQL, prepared once per connection on PostgreSQL, one array
parameter for a list of keys, and candidate lists unpacked from their stored bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import re
import threading

import numpy as np
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.backends.utils import CursorWrapper

logger = logging.getLogger(__name__)


def any_of(column: str, keys: list) -> tuple[str, list]:
    """`column` is one of `keys`: one array parameter on PostgreSQL (one plan for every length)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(keys)]
    return f"{column} IN ({', '.join(['%s'] * len(keys))})", list(keys)


# Statements prepared on this thread's current database session; a new session starts with none.
_local = threading.local()


def _session_started(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    if connection.alias == DEFAULT_DB_ALIAS:
        _local.prepared = set()


connection_created.connect(_session_started, dispatch_uid="serving-reads-prepared")


def execute(cursor: CursorWrapper, sql: str, params: list) -> None:
    """Run `sql`; on PostgreSQL as a prepared statement, planned once per connection.

    Planning took as long as running these short queries, which every request makes.
    """
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    name = "recsite_" + hashlib.md5(sql.encode()).hexdigest()[:16]
    done = getattr(_local, "prepared", None)
    if done is None:
        done = _local.prepared = set()
    if name not in done:
        counter = itertools.count(1)
        numbered = re.sub(r"%s", lambda _m: f"${next(counter)}", sql)
        cursor.execute(f"PREPARE {name} AS {numbered}")
        done.add(name)
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)


def unpack(ids: bytes | memoryview, scores: bytes | memoryview) -> tuple[np.ndarray, np.ndarray]:
    """A stored list's keys and scores (packed int64 and float32)."""
    keys, values = bytes(ids), bytes(scores)
    if len(keys) % 8 or len(values) % 4 or len(keys) // 8 != len(values) // 4:
        # a damaged stored list is an empty one: the chain's next source answers, the request does not fail
        logger.warning("a candidate list with %d key bytes and %d score bytes was left out", len(keys), len(values))
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    return np.frombuffer(keys, dtype="<i8"), np.frombuffer(values, dtype="<f4")


def aware(moment: dt.datetime) -> dt.datetime:
    """Raw SQL on SQLite reads a time back naive; it was stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
