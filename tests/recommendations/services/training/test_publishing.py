"""Publishing and rolling back versions."""

import pytest

from recommendations.models import (
    ModelVersion,
    UserCandidates,
)
from recommendations.services.training.publishing import model_version_rollback
from tests.recommendations.training_runs import train

pytestmark = pytest.mark.django_db


def test_rollback_serves_an_earlier_version_rebuilding_pruned_lists(demo, settings):
    settings.CANDIDATE_VERSIONS_KEPT = 0
    first = ModelVersion.objects.get(run=train("segment_popularity"))
    train("segment_popularity")
    first.refresh_from_db()
    assert first.candidates_written_at is None  # pruned

    model_version_rollback(first)

    first.refresh_from_db()
    assert first.is_live and UserCandidates.objects.filter(version=first).exists()
    assert ModelVersion.objects.filter(algorithm="segment_popularity", is_live=True).count() == 1
