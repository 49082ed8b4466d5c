"""Hand-made serving data: live versions with known lists, so each test knows the right answer."""

from __future__ import annotations

from django.utils import timezone

from recommendations.models import (
    ItemNeighbours,
    ModelVersion,
    PackedList,
    SegmentCandidates,
    TrainingRun,
    UserCandidates,
)


def live_version(algorithm: str) -> ModelVersion:
    run = TrainingRun.objects.create(algorithm=algorithm, status=TrainingRun.Status.SUCCEEDED)
    return ModelVersion.objects.create(run=run, algorithm=algorithm, is_live=True, candidates_written_at=timezone.now())


def _scores(n: int) -> list[float]:
    return [float(n - i) for i in range(n)]


def user_list(version: ModelVersion, user, keys: list[int], slot: str = "items") -> None:
    ids, scores = PackedList.pack(keys, _scores(len(keys)))
    UserCandidates.objects.create(version=version, user=user, slot=slot, ids=ids, scores=scores)


def segment_list(version: ModelVersion, segment: str, keys: list[int], slot: str = "items") -> None:
    ids, scores = PackedList.pack(keys, _scores(len(keys)))
    SegmentCandidates.objects.create(version=version, segment=segment, slot=slot, ids=ids, scores=scores)


def neighbours(version: ModelVersion, item, keys: list[int]) -> None:
    ids, scores = PackedList.pack(keys, [1.0 - 0.1 * i for i in range(len(keys))])
    ItemNeighbours.objects.create(version=version, item=item, ids=ids, scores=scores)
