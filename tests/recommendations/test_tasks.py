"""Celery tasks: what each does when sent, and a real worker taking one from the broker."""

import datetime as dt
import os
import time

import pytest
from django.utils import timezone

from recommendations.models import Event, TrainingRun
from recommendations.tasks import events_prune_task
from recsite.celery import app as celery_app
from tests.factories import EventFactory


@pytest.mark.django_db
def test_old_events_are_pruned_and_recent_ones_kept():
    old = EventFactory(occurred_at=timezone.now() - dt.timedelta(days=500))
    recent = EventFactory()

    assert events_prune_task.delay(retention_days=400).get() == 1

    assert list(Event.objects.all()) == [recent]
    assert not Event.objects.filter(pk=old.pk).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_a_task_from_the_broker():
    """Proves the broker round trip CI sets up: enqueue on Redis, a worker picks it up, the database changes."""
    if not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("CELERY_BROKER_URL is not set: no broker to run a real worker against (CI sets it)")
    from celery.contrib.testing.worker import start_worker

    old = EventFactory(occurred_at=timezone.now() - dt.timedelta(days=500))
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        events_prune_task.delay(retention_days=400)
        deadline = time.monotonic() + 30
        while Event.objects.filter(pk=old.pk).exists() and time.monotonic() < deadline:
            time.sleep(0.2)

    assert not Event.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_the_nightly_task_trains_every_enabled_algorithm(demo, django_capture_on_commit_callbacks):
    from recommendations.models import AlgorithmSetting
    from recommendations.tasks import training_nightly_task

    AlgorithmSetting.objects.update(enabled=False)
    AlgorithmSetting.objects.filter(algorithm__in=["segment_popularity", "item_knn"]).update(enabled=True)

    with django_capture_on_commit_callbacks(execute=True):
        run_ids = training_nightly_task.delay().get()

    runs = TrainingRun.objects.filter(pk__in=run_ids)
    assert sorted(runs.values_list("algorithm", flat=True)) == ["item_knn", "segment_popularity"]
    assert set(runs.values_list("status", flat=True)) == {"succeeded"}
    assert set(runs.values_list("trigger", flat=True)) == {"schedule"}
