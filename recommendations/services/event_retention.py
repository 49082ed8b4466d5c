"""Delete events older than the retention period, in small batches so no lock is held for long."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from recommendations.models import Event


def events_prune(*, retention_days: int | None = None, batch_size: int = 10_000) -> int:
    """Delete events that occurred before now minus `retention_days` (0 keeps all); returns how many."""
    days = settings.EVENT_RETENTION_DAYS if retention_days is None else retention_days
    if days <= 0:
        return 0
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted = 0
    while True:
        ids = list(Event.objects.filter(occurred_at__lt=cutoff).values_list("id", flat=True)[:batch_size])
        if not ids:
            return deleted
        deleted += Event.objects.filter(id__in=ids).delete()[0]
