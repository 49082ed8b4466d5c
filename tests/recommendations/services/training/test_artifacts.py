"""Model files are signed: one changed, replaced or written before signing is refused before it is unpickled."""

from __future__ import annotations

import pickle

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from recommendations.errors import Conflict
from recommendations.models import ModelVersion, TrainingRun
from recommendations.services.training.artifacts import artifact_load
from recommendations.services.training.publishing import model_version_rollback
from tests.planted_pickle import RAN, Planted
from tests.recommendations.training_runs import train

pytestmark = pytest.mark.django_db


def _overwrite(run: TrainingRun, content: bytes) -> None:
    name = run.artifact.name
    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(content)) == name


def test_a_trained_model_loads_back(demo):
    run = train("segment_popularity")
    assert artifact_load(run).__class__.__name__ == "SegmentPopularity"


@pytest.mark.parametrize("how", ["replaced by a bare pickle", "payload changed", "signed with another key"])
def test_a_model_file_not_signed_by_this_site_is_refused_and_never_run(demo, settings, how):
    run = train("segment_popularity")
    with default_storage.open(run.artifact.name, "rb") as f:
        magic, signature, _payload = f.read().split(b"\n", 2)
    if how == "replaced by a bare pickle":
        content = pickle.dumps(Planted())
    elif how == "payload changed":
        content = b"\n".join([magic, signature, pickle.dumps(Planted())])
    else:
        settings.SECRET_KEY = "another-site-" + "k" * 50
        from recommendations.services.training.artifacts import MAGIC, _signature

        content = MAGIC + _signature(pickle.dumps(Planted()), settings.SECRET_KEY) + b"\n" + pickle.dumps(Planted())
        settings.SECRET_KEY = "the-real-one-" + "r" * 50
    _overwrite(run, content)
    with pytest.raises(Conflict, match="not signed by this site"):
        artifact_load(run)
    assert RAN == []


def test_rolling_back_to_a_tampered_version_says_why_and_keeps_the_live_one(demo, settings):
    settings.CANDIDATE_VERSIONS_KEPT = 0
    first_run = train("segment_popularity")
    train("segment_popularity")
    first = ModelVersion.objects.get(run=first_run)
    _overwrite(first_run, pickle.dumps(Planted()))
    with pytest.raises(Conflict, match="train the algorithm again"):
        model_version_rollback(first)
    first.refresh_from_db()
    assert not first.is_live and RAN == []
