"""A training run is executed by one attempt at a time: its heartbeat keeps the lease while a long stage
runs, an attempt that lost its run writes nothing, a run whose worker died while publishing is published
by the reaper, and a queued run whose task was lost is sent again."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connections
from django.utils import timezone

from recommendations.models import ModelVersion, TrainingRun
from recommendations.services.training import pipeline
from recommendations.services.training.pipeline import (
    training_run_claim,
    training_run_create,
    training_run_execute,
    training_runs_reap,
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_heartbeat_keeps_a_long_stage_from_being_taken_away(demo, settings, monkeypatch):
    settings.TRAINING_LEASE_SECONDS = 1
    settings.TRAINING_HEARTBEAT_SECONDS = 0.2
    real_fit = pipeline.fit_and_evaluate

    def slow_fit(*args, **kwargs):
        time.sleep(2.5)  # longer than the lease: only the heartbeat keeps it
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(pipeline, "fit_and_evaluate", slow_fit)
    reaped: list = []

    def reaper() -> None:
        time.sleep(1.6)
        try:
            reaped.append(training_runs_reap())
        finally:
            connections.close_all()

    run = training_run_create(algorithm="item_knn", trigger="command")
    watcher = threading.Thread(target=reaper)
    watcher.start()
    done = training_run_execute(run.pk)
    watcher.join()

    assert reaped == [([], 0)]  # the reaper saw a live lease
    assert done.status == TrainingRun.Status.SUCCEEDED and done.attempt == 1
    assert ModelVersion.objects.get(run=done).is_live


@pytest.mark.django_db
def test_an_attempt_that_lost_its_run_writes_nothing(demo, monkeypatch):
    run = training_run_create(algorithm="item_knn", trigger="command")
    real_fit = pipeline.fit_and_evaluate

    def stalled_fit(*args, **kwargs):
        # while this attempt stalls, its lease runs out: the reaper queues the run and a second worker claims it
        TrainingRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
        training_runs_reap()
        assert training_run_claim(run.pk) == 2
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(pipeline, "fit_and_evaluate", stalled_fit)
    stale = training_run_execute(run.pk)

    assert stale.status == TrainingRun.Status.RUNNING and stale.attempt == 2  # the second attempt's run
    assert stale.metrics == {} and not stale.artifact  # nothing of the first attempt's
    assert not ModelVersion.objects.filter(run=run).exists()


@pytest.mark.django_db
def test_a_run_whose_worker_died_while_publishing_is_published_by_the_reaper(
    demo, monkeypatch, django_capture_on_commit_callbacks
):
    real_publish = pipeline.model_version_publish

    def killed_midway(run, **kwargs):
        ModelVersion.objects.create(run=run, algorithm=run.algorithm)  # the version row, no lists yet
        raise KeyboardInterrupt  # as close to SIGKILL as a test process survives: no cleanup runs

    monkeypatch.setattr(pipeline, "model_version_publish", killed_midway)
    run = training_run_create(algorithm="segment_popularity", trigger="command")
    with pytest.raises(KeyboardInterrupt):
        training_run_execute(run.pk)
    monkeypatch.setattr(pipeline, "model_version_publish", real_publish)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED and run.lease_expires_at is not None
    assert not ModelVersion.objects.get(run=run).is_live

    TrainingRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        training_runs_reap()

    version = ModelVersion.objects.get(run=run)
    assert version.is_live and version.candidates_written_at is not None
    run.refresh_from_db()
    assert run.lease_expires_at is None and "published as version" in run.publish_note


@pytest.mark.django_db
def test_a_queued_run_whose_task_never_started_is_sent_again(demo, settings, django_capture_on_commit_callbacks):
    run = training_run_create(algorithm="segment_popularity", trigger="schedule")
    TrainingRun.objects.filter(pk=run.pk).update(dispatched_at=timezone.now() - dt.timedelta(minutes=30))
    recent = training_run_create(algorithm="item_knn", trigger="schedule")
    TrainingRun.objects.filter(pk=recent.pk).update(dispatched_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        requeued, _failed = training_runs_reap()

    assert requeued == [run.pk]
    run.refresh_from_db(), recent.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED and recent.status == TrainingRun.Status.QUEUED
