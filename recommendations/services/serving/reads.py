"""The few indexed reads a request makes, in plain SQL: the ORM's per-query cost is a large share of a
request this short (bench/serve.py), and each of these is one index lookup. On PostgreSQL the two
every request makes are prepared statements, which a pooler in transaction mode (PgBouncer) does not
support: point recsite at PostgreSQL directly or use session pooling.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import re
import threading
from dataclasses import dataclass

import numpy as np
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.backends.utils import CursorWrapper

from recommendations.models import (
    AppUser,
    ContentNeighbours,
    Event,
    EventType,
    Impression,
    Item,
    ItemNeighbours,
    Shop,
    UserCandidates,
)
from recommendations.row_validation import EARLIEST

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserRow:
    pk: int
    gender: str
    birth_year: int | None
    region: str


@dataclass(frozen=True)
class Activity:
    item: int
    type: str
    occurred_at: dt.datetime
    in_session: bool


@dataclass(frozen=True)
class ItemRow:
    external_id: str
    shop: int
    category: str


# Event types that remove an item from a user's lists for good.
_EXCLUDING = [EventType.PURCHASE.value, EventType.NOT_INTERESTED.value]


def _any_of(column: str, keys: list) -> tuple[str, list]:
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


def _execute(cursor: CursorWrapper, sql: str, params: list) -> None:
    """Run `sql`; on PostgreSQL as a prepared statement, planned once per connection.

    Planning took as long as running these short queries; a request makes two of them.
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


def _occurred_at() -> str:
    """An event's time as serving reads it. PostgreSQL can hold times Python cannot (1 BC, year 10000),
    stored before the API bounded them: such a row is read as the earliest accepted time, so one bad
    event never fails a user's every request."""
    if connection.vendor != "postgresql":
        return "e.occurred_at"
    return f"GREATEST(e.occurred_at, TIMESTAMPTZ '{EARLIEST.isoformat()}')"


def _unpack(ids: bytes | memoryview, scores: bytes | memoryview) -> tuple[np.ndarray, np.ndarray]:
    keys, values = bytes(ids), bytes(scores)
    if len(keys) % 8 or len(values) % 4 or len(keys) // 8 != len(values) // 4:
        # a damaged stored list is an empty one: the chain's next source answers, the request does not fail
        logger.warning("a candidate list with %d key bytes and %d score bytes was left out", len(keys), len(values))
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    return np.frombuffer(keys, dtype="<i8"), np.frombuffer(values, dtype="<f4")


def _activity_condition(since: dt.datetime | None, session_id: str) -> tuple[str, list]:
    """SQL for "in the current session" (since `since`, or with `session_id`) and its parameters."""
    if since is None:
        return "1 = 0", []
    since_value = connection.ops.adapt_datetimefield_value(since)
    if session_id:
        return "e.occurred_at >= %s OR e.session_id = %s", [since_value, session_id]
    return "e.occurred_at >= %s", [since_value]


def user_context(
    external_id: str, slot: str, version_ids: list[int], since: dt.datetime | None = None, session_id: str = ""
) -> tuple[UserRow | None, dict[int, tuple[np.ndarray, np.ndarray]], list[Activity]]:
    """The user's attributes, candidate lists for the slot in the given versions and, given `since`, the
    activity of `user_activity`. One round trip on PostgreSQL (the activity as a JSON aggregate), two elsewhere.
    """
    users, lists, events = AppUser._meta.db_table, UserCandidates._meta.db_table, Event._meta.db_table
    if version_ids:
        in_versions, version_params = _any_of("c.version_id", version_ids)
        join = f"LEFT JOIN {lists} c ON c.user_id = u.id AND c.slot = %s AND {in_versions}"
        columns, join_params = "c.version_id, c.ids, c.scores", [slot, *version_params]
    else:
        join, columns, join_params = "", "NULL, NULL, NULL", []
    combined = since is not None and connection.vendor == "postgresql"
    activity_sql, activity_params = "NULL", []
    if combined:
        recent, recent_params = _activity_condition(since, session_id)
        activity_sql = (
            f"(SELECT json_agg(json_build_array(e.item_id, e.type, {_occurred_at()}, {recent}) "
            f"ORDER BY e.occurred_at DESC) FROM {events} e WHERE e.user_id = u.id AND ({recent} OR e.type IN (%s, %s)))"
        )
        activity_params = [*recent_params, *recent_params, *_EXCLUDING]
    sql = (
        f"SELECT u.id, u.gender, u.birth_year, u.region, {columns}, {activity_sql} FROM {users} u {join} "
        "WHERE u.external_id = %s"
    )
    with connection.cursor() as cursor:
        _execute(cursor, sql, [*activity_params, *join_params, external_id])
        rows = cursor.fetchall()
    if not rows:
        return None, {}, []
    pk, gender, birth_year, region = rows[0][:4]
    found = {version: _unpack(ids, scores) for *_u, version, ids, scores, _a in rows if version is not None}
    if combined:
        activity = [
            Activity(item, kind, _aware(dt.datetime.fromisoformat(at)), bool(flag))
            for item, kind, at, flag in rows[0][7] or []
        ]
    else:
        activity = user_activity(pk, since, session_id) if since is not None else []
    return UserRow(pk, gender, birth_year, region), found, activity


def user_activity(user: int, since: dt.datetime | None, session_id: str = "") -> list[Activity]:
    """The user's events of the current session (since `since`, or with `session_id`) and every purchase
    and not_interested they ever made, newest first; `since` None asks for the latter only."""
    recent, recent_params = _activity_condition(since, session_id)
    sql = (
        f"SELECT e.item_id, e.type, {_occurred_at()}, CASE WHEN {recent} THEN 1 ELSE 0 END "
        f"FROM {Event._meta.db_table} e WHERE e.user_id = %s AND ({recent} OR e.type IN (%s, %s)) "
        "ORDER BY e.occurred_at DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*recent_params, user, *recent_params, *_EXCLUDING])
        return [Activity(item, kind, _aware(at), bool(flag)) for item, kind, at, flag in cursor.fetchall()]


def _aware(moment: dt.datetime) -> dt.datetime:
    """Raw SQL on SQLite reads a time back naive; it was stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def servable_items(keys: list[int]) -> dict[int, ItemRow]:
    """Of these item keys, the ones published and in stock, with what the rules need."""
    if not keys:
        return {}
    where, params = _any_of("id", keys)
    sql = (
        f"SELECT id, external_id, shop_id, category_path FROM {Item._meta.db_table} "
        f"WHERE {where} AND published AND in_stock"
    )
    with connection.cursor() as cursor:
        _execute(cursor, sql, params)
        return {pk: ItemRow(external_id, shop, category) for pk, external_id, shop, category in cursor.fetchall()}


def existing_shops(keys: list[int]) -> dict[int, str]:
    """Of these shop keys, the ones that exist, with their external ids."""
    if not keys:
        return {}
    where, params = _any_of("id", keys)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, external_id FROM {Shop._meta.db_table} WHERE {where}", params)
        return dict(cursor.fetchall())


def item_neighbours(version: int, items: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Co-visitation neighbour lists of these items in a version."""
    if not items:
        return {}
    where, params = _any_of("item_id", items)
    sql = f"SELECT item_id, ids, scores FROM {ItemNeighbours._meta.db_table} WHERE version_id = %s AND {where}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [version, *params])
        return {item: _unpack(ids, scores) for item, ids, scores in cursor.fetchall()}


def content_neighbours(items: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Content neighbour lists (title, category, shop, price) of these items, where computed."""
    if not items:
        return {}
    where, params = _any_of("item_id", items)
    with connection.cursor() as cursor:
        _execute(cursor, f"SELECT item_id, ids, scores FROM {ContentNeighbours._meta.db_table} WHERE {where}", params)
        return {item: _unpack(ids, scores) for item, ids, scores in cursor.fetchall()}


def shown_unopened(user: int, slot: str, since: dt.datetime) -> dict[int, int]:
    """Items shown to the user in `slot` since `since` that they have had no event on since then, with how
    many pages showed each: the impression fatigue counts. One round trip on PostgreSQL, two elsewhere."""
    since_value = connection.ops.adapt_datetimefield_value(since)
    pages_sql = f"SELECT keys FROM {Impression._meta.db_table} WHERE user_id = %s AND served_at >= %s AND slot = %s"
    opened_sql = f"SELECT DISTINCT item_id FROM {Event._meta.db_table} WHERE user_id = %s AND occurred_at >= %s"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _execute(
                cursor,
                f"SELECT keys, NULL::bigint FROM ({pages_sql}) p UNION ALL SELECT NULL::bytea, item_id FROM "
                f"({opened_sql}) o",
                [user, since_value, slot, user, since_value],
            )
            rows = cursor.fetchall()
            pages = [bytes(keys) for keys, _item in rows if keys is not None]
            opened_items = [item for keys, item in rows if keys is None]
        else:
            cursor.execute(pages_sql, [user, since_value, slot])
            pages = [bytes(keys) for (keys,) in cursor.fetchall()]
            opened_items = []
            if pages:
                cursor.execute(opened_sql, [user, since_value])
                opened_items = [item for (item,) in cursor.fetchall()]
    if not pages:
        return {}
    opened = np.fromiter(opened_items, dtype=np.int64, count=len(opened_items))
    shown = np.frombuffer(b"".join(p[: len(p) - len(p) % 8] for p in pages), dtype="<i8")
    keys, counts = np.unique(shown[~np.isin(shown, opened)], return_counts=True)
    return dict(zip(keys.tolist(), counts.tolist(), strict=True))


def item_keys_of(external_ids: list[str]) -> dict[str, int]:
    """Our keys of these item ids (those that exist)."""
    if not external_ids:
        return {}
    where, params = _any_of("external_id", external_ids)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT external_id, id FROM {Item._meta.db_table} WHERE {where}", params)
        return dict(cursor.fetchall())
