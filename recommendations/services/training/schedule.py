"""What the schedule queues: the nightly refit of every enabled algorithm and the hourly fold-in of the
latest events (docs/training.md, "Incremental training")."""

from __future__ import annotations

from django.conf import settings

from recommendations.models import AlgorithmSetting, ModelVersion, TrainingRun
from recommendations.services.training.pipeline import folds_in, training_run_queue


def training_runs_nightly() -> list[int]:
    """Queue a refit for every algorithm enabled in the admin (it ranks the users whose data changed, or
    everyone when the lineage is long: carry.py); returns their ids."""
    enabled = AlgorithmSetting.objects.filter(enabled=True).values_list("algorithm", flat=True)
    return [
        training_run_queue(algorithm=algorithm, trigger="schedule", kind=TrainingRun.Kind.REFIT).pk
        for algorithm in enabled
    ]


def training_runs_fold_in() -> list[int]:
    """Queue a fold-in for every enabled algorithm that has a live version and folds in, unless one of its
    runs is queued or running already; returns their ids (none while TRAINING_FOLD_IN is off)."""
    if not settings.TRAINING_FOLD_IN:
        return []
    live = ModelVersion.objects.filter(is_live=True).values_list("algorithm", flat=True)
    busy = TrainingRun.objects.filter(status__in=[TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING]).values_list(
        "algorithm", flat=True
    )
    chosen = AlgorithmSetting.objects.filter(enabled=True, algorithm__in=live).exclude(algorithm__in=busy)
    return [
        training_run_queue(algorithm=algorithm, trigger="schedule", kind=TrainingRun.Kind.FOLD_IN).pk
        for algorithm in chosen.values_list("algorithm", flat=True)
        if folds_in(algorithm)
    ]
