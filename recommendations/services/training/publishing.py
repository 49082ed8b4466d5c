"""Publish a training run as its algorithm's live version, behind a metric guard; roll back."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from recommendations.engine.algorithms import Recommender
from recommendations.errors import Conflict
from recommendations.generation import generation_changed
from recommendations.models import (
    ItemNeighbours,
    ModelVersion,
    RankedInputs,
    SegmentCandidates,
    TrainingRun,
    UserCandidates,
    lineages,
)
from recommendations.services.training.artifacts import artifact_load
from recommendations.services.training.candidates import DataLists, candidates_write
from recommendations.services.training.carry import FULL_RUN, REBUILT, carry_base
from recommendations.services.training.data_load import TrainingFrames, training_frames


def live_versions_published() -> list[tuple[str, dt.datetime]]:
    """Each algorithm with a live version, and when that version was published."""
    return list(ModelVersion.objects.filter(is_live=True).values_list("algorithm", "published_at"))


def live_version(algorithm: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(algorithm=algorithm, is_live=True).select_related("run").first()


def publish_guard(run: TrainingRun) -> tuple[bool, str]:
    """May this run replace the live version without a person deciding? Returns (allowed, why)."""
    live = live_version(run.algorithm)
    new = run.ndcg()
    if run.kind == TrainingRun.Kind.FOLD_IN:
        return True, f"fold-in: the model of run {run.metrics.get('model_of_run')}, ranking new events"
    if live is None:
        return True, "first version of this algorithm"
    old = live.run.ndcg()
    if new is None or old is None:
        return True, "no NDCG@10 to compare"
    margin = settings.PUBLISH_GUARD_MARGIN
    if new < old * (1 - margin):
        return False, (
            f"not published: NDCG@10 {new:.4f} is more than {margin:.0%} below live version {live.pk}'s {old:.4f}; "
            "staff may publish it anyway"
        )
    return True, f"NDCG@10 {new:.4f} against live version {live.pk}'s {old:.4f}"


def model_version_make_live(version: ModelVersion) -> None:
    """Switch the algorithm's live version in one transaction; the previous one stays for rollback."""
    with transaction.atomic():
        list(ModelVersion.objects.select_for_update().filter(algorithm=version.algorithm, is_live=True))
        ModelVersion.objects.filter(algorithm=version.algorithm, is_live=True).update(is_live=False)
        ModelVersion.objects.filter(pk=version.pk).update(is_live=True)
        generation_changed()
    version.is_live = True


def _prune_old_candidates(algorithm: str) -> None:
    """Keep candidate rows for the live version and the newest others, and for every version they carry lists
    from; older ones are rebuilt from artifacts on rollback."""
    written = ModelVersion.objects.filter(algorithm=algorithm, candidates_written_at__isnull=False)
    newest = list(written.filter(is_live=False).order_by("-published_at").values_list("pk", flat=True))
    live = list(written.filter(is_live=True).values_list("pk", flat=True))
    kept_ids = live + newest[: settings.CANDIDATE_VERSIONS_KEPT]
    chains = lineages(dict(written.values_list("pk", "carried_from_id")), kept_ids)
    kept = {pk for chain in chains.values() for pk in chain}
    for pk in newest:
        if pk in kept:
            continue
        UserCandidates.objects.filter(version_id=pk).delete()
        SegmentCandidates.objects.filter(version_id=pk).delete()
        ItemNeighbours.objects.filter(version_id=pk).delete()
        RankedInputs.objects.filter(version_id=pk).delete()
        ModelVersion.objects.filter(pk=pk).update(candidates_written_at=None)


def model_version_publish(
    run: TrainingRun,
    *,
    model: Recommender | None = None,
    frames: TrainingFrames | None = None,
    data: DataLists | None = None,
    forced: bool = False,
    published_by: AbstractBaseUser | None = None,
) -> ModelVersion:
    """Write the run's candidates under a new version, then make it live."""
    if run.status != TrainingRun.Status.SUCCEEDED or not run.artifact:
        raise Conflict(f"Run {run.pk} has no trained model to publish (status {run.status}).")
    version = ModelVersion.objects.filter(run=run).first()
    if version is not None and (version.is_live or version.candidates_written_at is not None):
        raise Conflict(f"Run {run.pk} is already published as version {version.pk}.")
    if version is None:
        version = ModelVersion.objects.create(
            run=run, algorithm=run.algorithm, forced=forced, published_by=published_by, published_at=timezone.now()
        )
    else:  # its publishing was interrupted (the worker died while writing the lists): write them now
        ModelVersion.objects.filter(pk=version.pk).update(
            forced=forced, published_by=published_by, published_at=timezone.now()
        )
    base, full_reason = (None, FULL_RUN) if run.kind == TrainingRun.Kind.FULL else carry_base(run.algorithm)
    try:
        candidates_write(
            version,
            model or artifact_load(run),
            frames or training_frames(),
            data=data,
            base=base,
            full_reason=full_reason,
        )
    except Exception:
        version.delete()  # with its partial lists; the run can be published again once the cause is fixed
        raise
    model_version_make_live(version)
    note = "published by staff past the guard" if forced else run.publish_note
    TrainingRun.objects.filter(pk=run.pk).update(publish_note=f"published as version {version.pk}; {note}"[:300])
    _prune_old_candidates(run.algorithm)
    return version


def model_version_rollback(version: ModelVersion) -> ModelVersion:
    """Serve an earlier version again, rebuilding its candidate lists from its artifact if they were pruned."""
    if version.is_live:
        raise Conflict(f"Version {version.pk} is already live.")
    if version.candidates_written_at is None:  # its lists, and those of the versions it carried from, were pruned
        candidates_write(version, artifact_load(version.run), training_frames(), full_reason=REBUILT)
    model_version_make_live(version)
    _prune_old_candidates(version.algorithm)
    return version
