"""Celery tasks: what each does when sent, and a real worker taking one from the broker."""

import datetime as dt
import os
import socket
import time
import urllib.request

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_training_worker_killed_mid_run_is_replaced_and_the_run_finishes_once(demo, settings, tmp_path):
    """SIGKILL a real training worker while it runs; the reaper queues the run again and a second worker
    finishes it: one version, from the second attempt."""
    import signal
    import subprocess
    import sys

    from django.db import connection

    from recommendations.models import ModelVersion
    from recommendations.services.training.pipeline import training_run_queue, training_runs_reap

    if not os.environ.get("CELERY_BROKER_URL") or connection.vendor != "postgresql":
        pytest.skip("needs the broker in CELERY_BROKER_URL and PostgreSQL for a worker process (CI sets both)")
    database = connection.settings_dict
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"},  # a worker reads no serving data
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TRAINING_LEASE_SECONDS": "3",
        "TRAINING_HEARTBEAT_SECONDS": "0.5",
    }

    def worker(**env: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "celery", "-A", "recsite", "worker", "-Q", "training", "-P", "solo"]
        command += ["--without-mingle", "--without-gossip", "-l", "warning"]
        return subprocess.Popen(
            command, env={**environment, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def wait_for(condition, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.2)
        return False

    celery_app.conf.task_always_eager = False
    run = training_run_queue(algorithm="als", tune=True, trigger="command")  # twelve fits: long enough to kill
    first = worker()
    try:
        assert wait_for(lambda: TrainingRun.objects.get(pk=run.pk).status == "running", 90), "no worker took the run"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        time.sleep(3.5)  # the lease runs out: nobody renews it
        requeued, _failed = training_runs_reap()
        assert requeued == [run.pk]
    finally:
        if first.poll() is None:
            first.kill()
    port = _free_port()
    second = worker(CELERY_METRICS_PORT=str(port))
    try:
        assert wait_for(lambda: TrainingRun.objects.get(pk=run.pk).status in ("succeeded", "failed"), 150)

        # the worker's own /metrics: what its run took, stage by stage, and the queues it serves (the run is
        # counted once its candidates are written, after it shows as succeeded)
        def scrape() -> str:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()

        assert wait_for(lambda: 'recsite_training_runs_total{algorithm="als",status="succeeded"} 1.0' in scrape(), 60)
        scraped = scrape()
        assert 'recsite_training_stage_seconds_count{algorithm="als",stage="tune"} 1.0' in scraped
        assert 'recsite_training_stage_seconds_count{algorithm="als",stage="candidates"} 1.0' in scraped
        assert 'recsite_queue_length{queue="training"}' in scraped
    finally:
        second.terminate()
        second.wait(timeout=30)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.attempt == 2, run.error
    assert ModelVersion.objects.filter(run=run, is_live=True).count() == 1
