"""Delete events older than the retention period: on PostgreSQL whole monthly partitions are dropped, and
what is left of the oldest month (or sits in the default partition) is deleted in small batches, so no
lock is held for long."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from recommendations.models import Event
from recommendations.services.event_partitions import partitions_drop_before


def events_prune(*, retention_days: int | None = None, batch_size: int = 10_000) -> int:
    """Delete events that occurred before now minus `retention_days` (0 keeps all); returns how many."""
    days = settings.EVENT_RETENTION_DAYS if retention_days is None else retention_days
    if days <= 0:
        return 0
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted = partitions_drop_before(cutoff)
    old = Event.objects.filter(occurred_at__lt=cutoff)
    while True:
        ids = list(old.values_list("id", flat=True)[:batch_size])
        if not ids:
            return deleted
        deleted += old.filter(id__in=ids).delete()[0]  # the time bound keeps the delete to the old partitions
