"""Write the three data sets as CSV in Personalize's schemas to S3: in full, or the interactions
received since the last export (the catalog and users are always written whole: they are small)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recommendations.engine.algorithms.popularity import age_band
from recommendations.errors import Conflict
from recommendations.integrations import personalize as gateway
from recommendations.models import AppUser, Event, Item, PersonalizeResource
from recommendations.models.catalog import CATEGORY_SEPARATOR
from recommendations.services.personalize.schemas import CATEGORY_LEVELS, header

EXPORTED_TYPES = ("view", "favorite", "cart_add", "purchase")
SPOOL_BYTES = 64 * 1024 * 1024  # in memory up to this, then on disk


def _epoch(value: dt.datetime) -> int:
    return int(value.timestamp())


def _upload(key: str, rows: Iterable[list], columns: list[str]) -> tuple[str, int]:
    """Stream rows as CSV (with header) to S3 through a spooled file; returns (s3 path, rows written)."""
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            count += 1
        text.flush()
        text.detach()  # the CSV writer is done; the upload reads (and closes) the bytes underneath
        raw.seek(0)
        path = gateway.s3_upload(raw, key)
    return path, count


def _interactions(since: dt.datetime | None, until: dt.datetime) -> Iterator[list]:
    events = Event.objects.filter(type__in=EXPORTED_TYPES, received_at__lt=until)
    if since is not None:
        events = events.filter(received_at__gte=since)
    for user, item, kind, at in events.values_list(
        "user__external_id", "item__external_id", "type", "occurred_at"
    ).iterator(chunk_size=20_000):
        yield [user, item, _epoch(at), kind]


def _items() -> Iterator[list]:
    for external, created, category, shop, price in Item.objects.values_list(
        "external_id", "created_at", "category_path", "shop__external_id", "price"
    ).iterator(chunk_size=20_000):
        levels = [c for c in category.split(CATEGORY_SEPARATOR) if c][:CATEGORY_LEVELS] if category else []
        levels += [""] * (CATEGORY_LEVELS - len(levels))
        yield [external, _epoch(created), *levels, shop, "" if price is None else float(price)]


def _users(year: int) -> Iterator[list]:
    for external, gender, birth_year, region in AppUser.objects.values_list(
        "external_id", "gender", "birth_year", "region"
    ).iterator(chunk_size=20_000):
        band = age_band(birth_year, year)
        yield [external, gender or "", "" if band == "?" else band, region or ""]


def datasets_export(*, incremental: bool = True) -> PersonalizeResource:
    """Export to s3://PERSONALIZE_BUCKET/PREFIX/exports/<time>/; the record keeps the paths and row counts."""
    if not settings.PERSONALIZE_BUCKET:
        raise Conflict("PERSONALIZE_BUCKET is not set: there is nowhere to export to.")
    until = timezone.now()
    last = (
        PersonalizeResource.objects.filter(kind=PersonalizeResource.Kind.EXPORT, status="DONE")
        .order_by("-created_at")
        .first()
    )
    since = dt.datetime.fromisoformat(last.details["until"]) if (incremental and last) else None
    stamp = until.strftime("%Y%m%dT%H%M%S%f")  # two exports in one second stay apart
    base = f"{settings.PERSONALIZE_PREFIX}/exports/{stamp}"
    details: dict = {"until": until.isoformat(), "since": since.isoformat() if since else None, "files": {}}
    for dataset_type, rows in (
        ("Interactions", _interactions(since, until)),
        ("Items", _items()),
        ("Users", _users(until.year)),
    ):
        path, count = _upload(f"{base}/{dataset_type.lower()}.csv", rows, header(dataset_type))
        details["files"][dataset_type] = {"path": path, "rows": count}
    with transaction.atomic():
        return PersonalizeResource.objects.create(
            kind=PersonalizeResource.Kind.EXPORT,
            name=f"{settings.PERSONALIZE_PREFIX}-export-{stamp}",
            status="DONE",
            details={**details, "incremental": since is not None},
        )
