"""Ingest batches of interaction events: validate all, then store new ones in one transaction.

Idempotent on the client's `event_id`: a retried batch stores nothing twice and reports how many
events were already there. An event for an unknown user creates that user; an unknown item is an
error naming the item, because an event we cannot tie to the catalog is useless to every model.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recommendations import metrics
from recommendations import row_validation as rv
from recommendations.errors import FieldError, ValidationFailed
from recommendations.models import AppUser, EventType, Item
from recommendations.services.event_store import events_insert
from recommendations.services.personalize.events import events_forward_later

EVENT_FIELDS = {
    "event_id": rv.FieldSpec(rv.uuid_value, required=True),
    "user_id": rv.FieldSpec(rv.external_id, required=True),
    "session_id": rv.FieldSpec(rv.text(128), required=True),
    "item_id": rv.FieldSpec(rv.external_id, required=True),
    "type": rv.FieldSpec(rv.choice(EventType.values), required=True),
    "occurred_at": rv.FieldSpec(rv.aware_datetime, required=True),
    "recommendation_id": rv.FieldSpec(rv.text(64)),
    "value": rv.FieldSpec(rv.optional_decimal),
    "currency": rv.FieldSpec(rv.currency),
    "quantity": rv.FieldSpec(rv.optional_quantity),
}
# Phones' clocks drift; anything further ahead than this is a bug in the sender.
MAX_CLOCK_SKEW = dt.timedelta(hours=24)


# PostgreSQL's deadlock_detected and serialization_failure: the transaction did nothing and may run again.
RETRIED_PGCODES = {"40P01", "40001"}
DEADLOCK_RETRIES = 3


@dataclass(frozen=True)
class IngestResult:
    stored: int
    duplicates: int
    users_created: int

    def __add__(self, other: IngestResult) -> IngestResult:
        return IngestResult(
            self.stored + other.stored, self.duplicates + other.duplicates, self.users_created + other.users_created
        )


@dataclass
class CheckedEvents:
    rows: list[dict[str, Any]]
    item_pks: dict[str, int]


EVENT_FIELD_NAMES = frozenset(EVENT_FIELDS)


def event_batch_check(rows: Any, *, max_rows: int | None = None) -> CheckedEvents:
    """Validate every event and resolve its item; raise ValidationFailed listing every bad event and field."""
    limit = max_rows or settings.API_MAX_BATCH_ROWS
    errors = rv.check_batch_size(rows, "events", limit)
    if errors:
        raise ValidationFailed("The event batch was rejected.", errors)
    clean, errors = rv.validate_rows(rows, EVENT_FIELDS, what="events")

    latest_allowed = timezone.now() + MAX_CLOCK_SKEW
    wanted_items = set()
    for index, row in enumerate(clean):
        occurred = row.get("occurred_at")
        if occurred is not None and occurred > latest_allowed:
            errors.append(
                FieldError(index, "occurred_at", "is more than 24 hours in the future; check the device clock")
            )
        if "item_id" in row:
            wanted_items.add(row["item_id"])
        for name in ("value", "currency", "quantity"):
            if row.get(name) not in (None, "") and row.get("type") != EventType.PURCHASE:
                errors.append(FieldError(index, name, _("only a purchase carries a value, currency or quantity")))
        if row.get("currency") and row.get("value") is None:
            errors.append(FieldError(index, "currency", _("a currency needs a value")))

    item_pks = dict(Item.objects.filter(external_id__any_of=wanted_items).values_list("external_id", "id"))
    for index, row in enumerate(clean):
        item_id = row.get("item_id")
        if item_id is not None and item_id not in item_pks:
            errors.append(FieldError(index, "item_id", f"unknown item '{item_id}': upsert it to the catalog first"))
    if errors:
        errors.sort(key=lambda e: (e.index if e.index is not None else -1, e.field))
        for error in errors:
            metrics.events_rejected.labels(error.field if error.field in EVENT_FIELD_NAMES else "other").inc()
        raise ValidationFailed(f"The event batch was rejected: {len(errors)} problem(s); nothing was saved.", errors)
    return CheckedEvents(clean, item_pks)


def _user_pks(external_ids: set[str]) -> tuple[dict[str, int], int]:
    """Map user ids to our keys, creating users we have not seen yet."""
    pks = dict(AppUser.objects.filter(external_id__any_of=external_ids).values_list("external_id", "id"))
    missing = external_ids - pks.keys()
    if missing:
        # in a fixed order, so two batches creating the same new users cannot wait on each other in a ring
        AppUser.objects.bulk_create([AppUser(external_id=x) for x in sorted(missing)], ignore_conflicts=True)
        pks.update(AppUser.objects.filter(external_id__any_of=missing).values_list("external_id", "id"))
    return pks, len(missing)


def event_batch_write(checked: CheckedEvents, *, path: str = "api") -> IngestResult:
    """Store the events not stored before, in one transaction; returns what was stored and skipped (counted
    in the metrics under `path`: api, file, demo or simulation).

    Overlapping batches sent at once (a client retrying while the first try still runs) insert their
    events in event_id order, so neither waits for the other in a ring; should the database still pick
    one as a deadlock victim, that batch is written again from the start (it changed nothing).
    """
    unique: dict[Any, dict[str, Any]] = {}
    for row in sorted(checked.rows, key=lambda r: str(r["event_id"])):
        unique.setdefault(row["event_id"], row)
    # inside a caller's transaction a failed statement spoils it whole: only a batch that is its own
    # transaction can be written again
    retries = 0 if transaction.get_connection().in_atomic_block else DEADLOCK_RETRIES
    for attempt in range(retries + 1):
        try:
            result = _batch_write(checked, unique)
        except OperationalError as exc:
            if attempt == retries or getattr(exc.__cause__, "pgcode", None) not in RETRIED_PGCODES:
                raise
            time.sleep(0.01 * (attempt + 1))
            continue
        metrics.events_stored.labels(path).inc(result.stored)
        metrics.events_duplicates.inc(result.duplicates)
        return result
    raise AssertionError("unreachable")  # the loop returns or raises


def _batch_write(checked: CheckedEvents, unique: dict[Any, dict[str, Any]]) -> IngestResult:
    with transaction.atomic():
        user_pks, users_created = _user_pks({row["user_id"] for row in unique.values()})
        now = timezone.now()
        stored = events_insert(
            [
                (
                    row["event_id"],
                    user_pks[row["user_id"]],
                    checked.item_pks[row["item_id"]],
                    row["session_id"],
                    row["type"],
                    row["occurred_at"],
                    row.get("recommendation_id") or "",
                    now,
                    row.get("value"),
                    (row.get("currency") or settings.CURRENCY_CODE) if row.get("value") is not None else "",
                    row.get("quantity"),
                )
                for row in unique.values()
            ]
        )
        events_forward_later([str(event_id) for event_id in unique])
    return IngestResult(stored=stored, duplicates=len(checked.rows) - stored, users_created=users_created)


def event_batch_ingest(rows: Any, *, path: str = "api") -> IngestResult:
    """Validate and store one batch of events; all or nothing."""
    return event_batch_write(event_batch_check(rows), path=path)
