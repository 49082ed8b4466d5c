"""Hand-made serving data: live versions with known lists, so each test knows the right answer."""

from __future__ import annotations

from recommendations.models import ModelVersion
from tests.factories import ItemNeighboursFactory, ModelVersionFactory, SegmentCandidatesFactory, UserCandidatesFactory


def live_version(algorithm: str) -> ModelVersion:
    return ModelVersionFactory(algorithm=algorithm)


def user_list(version: ModelVersion, user, keys: list[int], slot: str = "items") -> None:
    UserCandidatesFactory(version=version, user=user, slot=slot, keys=keys)


def segment_list(version: ModelVersion, segment: str, keys: list[int], slot: str = "items") -> None:
    SegmentCandidatesFactory(version=version, segment=segment, slot=slot, keys=keys)


def neighbours(version: ModelVersion, item, keys: list[int]) -> None:
    # neighbour scores fall by a tenth a place, from 1
    ItemNeighboursFactory(version=version, item=item, keys=keys, packed=_neighbour_scores(keys))


def _neighbour_scores(keys: list[int]) -> tuple[bytes, bytes]:
    from recommendations.models import PackedList

    return PackedList.pack(keys, [1.0 - 0.1 * i for i in range(len(keys))])
