"""Celery tasks: thin wrappers that call a service and log the outcome. Safe to retry."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="recommendations.events_prune", acks_late=True, expires=3600)
def events_prune_task(retention_days: int | None = None) -> int:
    """Delete events older than the retention period (EVENT_RETENTION_DAYS)."""
    from recommendations.services.event_retention import events_prune

    deleted = events_prune(retention_days=retention_days)
    logger.info("events_prune deleted %d events", deleted)
    return deleted
