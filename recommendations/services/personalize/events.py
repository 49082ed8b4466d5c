"""Live events forwarded to Personalize (PutEvents), and erased users deleted there too.

Forwarding runs after the ingest transaction commits, in a Celery task retried with backoff, so a
slow or failing AWS never delays or fails ingestion.
"""

from __future__ import annotations

import io
import itertools

from django.conf import settings
from django.utils import timezone

from recommendations.errors import Conflict
from recommendations.integrations import personalize as gateway
from recommendations.models import Event, PersonalizeResource
from recommendations.services.personalize.export import EXPORTED_TYPES
from recommendations.services.personalize.setup import resource_name, resource_record, resource_recorded
from recommendations.services.task_dispatch import task_dispatch

Kind = PersonalizeResource.Kind
PUT_EVENTS_MAX = 10


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
    """PutEvents for these events, grouped by user and session, 10 at a time; returns how many were sent."""
    tracker = tracking_id()
    if tracker is None:
        return 0
    rows = (
        Event.objects.filter(event_id__in=event_ids, type__in=EXPORTED_TYPES)
        .order_by("user__external_id", "session_id", "occurred_at")
        .values_list("event_id", "user__external_id", "session_id", "item__external_id", "type", "occurred_at")
    )
    sent = 0
    for (user, session), group in itertools.groupby(rows, key=lambda r: (r[1], r[2])):
        group = list(group)
        for start in range(0, len(group), PUT_EVENTS_MAX):
            chunk = group[start : start + PUT_EVENTS_MAX]
            gateway.events_put(
                tracker,
                user,
                session or f"{user}-{chunk[0][5]:%Y%m%d}",
                [
                    {"eventId": str(event_id), "eventType": kind, "itemId": item, "sentAt": at}
                    for event_id, _u, _s, item, kind, at in chunk
                ],
            )
            sent += len(chunk)
    return sent


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
