"""Run one training: claim it, load data, split, fit (or tune), evaluate beside popularity, store, publish.

A run is claimed with a compare-and-set on its status, so a redelivered task does nothing twice.
While it runs it holds a lease that every stage renews; a run whose worker died (even by SIGKILL)
is found by its expired lease (`training_runs_reap`) and re-queued or failed. Any error marks the
run failed and leaves the live version serving.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from recommendations.engine.algorithms.popularity import GlobalPopularity
from recommendations.engine.evaluation import evaluate_fitted, fit_and_evaluate
from recommendations.engine.split import HOLDOUT_FRACTION, last_interactions_split
from recommendations.engine.tuning import random_search
from recommendations.errors import Conflict
from recommendations.models import AlgorithmSetting, TrainingRun
from recommendations.services.task_dispatch import task_dispatch
from recommendations.services.training.artifacts import artifact_save
from recommendations.services.training.candidates import DataLists, data_lists, matrix_options
from recommendations.services.training.data_load import training_frames
from recommendations.services.training.publishing import model_version_publish, publish_guard

Stage = Callable[[str], None]
MIN_EVENTS_TO_TRAIN = 10
EXECUTE_TASK = "recommendations.training_run_execute"  # tasks.py registers it under this name


def training_run_create(
    *, algorithm: str, tune: bool = False, trigger: str = "admin", requested_by: AbstractBaseUser | None = None
) -> TrainingRun:
    """Queue a run with the algorithm's current parameters (staff's over tuned ones)."""
    setting, _created = AlgorithmSetting.objects.get_or_create(algorithm=algorithm)
    return TrainingRun.objects.create(
        algorithm=algorithm, params=setting.effective_params(), tune=tune, trigger=trigger, requested_by=requested_by
    )


def training_run_queue(
    *, algorithm: str, tune: bool = False, trigger: str = "admin", requested_by: AbstractBaseUser | None = None
) -> TrainingRun:
    """Create a run and hand it to a training worker once the transaction commits."""
    run = training_run_create(algorithm=algorithm, tune=tune, trigger=trigger, requested_by=requested_by)
    task_dispatch(EXECUTE_TASK, run.pk)
    return run


def training_runs_nightly() -> list[int]:
    """Queue a run for every algorithm enabled in the admin; returns their ids."""
    enabled = AlgorithmSetting.objects.filter(enabled=True).values_list("algorithm", flat=True)
    return [training_run_queue(algorithm=algorithm, trigger="schedule").pk for algorithm in enabled]


def training_run_claim(run_id: int) -> bool:
    """Move a queued run to running; False if another worker has it or it is already finished."""
    now = timezone.now()
    lease = now + dt.timedelta(seconds=settings.TRAINING_LEASE_SECONDS)
    claimed = TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.QUEUED).update(
        status=TrainingRun.Status.RUNNING, started_at=now, lease_expires_at=lease, attempt=F("attempt") + 1
    )
    return claimed == 1


@contextmanager
def _stage(run: TrainingRun, name: str, on_stage: Stage | None) -> Iterator[None]:
    if on_stage:
        on_stage(name)
    started = time.perf_counter()
    yield
    run.timings[name] = round(time.perf_counter() - started, 3)
    lease = timezone.now() + dt.timedelta(seconds=settings.TRAINING_LEASE_SECONDS)
    TrainingRun.objects.filter(pk=run.pk).update(timings=run.timings, lease_expires_at=lease)


def training_run_execute(run_id: int, *, on_stage: Stage | None = None) -> TrainingRun:
    """Claim and execute a queued run; a run that cannot be claimed is returned untouched."""
    if not training_run_claim(run_id):
        return TrainingRun.objects.get(pk=run_id)
    run = TrainingRun.objects.get(pk=run_id)
    run.timings = {}
    try:
        _execute(run, on_stage)
    except Exception as exc:  # every failure is recorded on the run; the live version keeps serving
        run.refresh_from_db(fields=["timings"])
        TrainingRun.objects.filter(pk=run.pk).update(
            status=TrainingRun.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()[-4000:]}",
            finished_at=timezone.now(),
            lease_expires_at=None,
        )
    run.refresh_from_db()
    return run


def _execute(run: TrainingRun, on_stage: Stage | None) -> None:
    # The publication's model-independent lists are computed while the split is made and the model
    # fits: whatever cores the fit leaves idle do them (BENCHMARKS.md, docs/training.md).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="publication-lists") as background:
        _run_stages(run, on_stage, background)


def _run_stages(run: TrainingRun, on_stage: Stage | None, background: ThreadPoolExecutor) -> None:
    with _stage(run, "load", on_stage):
        frames = training_frames()
        TrainingRun.objects.filter(pk=run.pk).update(snapshot=frames.snapshot())
    if len(frames.events) < MIN_EVENTS_TO_TRAIN:
        raise Conflict(f"only {len(frames.events)} events in the training window; nothing to learn from")
    lists: Future[DataLists] = background.submit(data_lists, frames)
    with _stage(run, "split", on_stage):
        split = last_interactions_split(frames.events).with_test_users_at_most(settings.TRAINING_EVALUATION_USERS)
    options = matrix_options()
    with _stage(run, "tune" if run.tune else "fit", on_stage):
        if run.tune:
            best, trials = random_search(
                run.algorithm,
                split,
                trials=settings.TUNING_TRIALS,
                base=run.params,
                users=frames.users,
                items=frames.items,
                matrix_options=options,
            )
            run.params = best.model.params
            run.metrics["trials"] = [
                {"params": t.params, "ndcg@10": t.score, "fit_seconds": t.fit_seconds} for t in trials
            ]
            AlgorithmSetting.objects.filter(algorithm=run.algorithm).update(
                tuned_params=best.model.params, tuned_at=timezone.now()
            )
            evaluation = best
        else:
            evaluation = fit_and_evaluate(
                run.algorithm, run.params, split, users=frames.users, items=frames.items, **options
            )
            run.params = evaluation.model.params  # every parameter used, defaults included
    with _stage(run, "evaluate", on_stage):
        popularity = GlobalPopularity()
        popularity.fit(evaluation.train)
        run.metrics.update(
            model=evaluation.metrics,
            popularity=evaluate_fitted(popularity, evaluation.train, split),
            split=f"each user's last {HOLDOUT_FRACTION:.0%} of events held out",
        )
        run.metrics["model"]["fit_seconds"] = round(evaluation.fit_seconds, 3)
    with _stage(run, "store", on_stage):
        run.artifact.name = artifact_save(run, evaluation.model)
        with transaction.atomic():
            TrainingRun.objects.filter(pk=run.pk).update(
                params=run.params,
                metrics=run.metrics,
                artifact=run.artifact.name,
                status=TrainingRun.Status.SUCCEEDED,
                finished_at=timezone.now(),
                lease_expires_at=None,
            )
        run.status = TrainingRun.Status.SUCCEEDED
    allowed, why = publish_guard(run)
    TrainingRun.objects.filter(pk=run.pk).update(publish_note=why[:300])
    run.publish_note = why
    if allowed:
        with _stage(run, "candidates", on_stage):
            model_version_publish(run, model=evaluation.model, frames=frames, data=lists.result())


def training_runs_reap() -> tuple[list[int], int]:
    """Runs whose lease expired lost their worker: queue them again, or fail them after the last attempt.

    Returns the ids put back in the queue (each dispatched again) and how many were failed.
    """
    now = timezone.now()
    lost = TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING, lease_expires_at__lt=now)
    retry = lost.filter(attempt__lt=settings.TRAINING_MAX_ATTEMPTS)
    requeued = list(retry.values_list("pk", flat=True))
    TrainingRun.objects.filter(pk__in=requeued).update(status=TrainingRun.Status.QUEUED, lease_expires_at=None)
    failed = lost.update(
        status=TrainingRun.Status.FAILED,
        finished_at=now,
        lease_expires_at=None,
        error="The worker stopped answering (its lease expired) on its last attempt.",
    )
    for run_id in requeued:
        task_dispatch(EXECUTE_TASK, run_id)
    return requeued, failed
