"""Insert already-validated events as fast as the database allows.

On PostgreSQL a 500-event batch goes in with COPY, about three times faster than a multi-row
INSERT from the ORM (16 ms against 41 ms for execute_values and 55 ms for bulk_create, measured
while writing bench/ingest.py): the INSERT paths spend most of their time adapting 4,000
parameters in Python. COPY cannot skip duplicates, so a batch holding events stored before goes
through a temporary table and INSERT ... ON CONFLICT DO NOTHING, which also counts exactly what it
stored while another client sends the same events at the same moment.

On PostgreSQL the table is partitioned by month, and a partitioned table's unique keys must hold the
partition key: `event_id` is unique together with `occurred_at`, which a retried event repeats. An id
sent again with another time is caught by looking the batch's ids up in every partition first (the unique
key's index, which `event_id` leads, in each); only two requests racing with one id and two different times
could both store it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from recommendations.bulk_copy import COPY_NULL, copy_available, copy_rows, copy_rows_new, copy_text
from recommendations.models import Event

COLUMNS = (
    "event_id", "user_id", "item_id", "session_id", "type", "occurred_at", "recommendation_id", "received_at",
    "value", "currency", "quantity",
)  # fmt: skip
EventRow = tuple  # values in COLUMNS order


def _copy_lines(rows: list[EventRow]) -> list[str]:
    return [
        f"{event_id}\t{user_id}\t{item_id}\t{copy_text(session_id)}\t{kind}\t{occurred_at.isoformat()}\t"
        f"{copy_text(recommendation_id)}\t{received_at.isoformat()}\t{_nullable(value)}\t{copy_text(currency)}\t"
        f"{_nullable(quantity)}"
        for (
            event_id, user_id, item_id, session_id, kind, occurred_at, recommendation_id, received_at,
            value, currency, quantity,
        ) in rows
    ]  # fmt: skip


def _nullable(value: object) -> str:
    return COPY_NULL if value is None else str(value)


def events_insert(rows: list[EventRow]) -> int:
    """Insert events given as tuples in COLUMNS order (distinct event_ids); skip those already stored.

    Returns how many were stored. Ids stored before are left out first; PostgreSQL then tries a plain COPY
    and goes through ON CONFLICT only when the unique key refuses it (a retry racing this one).
    """
    if not rows:
        return 0
    stored = set(Event.objects.filter(event_id__any_of=[row[0] for row in rows]).values_list("event_id", flat=True))
    fresh = [row for row in rows if row[0] not in stored]
    if not fresh:
        return 0
    if copy_available():
        lines = _copy_lines(fresh)
        try:
            with transaction.atomic():
                copy_rows(Event, COLUMNS, lines)
            return len(fresh)
        except IntegrityError:
            pass  # another request stored some of them since the look-up; the savepoint rolled the COPY back
        return copy_rows_new(Event, COLUMNS, lines, conflict=("event_id", "occurred_at"))
    # SQLite writes one transaction at a time, so what was not there a moment ago is what this stores
    # ignore_conflicts covers a concurrent retry that stores some of these between our read and write
    Event.objects.bulk_create(
        [Event(**dict(zip(COLUMNS, row, strict=True))) for row in fresh], batch_size=1000, ignore_conflicts=True
    )
    return len(fresh)
