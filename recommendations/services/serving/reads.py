"""The few indexed reads a request makes, in plain SQL: the ORM's per-query cost is a large share of a
request this short (bench/serve.py), and each of these is one index lookup.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import connection

from recommendations.models import AppUser, Event, EventType, Item, ItemNeighbours, Shop, UserCandidates


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


def _any_of(column: str, keys: list) -> tuple[str, list]:
    """`column` is one of `keys`: one array parameter on PostgreSQL (one plan for every length)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(keys)]
    return f"{column} IN ({', '.join(['%s'] * len(keys))})", list(keys)


def _unpack(ids: bytes | memoryview, scores: bytes | memoryview) -> tuple[np.ndarray, np.ndarray]:
    return np.frombuffer(bytes(ids), dtype="<i8"), np.frombuffer(bytes(scores), dtype="<f4")


def user_with_lists(
    external_id: str, slot: str, version_ids: list[int]
) -> tuple[UserRow | None, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """The user's attributes and their candidate lists for the slot in the given versions, in one query."""
    users, lists = AppUser._meta.db_table, UserCandidates._meta.db_table
    if version_ids:
        in_versions, params = _any_of("c.version_id", version_ids)
        sql = (
            f"SELECT u.id, u.gender, u.birth_year, u.region, c.version_id, c.ids, c.scores FROM {users} u "
            f"LEFT JOIN {lists} c ON c.user_id = u.id AND c.slot = %s AND {in_versions} WHERE u.external_id = %s"
        )
        params = [slot, *params, external_id]
    else:
        sql = f"SELECT id, gender, birth_year, region, NULL, NULL, NULL FROM {users} WHERE external_id = %s"
        params = [external_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None, {}
    pk, gender, birth_year, region = rows[0][:4]
    found = {version: _unpack(ids, scores) for *_u, version, ids, scores in rows if version is not None}
    return UserRow(pk, gender, birth_year, region), found


def user_activity(user: int, since: dt.datetime | None, session_id: str = "") -> list[Activity]:
    """The user's events of the current session (since `since`, or with `session_id`) and every purchase
    and not_interested they ever made, newest first; `since` None asks for the latter only."""
    table = Event._meta.db_table
    if since is None:
        recent, recent_params = "1 = 0", []
    else:
        since_value = connection.ops.adapt_datetimefield_value(since)
        recent = "occurred_at >= %s OR session_id = %s" if session_id else "occurred_at >= %s"
        recent_params = [since_value, session_id] if session_id else [since_value]
    sql = (
        f"SELECT item_id, type, occurred_at, CASE WHEN {recent} THEN 1 ELSE 0 END FROM {table} "
        f"WHERE user_id = %s AND ({recent} OR type IN (%s, %s)) ORDER BY occurred_at DESC"
    )
    params = [*recent_params, user, *recent_params, EventType.PURCHASE.value, EventType.NOT_INTERESTED.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Activity(item, kind, at, bool(flag)) for item, kind, at, flag in cursor.fetchall()]


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
        cursor.execute(sql, params)
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


def item_key(external_id: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Item._meta.db_table} WHERE external_id = %s", [external_id])
        row = cursor.fetchone()
    return row[0] if row else None
