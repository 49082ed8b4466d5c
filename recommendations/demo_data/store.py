"""Write generated or loaded data sets into the catalog and event tables, in chunks."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recommendations.models import AppUser, Event, Item, Shop, SlotConfig
from recommendations.services.catalog_upsert import ENTITIES, catalog_rows_check, catalog_rows_write
from recommendations.services.event_ingest import IngestResult, event_batch_check, event_batch_write
from recommendations.services.event_partitions import partitions_ensure
from recommendations.services.event_store import events_insert

CHUNK = 1000
Progress = Callable[[int], None]


def _chunks(rows: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def catalog_store(kind: str, rows: list[dict], progress: Progress | None = None) -> None:
    """Upsert catalog rows through the same validation as the API."""
    entity = ENTITIES[kind]
    for chunk in _chunks(rows):
        catalog_rows_write(catalog_rows_check(entity, chunk))
        if progress:
            progress(len(chunk))


def events_store(rows: list[dict], progress: Progress | None = None) -> IngestResult:
    """Store events through the same validation as the API (idempotent on event_id)."""
    total = IngestResult(0, 0, 0)
    for chunk in _chunks(rows):
        with transaction.atomic():
            total += event_batch_write(event_batch_check(chunk, max_rows=CHUNK), path="demo")
        if progress:
            progress(len(chunk))
    return total


def trusted_events_store(rows: list[dict], progress: Progress | None = None) -> int:
    """Insert generated events without per-field validation (the generator made them well-formed)."""
    users = dict(AppUser.objects.values_list("external_id", "id"))
    items = dict(Item.objects.values_list("external_id", "id"))
    now = timezone.now()
    stored = 0
    for chunk in _chunks(rows, 5000):
        with transaction.atomic():
            stored += events_insert(
                [
                    (
                        uuid.UUID(str(row["event_id"])),
                        users[row["user_id"]],
                        items[row["item_id"]],
                        row["session_id"],
                        row["type"],
                        row["occurred_at"],
                        "",
                        now,
                        Decimal(row["value"]) if row.get("value") is not None else None,
                        settings.CURRENCY_CODE if row.get("value") is not None else "",
                        row.get("quantity"),
                    )
                    for row in chunk
                ]
            )
        if progress:
            progress(len(chunk))
    partitions_ensure()  # the generated history's months get their partitions (PostgreSQL)
    return stored


def demo_serving_settings() -> None:
    """Turn on what the demo shows off on the items slot: 10% of positions for new items (after the first 3),
    items shown 5 times in 7 days without a click moved down, at most 10 items of one top-level category."""
    config = SlotConfig.objects.filter(slot="items").first()
    if config is None or config.exploration_share:
        return  # not migrated yet, or a merchandiser chose already
    config.exploration_share, config.fatigue_shows, config.per_category_cap = 10, 5, 10
    config.save()


def dataset_counts() -> dict[str, int]:
    return {
        "shops": Shop.objects.count(),
        "items": Item.objects.count(),
        "users": AppUser.objects.count(),
        "events": Event.objects.count(),
    }
