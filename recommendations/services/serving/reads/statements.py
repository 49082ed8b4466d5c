"""How serving's reads reach the database: the read replica when there is one (DATABASE_REPLICA_URL), plain
SQL prepared once per connection on PostgreSQL, one array parameter for a list of keys, and candidate lists
unpacked from their stored bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import re
import threading
import time

import numpy as np
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)


def any_of(column: str, keys: list) -> tuple[str, list]:
    """`column` is one of `keys`: one array parameter on PostgreSQL (one plan for every length)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(keys)]
    return f"{column} IN ({', '.join(['%s'] * len(keys))})", list(keys)


# Statements prepared on this thread's current session of each database; a new session starts with none.
_local = threading.local()
# Until when (time.monotonic()) the read replica is left alone after it failed: reads go to the primary.
_replica_rests_until = 0.0


def _session_started(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    _prepared_on(connection.alias).clear()
    if connection.vendor == "postgresql":
        # PostgreSQL re-plans a prepared statement for its values while that looks cheaper; serving's reads
        # are index look-ups whose plan never depends on the values, and re-planning the user's read
        # (partitions, three sub-queries) took as long as running it: plan each once. Only statements
        # prepared on the session are affected (the ORM prepares none). Set as the session starts, outside
        # any transaction, so no rollback undoes it.
        with connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_generic_plan")


connection_created.connect(_session_started, dispatch_uid="serving-reads-prepared")


def _prepared_on(alias: str) -> set[str]:
    by_alias = getattr(_local, "prepared", None)
    if by_alias is None:
        by_alias = _local.prepared = {}
    return by_alias.setdefault(alias, set())


def read_alias() -> str:
    """The database serving's reads go to: the read replica (SERVING_READ_DATABASE) unless it failed within
    the last REPLICA_RETRY_SECONDS, else the primary."""
    alias = settings.SERVING_READ_DATABASE
    if alias != DEFAULT_DB_ALIAS and time.monotonic() < _replica_rests_until:
        return DEFAULT_DB_ALIAS
    return alias


def query(sql: str, params: list, *, prepared: bool = True) -> list[tuple]:
    """The rows of one read, from the read replica when there is one (the primary while it is down);
    `prepared`: on PostgreSQL as a prepared statement, planned once per connection (planning took as long
    as running these short queries, which every request makes)."""
    global _replica_rests_until
    alias = read_alias()
    try:
        return _rows(connections[alias], sql, params, prepared)
    except (OperationalError, InterfaceError) as exc:
        if alias == DEFAULT_DB_ALIAS:
            raise
        # a replica that is down or restarting: the primary answers, and is asked alone for a while
        logger.warning("read replica %r failed (%s); serving reads go to the primary for %ss", alias, exc,
                       settings.REPLICA_RETRY_SECONDS)  # fmt: skip
        _replica_rests_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        connections[alias].close()
        return _rows(connections[DEFAULT_DB_ALIAS], sql, params, prepared)


def _rows(db: BaseDatabaseWrapper, sql: str, params: list, prepared: bool) -> list[tuple]:
    with db.cursor() as cursor:
        if not prepared or db.vendor != "postgresql":
            cursor.execute(sql, params)
            return cursor.fetchall()
        name = "recsite_" + hashlib.md5(sql.encode()).hexdigest()[:16]
        done = _prepared_on(db.alias)
        if name not in done:
            counter = itertools.count(1)
            numbered = re.sub(r"%s", lambda _m: f"${next(counter)}", sql)
            cursor.execute(f"PREPARE {name} AS {numbered}")
            done.add(name)
        cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
        return cursor.fetchall()


def replica_rest_reset() -> None:
    """Ask the replica again at the next read (tests)."""
    global _replica_rests_until
    _replica_rests_until = 0.0


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
