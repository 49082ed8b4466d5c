"""Fitted models as files in Django's default storage (a folder, or S3 through django-storages)."""

from __future__ import annotations

import io
import pickle

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from recommendations.engine.algorithms import Recommender
from recommendations.models import TrainingRun


def artifact_save(run: TrainingRun, model: Recommender) -> str:
    """Store the fitted model under a name unique to the run and attempt (storage adds a suffix rather than
    overwrite); returns the storage name."""
    name = f"models/{run.algorithm}-run{run.pk}-attempt{run.attempt}.pickle"
    name = default_storage.save(name, ContentFile(pickle.dumps(model)))
    return name


def artifact_load(run: TrainingRun) -> Recommender:
    """Load a run's fitted model (only files recsite itself wrote are ever unpickled)."""
    with default_storage.open(run.artifact.name, "rb") as f:
        return pickle.load(io.BytesIO(f.read()))
