"""What serving reads about the user in a request: attributes, candidate lists, session and history, and what
they were shown without opening it. One round trip on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from recommendations.models import AppUser, Event, EventType, Impression, UserCandidates
from recommendations.row_validation import EARLIEST
from recommendations.services.serving.reads.statements import any_of, aware, query, unpack

# Event types that remove an item from a user's lists for good.
_EXCLUDING = [EventType.PURCHASE.value, EventType.NOT_INTERESTED.value]


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


@dataclass
class UserReads:
    """What user_context found; `user` None when recsite does not know the id."""

    user: UserRow | None = None
    lists: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # version -> keys, scores
    activity: list[Activity] = field(default_factory=list)
    shown: dict[int, int] = field(default_factory=dict)  # key -> pages that showed it, unopened (fatigue)


def _occurred_at() -> str:
    """An event's time as serving reads it. PostgreSQL can hold times Python cannot (1 BC, year 10000),
    stored before the API bounded them: such a row is read as the earliest accepted time, so one bad
    event never fails a user's every request."""
    if connection.vendor != "postgresql":
        return "e.occurred_at"
    return f"GREATEST(e.occurred_at, TIMESTAMPTZ '{EARLIEST.isoformat()}')"


def _activity_condition(since: dt.datetime | None, session_id: str) -> tuple[str, list]:
    """SQL for "in the current session" (since `since`, or with `session_id`) and its parameters."""
    if since is None:
        return "1 = 0", []
    since_value = connection.ops.adapt_datetimefield_value(since)
    if session_id:
        return "e.occurred_at >= %s OR e.session_id = %s", [since_value, session_id]
    return "e.occurred_at >= %s", [since_value]


# Each read below is written once, for a user given as a column (u.id, inside user_context's one query) or as
# a parameter (%s, its own query elsewhere).
def _activity_from(user: str, recent: str) -> str:
    """The user's events of the session (`recent`) and their purchases and not_interested; 2 parameters."""
    return f"FROM {Event._meta.db_table} e WHERE e.user_id = {user} AND ({recent} OR e.type IN (%s, %s))"


def _shown_from(user: str) -> str:
    """The pages of a slot shown to the user since a time; 2 parameters (since, slot)."""
    return f"FROM {Impression._meta.db_table} i WHERE i.user_id = {user} AND i.served_at >= %s AND i.slot = %s"


def _opened_from(user: str) -> str:
    """The user's events since a time; 1 parameter."""
    return f"FROM {Event._meta.db_table} e WHERE e.user_id = {user} AND e.occurred_at >= %s"


def user_context(
    external_id: str,
    slot: str,
    version_ids: list[int],
    since: dt.datetime | None = None,
    session_id: str = "",
    *,
    history: bool = False,
    shown_since: dt.datetime | None = None,
) -> UserReads:
    """The user's attributes and candidate lists for the slot in the given versions; given `since` (or
    `history`), the activity of `user_activity`; given `shown_since`, the fatigue counts of `shown_unopened`
    for the slot. One round trip on PostgreSQL (the activity as a JSON aggregate), more elsewhere."""
    users, lists = AppUser._meta.db_table, UserCandidates._meta.db_table
    if version_ids:
        in_versions, version_params = any_of("c.version_id", version_ids)
        join = f"LEFT JOIN {lists} c ON c.user_id = u.id AND c.slot = %s AND {in_versions}"
        columns, join_params = "c.version_id, c.ids, c.scores", [slot, *version_params]
    else:
        join, columns, join_params = "", "NULL, NULL, NULL", []
    postgresql = connection.vendor == "postgresql"
    wants_activity = since is not None or history
    extra, extra_params = "NULL, NULL, NULL", []
    if postgresql:
        # each read once for the user, however many candidate rows the join gives (MATERIALIZED)
        recent, recent_params = _activity_condition(since, session_id)
        activity_sql = "NULL"
        if wants_activity:
            activity_sql = (
                f"(SELECT json_agg(json_build_array(e.item_id, e.type, {_occurred_at()}, {recent}) ORDER BY "
                f"e.occurred_at DESC) {_activity_from('u.id', recent)})"
            )
            extra_params += [*recent_params, *recent_params, *_EXCLUDING]
        shown_sql = opened_sql = "NULL"
        if shown_since is not None:
            since_value = connection.ops.adapt_datetimefield_value(shown_since)
            # a damaged page (not whole int64 keys) is left out rather than misread
            shown_sql = f"(SELECT string_agg(i.keys, ''::bytea) {_shown_from('u.id')} AND mod(length(i.keys), 8) = 0)"
            opened_sql = f"(SELECT array_agg(DISTINCT e.item_id) {_opened_from('u.id')})"
            extra_params += [since_value, slot, since_value]
        extra = f"{activity_sql} AS activity, {shown_sql} AS shown, {opened_sql} AS opened"
    sql = (
        f"WITH u AS MATERIALIZED (SELECT u.id, u.gender, u.birth_year, u.region, {extra} FROM {users} u "
        f"WHERE u.external_id = %s) SELECT u.*, {columns} FROM u {join}"
        if postgresql
        else f"SELECT u.id, u.gender, u.birth_year, u.region, NULL, NULL, NULL, {columns} FROM {users} u {join} "
        "WHERE u.external_id = %s"
    )
    params = [*extra_params, external_id, *join_params] if postgresql else [*join_params, external_id]
    rows = query(sql, params)
    if not rows:
        return UserReads()
    pk, gender, birth_year, region, activity_json, shown_bytes, opened = rows[0][:7]
    found = {row[7]: unpack(row[8], row[9]) for row in rows if row[7] is not None}
    reads = UserReads(UserRow(pk, gender, birth_year, region), found)
    if postgresql:
        reads.activity = [
            Activity(item, kind, aware(dt.datetime.fromisoformat(at)), bool(flag))
            for item, kind, at, flag in activity_json or []
        ]
        if shown_since is not None:
            reads.shown = _unopened_counts([bytes(shown_bytes)] if shown_bytes else [], opened or [])
    else:
        if wants_activity:
            reads.activity = user_activity(pk, since, session_id)
        if shown_since is not None:
            reads.shown = shown_unopened(pk, slot, shown_since)
    return reads


def user_activity(user: int, since: dt.datetime | None, session_id: str = "") -> list[Activity]:
    """The user's events of the current session (since `since`, or with `session_id`) and every purchase
    and not_interested they ever made, newest first; `since` None asks for the latter only."""
    recent, recent_params = _activity_condition(since, session_id)
    sql = (
        f"SELECT e.item_id, e.type, {_occurred_at()}, CASE WHEN {recent} THEN 1 ELSE 0 END "
        f"{_activity_from('%s', recent)} ORDER BY e.occurred_at DESC"
    )
    rows = query(sql, [*recent_params, user, *recent_params, *_EXCLUDING], prepared=False)
    return [Activity(item, kind, aware(at), bool(flag)) for item, kind, at, flag in rows]


def shown_unopened(user: int, slot: str, since: dt.datetime) -> dict[int, int]:
    """Items shown to the user in `slot` since `since` that they have had no event on since then, with how
    many pages showed each: the impression fatigue counts (user_context reads them in its round trip)."""
    since_value = connection.ops.adapt_datetimefield_value(since)
    pages_sql = f"SELECT i.keys {_shown_from('%s')}"
    pages = [bytes(keys) for (keys,) in query(pages_sql, [user, since_value, slot], prepared=False)]
    if not pages:
        return {}
    opened_sql = f"SELECT DISTINCT e.item_id {_opened_from('%s')}"
    opened = [item for (item,) in query(opened_sql, [user, since_value], prepared=False)]
    return _unopened_counts(pages, opened)


def _unopened_counts(pages: list[bytes], opened: list[int]) -> dict[int, int]:
    """How many of `pages` (packed int64 keys) showed each key not in `opened`."""
    if not pages:
        return {}
    shown = np.frombuffer(b"".join(p[: len(p) - len(p) % 8] for p in pages), dtype="<i8")
    keys, counts = np.unique(shown[~np.isin(shown, np.asarray(opened, dtype=np.int64))], return_counts=True)
    return dict(zip(keys.tolist(), counts.tolist(), strict=True))
