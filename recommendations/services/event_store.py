"""Insert already-validated events as fast as the database allows.

On PostgreSQL a 500-event batch goes in with COPY, about three times faster than a multi-row
INSERT from the ORM (16 ms against 41 ms for execute_values and 55 ms for bulk_create, measured
while writing bench/ingest.py): the INSERT paths spend most of their time adapting 4,000
parameters in Python. COPY cannot skip duplicates, so a batch holding events stored before falls
back to reading which they are and INSERT ... ON CONFLICT DO NOTHING for the rest.
"""

from __future__ import annotations

import io

from django.db import IntegrityError, connection, transaction

from recommendations.models import Event

COLUMNS = ("event_id", "user_id", "item_id", "session_id", "type", "occurred_at", "recommendation_id", "received_at")
EventRow = tuple  # values in COLUMNS order
# COPY's text format gives these characters a meaning; everything else passes through as it is.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(rows: list[EventRow]) -> io.StringIO:
    lines = [
        "\t".join(
            (
                str(event_id),
                str(user_id),
                str(item_id),
                session_id.translate(_COPY_ESCAPES),
                kind,
                occurred_at.isoformat(),
                recommendation_id.translate(_COPY_ESCAPES),
                received_at.isoformat(),
            )
        )
        for event_id, user_id, item_id, session_id, kind, occurred_at, recommendation_id, received_at in rows
    ]
    return io.StringIO("\n".join(lines) + "\n")


def events_insert(rows: list[EventRow]) -> int:
    """Insert events given as tuples in COLUMNS order (distinct event_ids); skip those already stored.

    Returns how many were stored. Most batches are new, so PostgreSQL first tries a plain COPY and
    only looks for stored duplicates when the unique index refuses it (a retried batch).
    """
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
                table = Event._meta.db_table
                cursor.cursor.copy_expert(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN", _copy_text(rows))
            return len(rows)
        except IntegrityError:
            pass  # some were stored before; the savepoint rolled the COPY back
    stored = set(Event.objects.filter(event_id__any_of=[row[0] for row in rows]).values_list("event_id", flat=True))
    fresh = [row for row in rows if row[0] not in stored]
    # ignore_conflicts covers a concurrent retry that stores some of these between our read and write
    Event.objects.bulk_create(
        [Event(**dict(zip(COLUMNS, row, strict=True))) for row in fresh], batch_size=1000, ignore_conflicts=True
    )
    return len(fresh)
