"""Services hand work to Celery by task name, and only once their transaction has committed."""

from __future__ import annotations

import pytest

from recommendations.models import TrainingRun
from recommendations.services.task_dispatch import task_dispatch, tasks_run_inline
from recommendations.services.training.pipeline import training_run_queue
from tests.factories import EventFactory


def test_tasks_run_inline_without_a_broker():
    assert tasks_run_inline()  # the tests' runtime: no broker, tasks in-process


@pytest.mark.django_db
def test_a_task_waits_for_the_commit(django_capture_on_commit_callbacks):
    old = EventFactory(occurred_at=EventFactory().occurred_at.replace(year=2000))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task_dispatch("recommendations.events_prune", 400)
    assert len(callbacks) == 1 and type(old).objects.filter(pk=old.pk).exists()  # nothing ran before the commit
    callbacks[0]()
    assert not type(old).objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_queueing_a_training_run_dispatches_it_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = training_run_queue(algorithm="popularity", trigger="admin")
    assert run.status == TrainingRun.Status.QUEUED and len(callbacks) == 1


def test_an_unknown_task_name_fails_loudly():
    with pytest.raises(KeyError):
        task_dispatch("recommendations.no_such_task")
