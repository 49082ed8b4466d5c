"""Write a model version's candidate lists: per known user and slot, and per user segment.

Users are ranked from their whole history (models that score from a user's history also rank
users who arrived after the training cut). "Recommended shops" ranks the shops of a user's item
candidates by their best item. Rows are written in bulk for a version that is not live yet, so
the serving side never sees a half-written set.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recommendations.engine.algorithms import Recommender, SegmentPopularity
from recommendations.engine.interactions import interaction_matrix, training_data
from recommendations.models import Item, ModelVersion, SegmentCandidates, Slot, UserCandidates
from recommendations.services.training.data_load import TrainingFrames

WRITE_BATCH = 2000


def matrix_options() -> dict:
    return {
        "weights": settings.TRAINING_EVENT_WEIGHTS,
        "half_life_days": settings.TRAINING_HALF_LIFE_DAYS,
        "recency_half_life_events": settings.TRAINING_RECENCY_HALF_LIFE_EVENTS,
    }


def _shops_from_items(
    item_keys: list[int], scores: list[float], shop_of: dict[int, int], n: int
) -> tuple[list[int], list[float]]:
    """Shops in order of their best item among the candidates."""
    best: dict[int, float] = {}
    for item, score in zip(item_keys, scores, strict=True):
        shop = shop_of.get(item)
        if shop is not None and shop not in best:
            best[shop] = score  # candidates come best first, so the first item of a shop is its best
    ranked = list(best.items())[:n]
    return [s for s, _ in ranked], [v for _, v in ranked]


def _lists(ids: np.ndarray, scores: np.ndarray, item_keys: np.ndarray) -> tuple[list[int], list[float]]:
    keep = ids >= 0
    return [int(k) for k in item_keys[ids[keep]]], [round(float(v), 6) for v in scores[keep]]


def candidates_write(
    version: ModelVersion, model: Recommender, frames: TrainingFrames, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Write the version's user and segment lists; returns how many of each were written."""
    n_items, n_shops = settings.CANDIDATES_PER_USER, settings.SHOP_CANDIDATES_PER_USER
    shop_of = dict(Item.objects.values_list("id", "shop_id"))
    item_keys = np.asarray(model.item_ids)
    options = matrix_options()
    if model.scores_from_history:
        matrix, user_keys, _ = interaction_matrix(frames.events, now=frames.now, item_ids=item_keys, **options)
    else:
        matrix, user_keys, _ = interaction_matrix(
            frames.events, now=frames.now, item_ids=item_keys, user_ids=model.user_ids, **options
        )
    rows = np.flatnonzero(matrix.getnnz(axis=1) > 0)
    written = 0
    for start in range(0, len(rows), WRITE_BATCH):
        block = rows[start : start + WRITE_BATCH]
        ids, scores = model.recommend(block, matrix[block], n_items)
        objs = []
        for row, (user_ids, user_scores) in zip(block, zip(ids, scores, strict=True), strict=True):
            items, values = _lists(user_ids, user_scores, item_keys)
            shops, shop_values = _shops_from_items(items, values, shop_of, n_shops)
            user = int(user_keys[row])
            objs.append(UserCandidates(version=version, slot=Slot.ITEMS, user_id=user, ids=items, scores=values))
            objs.append(UserCandidates(version=version, slot=Slot.SHOPS, user_id=user, ids=shops, scores=shop_values))
        with transaction.atomic():
            UserCandidates.objects.bulk_create(objs, batch_size=WRITE_BATCH)
        written += len(block)
        if progress:
            progress(len(block))
    segments = _segment_lists(version, frames, shop_of, n_items, n_shops)
    version.candidates_written_at = timezone.now()
    version.save(update_fields=["candidates_written_at"])
    return {"users": written, "segments": segments}


def _segment_lists(
    version: ModelVersion, frames: TrainingFrames, shop_of: dict[int, int], n_items: int, n_shops: int
) -> int:
    """Segment popularity over all the data, for users the version does not know."""
    data = training_data(frames.events, users=frames.users, items=frames.items, now=frames.now, **matrix_options())
    popularity = SegmentPopularity(shrinkage=settings.SEGMENT_SHRINKAGE)
    popularity.fit(data)
    objs = []
    for segment, (ids, scores) in popularity.segment_lists(n_items).items():
        items, values = _lists(ids, scores, np.asarray(data.item_ids))
        shops, shop_values = _shops_from_items(items, values, shop_of, n_shops)
        objs.append(SegmentCandidates(version=version, slot=Slot.ITEMS, segment=segment, ids=items, scores=values))
        objs.append(SegmentCandidates(version=version, slot=Slot.SHOPS, segment=segment, ids=shops, scores=shop_values))
    SegmentCandidates.objects.bulk_create(objs, batch_size=WRITE_BATCH)
    return len(objs) // 2
