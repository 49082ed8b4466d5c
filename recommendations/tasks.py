"""Celery tasks: thin wrappers that load ids, call a service and log the outcome. Safe to retry."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from recommendations.errors import Conflict
from recommendations.services.task_dispatch import tasks_run_inline

logger = logging.getLogger(__name__)


@shared_task(name="recommendations.events_prune", acks_late=True, expires=3600)
def events_prune_task(retention_days: int | None = None) -> int:
    """Delete events older than the retention period (EVENT_RETENTION_DAYS)."""
    from recommendations.services.event_retention import events_prune

    deleted = events_prune(retention_days=retention_days)
    logger.info("events_prune deleted %d events", deleted)
    return deleted


@shared_task(name="recommendations.event_partitions_ensure", acks_late=True, expires=3600)
def event_partitions_ensure_task() -> list[str]:
    """Make the events table's monthly partitions for this month and the next few (PostgreSQL)."""
    from recommendations.services.event_partitions import partitions_ensure

    made = partitions_ensure()
    logger.info("event partitions made: %s", ", ".join(made) or "none needed")
    return made


@shared_task(
    name="recommendations.training_run_execute",
    queue=settings.TRAINING_QUEUE,
    acks_late=True,
    # A worker killed mid-run redelivers the message; the claim makes the second delivery harmless.
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=settings.TRAINING_SOFT_TIME_LIMIT,
    time_limit=settings.TRAINING_SOFT_TIME_LIMIT + 300,
)
def training_run_execute_task(run_id: int) -> str:
    """Execute one queued training run (a no-op if another worker already has it)."""
    from recommendations.services.training.pipeline import training_run_execute

    run = training_run_execute(run_id)
    logger.info("training run %s (%s): %s %s", run.pk, run.algorithm, run.status, run.publish_note)
    return run.status


@shared_task(name="recommendations.training_nightly", acks_late=True, expires=6 * 3600)
def training_nightly_task() -> list[int]:
    """Queue a refit for every enabled algorithm."""
    from recommendations.services.training.schedule import training_runs_nightly

    return training_runs_nightly()


@shared_task(name="recommendations.training_fold_in", acks_late=True, expires=1800)
def training_fold_in_task() -> list[int]:
    """Queue a fold-in of the latest events for every enabled algorithm that folds in (TRAINING_FOLD_IN)."""
    from recommendations.services.training.schedule import training_runs_fold_in

    return training_runs_fold_in()


@shared_task(name="recommendations.training_runs_reap", acks_late=True, expires=600)
def training_runs_reap_task() -> dict:
    """Re-queue or fail runs whose worker died (expired lease)."""
    from recommendations.services.training.pipeline import training_runs_reap

    requeued, failed = training_runs_reap()
    if requeued or failed:
        logger.warning("training_runs_reap: re-queued %s, failed %d", requeued, failed)
    return {"requeued": requeued, "failed": failed}


@shared_task(
    name="recommendations.content_neighbours_refresh", queue=settings.TRAINING_QUEUE, acks_late=True, expires=1800
)
def content_neighbours_refresh_task() -> dict:
    """Recompute every servable item's content neighbours (similar items, new-item exploration)."""
    from recommendations.services.training.content_lists import content_neighbours_refresh

    return content_neighbours_refresh()


@shared_task(name="recommendations.metrics_rollup", acks_late=True, expires=900)
def metrics_rollup_task() -> int:
    """Recompute the experiment roll-ups of the days that got new events or impressions."""
    from recommendations.services.measurement.rollup import rollup_pending

    days = rollup_pending()
    logger.info("metrics_rollup recomputed %d day(s): %s", len(days), ", ".join(map(str, days)))
    return len(days)


@shared_task(name="recommendations.personalize_training_advance", acks_late=True, autoretry_for=(OperationalError,))
def personalize_training_advance_task(run_id: int, attempt: int = 0) -> bool:
    """Advance a Personalize training run; look again later (backing off to 15 minutes) until it ends."""
    from recommendations.services.personalize.training import personalize_training_advance

    done = personalize_training_advance(run_id)
    # without a broker there is no "later": the command that started the run polls instead
    if not done and not tasks_run_inline():
        personalize_training_advance_task.apply_async((run_id, attempt + 1), countdown=min(60 * 2**attempt, 900))
    return done


@shared_task(
    name="recommendations.personalize_events_forward",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def personalize_events_forward_task(event_ids: list[str]) -> int:
    """Forward stored events to Personalize's event tracker; retried with backoff, never blocking ingestion."""
    from recommendations.services.personalize.events import events_forward

    return events_forward(event_ids)


@shared_task(
    name="recommendations.personalize_user_delete",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def personalize_user_delete_task(external_id: str) -> str:
    """Take a user erased in recsite out of the files in the bucket, and start Personalize's deletion job."""
    from recommendations.services.personalize.erasure import exports_user_scrub
    from recommendations.services.personalize.events import user_deletion_start

    exports_user_scrub(external_id)
    job = user_deletion_start(external_id)
    return job.arn if job else ""


@shared_task(name="recommendations.personalize_resources_refresh", acks_late=True, expires=300)
def personalize_resources_refresh_task() -> int:
    """Refresh the status of Personalize resources still being created or updated (when Personalize is on)."""
    if not settings.PERSONALIZE_BUCKET:
        return 0
    from recommendations.services.personalize.ng_filter import ng_filter_sync
    from recommendations.services.personalize.setup import resources_refresh

    try:
        ng_filter_sync()  # a changed NG list becomes a new filter, served once ACTIVE
    except Conflict as exc:  # no dataset group yet: nothing has been sent to Personalize
        logger.info("personalize NG filter not synced: %s", exc)
    return resources_refresh()


@shared_task(name="recommendations.personalize_training_nightly", acks_late=True, expires=3600)
def personalize_training_nightly_task() -> int | None:
    """Start the night's Personalize training when PERSONALIZE_TRAIN_NIGHTLY is on (it is billed per hour)."""
    if not (settings.PERSONALIZE_BUCKET and settings.PERSONALIZE_TRAIN_NIGHTLY):
        return None
    from recommendations.services.personalize.training import personalize_training_queue

    return personalize_training_queue(trigger="schedule").pk


@shared_task(
    name="recommendations.training_run_publish",
    queue=settings.TRAINING_QUEUE,
    acks_late=True,
    reject_on_worker_lost=True,
)
def training_run_publish_task(run_id: int) -> int | None:
    """Finish publishing a stored run whose worker died while writing its version (sent by the reaper)."""
    from recommendations.services.training.pipeline import training_run_publish

    version = training_run_publish(run_id)
    logger.info("training run %s published as version %s", run_id, version.pk if version else None)
    return version.pk if version else None
