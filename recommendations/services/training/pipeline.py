"""Run one training: claim it, load data, split, fit (or tune), evaluate beside popularity, store, publish.

A run is claimed with a compare-and-set on its status, so a redelivered task does nothing twice.
While it runs it holds a lease that every stage renews; a run whose worker died (even by SIGKILL)
is found by its expired lease (`training_runs_reap`) and re-queued or failed. Any error marks the
run failed and leaves the live version serving.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from recommendations import metrics
from recommendations.engine.algorithms import ALGORITHMS, Recommender
from recommendations.engine.algorithms.popularity import GlobalPopularity
from recommendations.engine.bare_baselines import bare_fit
from recommendations.engine.evaluation import comparisons, fit_and_evaluate
from recommendations.engine.split import HOLDOUT_FRACTION, last_interactions_split
from recommendations.errors import Conflict
from recommendations.models import AlgorithmSetting, ModelVersion, TrainingRun
from recommendations.services.task_dispatch import task_dispatch
from recommendations.services.training.artifacts import artifact_load, artifact_save
from recommendations.services.training.candidates import DataLists, data_lists
from recommendations.services.training.data_load import TrainingFrames, training_frames
from recommendations.services.training.input_choice import run_matrix_input, run_tuning
from recommendations.services.training.lease import Heartbeat, Superseded, held, lease_until
from recommendations.services.training.publishing import live_version, model_version_publish, publish_guard

Stage = Callable[[str], None]
MIN_EVENTS_TO_TRAIN = 10
EXECUTE_TASK = "recommendations.training_run_execute"  # tasks.py registers them under these names
PUBLISH_TASK = "recommendations.training_run_publish"
logger = logging.getLogger(__name__)


def training_run_create(
    *,
    algorithm: str,
    tune: bool = False,
    trigger: str = "admin",
    requested_by: AbstractBaseUser | None = None,
    kind: str = TrainingRun.Kind.FULL,
) -> TrainingRun:
    """Queue a run with the algorithm's current parameters (staff's over tuned ones)."""
    if kind == TrainingRun.Kind.FOLD_IN:
        if tune:
            raise Conflict("A fold-in fits nothing, so it cannot tune: start a full run or a refit to tune.")
        if not folds_in(algorithm):
            raise Conflict(
                f"{algorithm} ranks only the users it was fitted on, so new events cannot be folded in without "
                "fitting it again: start a refit instead."
            )
    setting, _created = AlgorithmSetting.objects.get_or_create(algorithm=algorithm)
    return TrainingRun.objects.create(
        algorithm=algorithm,
        params=setting.effective_params(),
        tune=tune,
        trigger=trigger,
        requested_by=requested_by,
        kind=kind,
    )


def training_run_queue(
    *,
    algorithm: str,
    tune: bool = False,
    trigger: str = "admin",
    requested_by: AbstractBaseUser | None = None,
    kind: str = TrainingRun.Kind.FULL,
) -> TrainingRun:
    """Create a run and hand it to a training worker once the transaction commits."""
    run = training_run_create(algorithm=algorithm, tune=tune, trigger=trigger, requested_by=requested_by, kind=kind)
    _dispatch(run.pk, EXECUTE_TASK)
    return run


def folds_in(algorithm: str) -> bool:
    """Whether the algorithm's fitted model ranks users from their history, so new events fold in unfitted."""
    return ALGORITHMS[algorithm].scores_from_history


def _dispatch(run_id: int, task: str) -> None:
    TrainingRun.objects.filter(pk=run_id).update(dispatched_at=timezone.now())
    task_dispatch(task, run_id)


def training_run_claim(run_id: int) -> int | None:
    """Move a queued run to running; returns this attempt's number (its fencing token), or None if
    another worker has it or it is already finished."""
    claimed = TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.QUEUED).update(
        status=TrainingRun.Status.RUNNING,
        started_at=timezone.now(),
        lease_expires_at=lease_until(),
        attempt=F("attempt") + 1,
    )
    if not claimed:
        return None
    return TrainingRun.objects.values_list("attempt", flat=True).get(pk=run_id)


@contextmanager
def _stage(run: TrainingRun, name: str, on_stage: Stage | None, beat: Heartbeat) -> Iterator[None]:
    beat.check()
    if on_stage:
        on_stage(name)
    started = time.perf_counter()
    yield
    run.timings[name] = round(time.perf_counter() - started, 3)
    metrics.training_stage_seconds.labels(run.algorithm, name).observe(run.timings[name])
    held(run.pk, run.attempt, beat.status or run.status).update(timings=run.timings)
    beat.check()


def training_run_execute(run_id: int, *, on_stage: Stage | None = None) -> TrainingRun:
    """Claim and execute a queued run; a run that cannot be claimed is returned untouched."""
    attempt = training_run_claim(run_id)
    if attempt is None:
        return TrainingRun.objects.get(pk=run_id)
    run = TrainingRun.objects.get(pk=run_id)
    run.timings, run.attempt = {}, attempt
    beat = Heartbeat(run.pk, attempt)
    try:
        with beat:
            _execute(run, on_stage, beat)
    except Superseded as exc:  # another attempt holds the run now: it records the outcome, not this one
        logger.warning("%s", exc)
    except Exception as exc:  # every failure is recorded on the run; the live version keeps serving
        held(run.pk, attempt, beat.status or TrainingRun.Status.SUCCEEDED).update(
            status=TrainingRun.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()[-4000:]}",
            finished_at=timezone.now(),
            lease_expires_at=None,
        )
    run.refresh_from_db()
    metrics.training_runs.labels(run.algorithm, run.status).inc()
    return run


def _execute(run: TrainingRun, on_stage: Stage | None, beat: Heartbeat) -> None:
    # The publication's model-independent lists are computed while the split is made and the model
    # fits: whatever cores the fit leaves idle do them (BENCHMARKS.md, docs/training.md).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="publication-lists") as background:
        _run_stages(run, on_stage, background, beat)


def _run_stages(run: TrainingRun, on_stage: Stage | None, background: ThreadPoolExecutor, beat: Heartbeat) -> None:
    with _stage(run, "load", on_stage, beat):
        frames = training_frames()
        held(run.pk, run.attempt).update(snapshot=frames.snapshot())
    if len(frames.events) < MIN_EVENTS_TO_TRAIN:
        raise Conflict(f"only {len(frames.events)} events in the training window; nothing to learn from")
    lists: Future[DataLists] = background.submit(data_lists, frames)
    if run.kind == TrainingRun.Kind.FOLD_IN:
        with _stage(run, "fold_in", on_stage, beat):
            model = _live_model(run)
    else:
        model = _fit_and_evaluate(run, frames, on_stage, beat)
    allowed, why = publish_guard(run)
    with _stage(run, "store", on_stage, beat):
        if run.kind != TrainingRun.Kind.FOLD_IN:  # a fold-in serves the live model's own file
            # a fresh name per attempt: a stale attempt's file never overwrites this one's
            run.artifact.name = artifact_save(run, model)
        with transaction.atomic():
            stored = held(run.pk, run.attempt).update(
                params=run.params,
                metrics=run.metrics,
                artifact=run.artifact.name,
                status=TrainingRun.Status.SUCCEEDED,
                finished_at=timezone.now(),
                # kept while its version is written: a worker lost then leaves it for the reaper to publish
                lease_expires_at=lease_until() if allowed else None,
                publish_note=why[:300],
            )
            if not stored:
                raise Superseded(f"Run {run.pk}: attempt {run.attempt} lost its lease before storing its model.")
        run.status = TrainingRun.Status.SUCCEEDED
        beat.follow(TrainingRun.Status.SUCCEEDED if allowed else None)
    run.publish_note = why
    if allowed:
        with _stage(run, "candidates", on_stage, beat):
            model_version_publish(run, model=model, frames=frames, data=lists.result())
        beat.follow(None)
        held(run.pk, run.attempt, TrainingRun.Status.SUCCEEDED).update(lease_expires_at=None)


def _live_model(run: TrainingRun) -> Recommender:
    """A fold-in's model: the live version's, which ranks users from their whole history (new events folded in
    when ranking: ALS recomputes the user's factors, item-kNN and EASE score from the history itself)."""
    live = live_version(run.algorithm)
    if live is None or not live.run.artifact:
        raise Conflict(f"{run.algorithm} has no live version to fold new events into: train it first.")
    model = artifact_load(live.run)
    if not model.scores_from_history:
        raise Conflict(
            f"{run.algorithm} ranks only the users it was fitted on, so new events cannot be folded in without "
            "fitting it again: start a refit instead."
        )
    run.params = live.run.params
    run.metrics = {"model_of_run": live.run_id, "folded_into_version": live.pk}
    run.artifact.name = live.run.artifact.name
    return model


def _fit_and_evaluate(run: TrainingRun, frames: TrainingFrames, on_stage: Stage | None, beat: Heartbeat) -> Recommender:
    """Split, fit (or tune) on the training part, and measure the model beside popularity on the held-out part."""
    with _stage(run, "split", on_stage, beat):
        split = last_interactions_split(frames.events).with_test_users_at_most(settings.TRAINING_EVALUATION_USERS)
    # Choices are made on a validation split carved from the training part by the same rule; the evaluation
    # split meets only the chosen model, so its figures (and the publish guard) are not flattered by the
    # choosing. Carved only when something is chosen: a run that reuses a choice needs none.
    validation = cache(
        lambda: last_interactions_split(split.train).with_test_users_at_most(settings.TRAINING_EVALUATION_USERS)
    )
    with _stage(run, "choose", on_stage, beat):
        matrix_input = run_matrix_input(run, validation, frames)
    with _stage(run, "tune" if run.tune else "fit", on_stage, beat):
        if run.tune:
            matrix_input = run_tuning(run, validation(), frames, matrix_input)
        evaluation = fit_and_evaluate(
            run.algorithm, run.params, split, users=frames.users, items=frames.items, **matrix_input.options()
        )
        run.params = evaluation.model.params  # every parameter used, defaults included
        if evaluation.model.fit_report:
            run.metrics["fit"] = evaluation.model.fit_report
    with _stage(run, "evaluate", on_stage, beat):
        popularity = GlobalPopularity()
        popularity.fit(evaluation.train)
        run.metrics.update(
            model=evaluation.metrics,
            **comparisons(
                evaluation,
                popularity,
                split,
                bare=bare_fit(run.algorithm, evaluation.train) if settings.TRAINING_COMPARE_BARE else None,
            ),
            split=f"each user's last {HOLDOUT_FRACTION:.0%} of events held out",
        )
        run.metrics["model"]["fit_seconds"] = round(evaluation.fit_seconds, 3)
    return evaluation.model


def training_runs_reap() -> tuple[list[int], int]:
    """Runs whose worker died: queue them again, or fail them after the last attempt; finish publishing a
    run whose worker died while writing its version; send again a queued run whose task never started.

    Returns the ids sent to the workers again and how many runs were failed.
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
    forgotten = TrainingRun.objects.filter(
        status=TrainingRun.Status.QUEUED,
        dispatched_at__lt=now - dt.timedelta(seconds=settings.TRAINING_REDISPATCH_SECONDS),
    ).exclude(pk__in=requeued)
    resent = list(forgotten.values_list("pk", flat=True))
    for run_id in requeued + resent:
        _dispatch(run_id, EXECUTE_TASK)
    interrupted = TrainingRun.objects.filter(status=TrainingRun.Status.SUCCEEDED, lease_expires_at__lt=now)
    for run_id in interrupted.values_list("pk", flat=True):
        TrainingRun.objects.filter(pk=run_id).update(
            lease_expires_at=None, publish_note="publishing was interrupted (worker lost); publishing again"
        )
        _dispatch(run_id, PUBLISH_TASK)
    return requeued + resent, failed


def training_run_publish(run_id: int) -> ModelVersion | None:
    """Publish a stored run whose publishing was interrupted (its version is written from its artifact)."""
    run = TrainingRun.objects.get(pk=run_id)
    existing = ModelVersion.objects.filter(run=run).first()
    if existing is not None and existing.is_live:
        return existing
    return model_version_publish(run)
