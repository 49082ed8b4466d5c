"""The events table's monthly partitions on PostgreSQL (declarative range partitioning by `occurred_at`,
made by migration 0026); SQLite keeps one table and nothing here applies to it.

Each month with events has its partition, `recommendations_event_2026_11` (UTC months), and a daily task
makes them `EVENT_PARTITION_MONTHS_AHEAD` months in advance; an event from a month without one (a late or
imported event of an earlier month) lands in the default partition, and the daily task gives its month a
partition and moves it in, unless retention is about to delete it. Partitions are not made for months with
no events: every partition is one more index probe in serving's per-user reads. Retention drops whole
months (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from recommendations.models import Event

TABLE = Event._meta.db_table
DEFAULT = f"{TABLE}_default"
_MONTH = re.compile(rf"^{TABLE}_(\d{{4}})_(\d{{2}})$")


def events_partitioned() -> bool:
    """Whether the events table is partitioned (PostgreSQL after migration 0026)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def month_start(moment: dt.datetime | dt.date) -> dt.date:
    return dt.date(moment.year, moment.month, 1)


def month_after(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _bound(month: dt.date) -> dt.datetime:
    return dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_{month:%Y_%m}"


def partitions_existing() -> dict[dt.date, str]:
    """The monthly partitions there are, by month."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [TABLE],
        )
        names = [name for (name,) in cursor.fetchall()]
    found = {}
    for name in names:
        match = _MONTH.match(name)
        if match:
            found[dt.date(int(match[1]), int(match[2]), 1)] = name
    return found


def partition_create(month: dt.date) -> int:
    """Make the month's partition, moving in the rows of that month the default partition holds; returns how
    many moved. The new table is filled before it is attached, so the default never holds rows of a month
    that has its own partition."""
    name, table, default = (connection.ops.quote_name(n) for n in (partition_name(month), TABLE, DEFAULT))
    low, high = _bound(month), _bound(month_after(month))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {default} WHERE occurred_at >= %s AND occurred_at < %s RETURNING *) "
            f"INSERT INTO {name} SELECT * FROM moved",
            [low, high],
        )
        moved = cursor.rowcount
        cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [low, high])
        if moved:  # statistics now, not at autovacuum's next pass: stale ones make the planner read it whole
            cursor.execute(f"ANALYZE {name}")
    return moved


def partitions_ensure(now: dt.datetime | None = None) -> list[str]:
    """Make the missing partitions of this month, the next EVENT_PARTITION_MONTHS_AHEAD and every earlier
    month that retention keeps with events waiting in the default partition (they move in); returns their
    names (none where events are not partitioned)."""
    if not events_partitioned():
        return []
    now = now or timezone.now()
    months, month = [], month_start(now)
    for _ in range(settings.EVENT_PARTITION_MONTHS_AHEAD + 1):
        months.append(month)
        month = month_after(month)
    days = settings.EVENT_RETENTION_DAYS if settings.EVENT_RETENTION_DAYS > 0 else 100 * 366
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date "
            f"FROM {connection.ops.quote_name(DEFAULT)} WHERE occurred_at >= %s",
            [now - dt.timedelta(days=days)],
        )
        waiting = [month for (month,) in cursor.fetchall()]
    existing = partitions_existing()
    made = []
    for month in sorted(set(months) | set(waiting)):
        if month not in existing:
            partition_create(month)
            made.append(partition_name(month))
    return made


def partitions_drop_before(cutoff: dt.datetime) -> int:
    """Drop the monthly partitions whose every event occurred before `cutoff`; returns how many events went."""
    if not events_partitioned():
        return 0
    dropped = 0
    for month, name in sorted(partitions_existing().items()):
        if _bound(month_after(month)) > cutoff:
            continue
        quoted = connection.ops.quote_name(name)
        with transaction.atomic(), connection.cursor() as cursor:
            # foreign-key checks still queued in this transaction would otherwise forbid the DROP
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"SELECT count(*) FROM {quoted}")
            dropped += cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE {quoted}")
    return dropped
