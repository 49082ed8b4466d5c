"""Live events forwarded to Personalize (PutEvents), and erased users deleted there too.

Forwarding runs after the ingest transaction commits, in a Celery task retried with backoff, so a
slow or failing AWS never delays or fails ingestion.
"""

from __future__ import annotations

import io
import itertools
import uuid

import numpy as np
from django.conf import settings
from django.utils import timezone

from recommendations.errors import Conflict
from recommendations.integrations import personalize as gateway
from recommendations.models import Event, Impression, Item, PersonalizeResource
from recommendations.services.personalize.export import EXPORTED_TYPES
from recommendations.services.personalize.setup import resource_name, resource_record, resource_recorded
from recommendations.services.task_dispatch import task_dispatch

Kind = PersonalizeResource.Kind
PUT_EVENTS_MAX = 10
IMPRESSION_MAX = 25  # PutEvents takes at most 25 items in an impression
ITEM_SLOTS = ("items", "similar")  # lists of items (a shops list shows shops, not items)


def event_tracker_setup() -> PersonalizeResource:
    """The dataset group's event tracker, created once."""
    name = resource_name(settings.PERSONALIZE_DATASET_GROUP, "tracker")
    tracker = resource_recorded(Kind.EVENT_TRACKER, name)
    if tracker is None:
        group = resource_recorded(Kind.DATASET_GROUP, resource_name(settings.PERSONALIZE_DATASET_GROUP))
        if group is None:
            raise Conflict("Set up the dataset group first (an export and import).")
        arn, tracking_id = gateway.event_tracker_create(name, group.arn)
        tracker = resource_record(Kind.EVENT_TRACKER, name, arn, tracking_id=tracking_id)
    return tracker


def tracking_id() -> str | None:
    """The event tracker's id if Personalize is on and has one; None: nothing is forwarded."""
    if not settings.PERSONALIZE_BUCKET:
        return None
    tracker = (
        PersonalizeResource.objects.filter(kind=Kind.EVENT_TRACKER)
        .exclude(arn="")
        .values_list("details", flat=True)
        .first()
    )
    return (tracker or {}).get("tracking_id")


def events_forward_later(event_ids: list[str]) -> None:
    """After the current transaction commits, queue these events for Personalize (if it is on)."""
    if not event_ids or tracking_id() is None:
        return
    task_dispatch("recommendations.personalize_events_forward", event_ids)


def events_forward(event_ids: list[str]) -> int:
    """PutEvents for these events, grouped by user and session, 10 at a time; returns how many were sent.

    An event that followed a list recsite served carries that list's `recommendationId` and the items it
    showed (`impression`), which Personalize uses for exploration and its own attribution; a purchase
    carries its value (`eventValue`)."""
    tracker = tracking_id()
    if tracker is None:
        return 0
    rows = list(
        Event.objects.filter(event_id__in=event_ids, type__in=EXPORTED_TYPES)
        .order_by("user__external_id", "session_id", "occurred_at")
        .values_list(
            "event_id", "user__external_id", "session_id", "item__external_id", "type", "occurred_at",
            "recommendation_id", "value",
        )
    )  # fmt: skip
    shown = _impressions_shown({row[6] for row in rows if row[6]})
    sent = 0
    for (user, session), group in itertools.groupby(rows, key=lambda r: (r[1], r[2])):
        group = list(group)
        for start in range(0, len(group), PUT_EVENTS_MAX):
            chunk = group[start : start + PUT_EVENTS_MAX]
            gateway.events_put(
                tracker,
                user,
                session or f"{user}-{chunk[0][5]:%Y%m%d}",
                [_put_event(row, shown) for row in chunk],
            )
            sent += len(chunk)
    return sent


def _put_event(row: tuple, shown: dict[str, list[str]]) -> dict:
    event_id, _user, _session, item, kind, at, recommendation_id, value = row
    event = {"eventId": str(event_id), "eventType": kind, "itemId": item, "sentAt": at}
    if recommendation_id in shown:
        event["recommendationId"] = recommendation_id
        event["impression"] = shown[recommendation_id]
    if value is not None:
        event["eventValue"] = float(value)
    return event


def _impressions_shown(recommendation_ids: set[str]) -> dict[str, list[str]]:
    """For lists of items recsite served: the items of their first page, as Personalize takes them."""
    wanted = []
    for text in recommendation_ids:
        try:
            wanted.append(uuid.UUID(text))
        except ValueError:
            continue  # an id the app made up: not one of ours
    pages = (
        Impression.objects.filter(recommendation_id__in=wanted, slot__in=ITEM_SLOTS)
        .order_by("recommendation_id", "offset", "served_at")
        .values_list("recommendation_id", "keys")
    )
    first: dict[str, list[int]] = {}
    for recommendation_id, keys in pages:
        first.setdefault(str(recommendation_id), np.frombuffer(bytes(keys), dtype="<i8").tolist()[:IMPRESSION_MAX])
    items = dict(
        Item.objects.filter(pk__in={k for keys in first.values() for k in keys}).values_list("pk", "external_id")
    )
    return {rid: [items[k] for k in keys if k in items] for rid, keys in first.items() if keys}


def user_deletion_start(external_id: str) -> PersonalizeResource | None:
    """Ask Personalize to delete an erased user's data (a data deletion job); None if Personalize is off."""
    if not settings.PERSONALIZE_BUCKET:
        return None
    group = resource_recorded(Kind.DATASET_GROUP, resource_name(settings.PERSONALIZE_DATASET_GROUP))
    if group is None:
        return None  # nothing was ever sent to Personalize
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    path = gateway.s3_upload(
        io.BytesIO(f"USER_ID\n{external_id}\n".encode()), f"{settings.PERSONALIZE_PREFIX}/deletions/{stamp}.csv"
    )
    name = resource_name("delete", stamp)
    arn = gateway.data_deletion_job_create(name, group.arn, path)
    return resource_record(Kind.DELETION_JOB, name, arn, path=path)


def personalize_user_delete_later(external_id: str) -> None:
    """After the erasure commits, queue the user's deletion in Personalize (if it ever got data)."""
    if not settings.PERSONALIZE_BUCKET:
        return
    task_dispatch("recommendations.personalize_user_delete", external_id)
