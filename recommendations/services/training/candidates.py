"""Write a model version's candidate lists: per known user and slot, and per user segment.

Users are ranked from their whole history (models that score from a user's history also rank
users who arrived after the training cut). "Recommended shops" ranks the shops of a user's item
candidates by their best item. Rows are written in bulk for a version that is not live yet, so
the serving side never sees a half-written set.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recommendations.engine.algorithms import Recommender, SegmentPopularity
from recommendations.engine.interactions import TrainingData, training_data
from recommendations.models import Item, ModelVersion, SegmentCandidates, Slot, UserCandidates
from recommendations.models.training import PackedList
from recommendations.services.bulk_copy import copy_available, copy_rows
from recommendations.services.training.data_load import TrainingFrames

WRITE_BATCH = 2000
RankedList = tuple[int, str, np.ndarray, np.ndarray]  # user, slot, keys, scores


def matrix_options() -> dict:
    return {
        "weights": settings.TRAINING_EVENT_WEIGHTS,
        "half_life_days": settings.TRAINING_HALF_LIFE_DAYS,
        "recency_half_life_events": settings.TRAINING_RECENCY_HALF_LIFE_EVENTS,
    }


def _shops_from_items(
    item_columns: np.ndarray, scores: np.ndarray, column_shop: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Shops in order of their best item among the candidates (given best first)."""
    shops = column_shop[item_columns]
    known = shops >= 0
    shops, scores = shops[known], scores[known]
    _unique, first = np.unique(shops, return_index=True)
    order = np.sort(first)[:n]
    return shops[order], scores[order]


def _column_shops(item_keys: np.ndarray, shop_of: dict[int, int]) -> np.ndarray:
    return np.array([shop_of.get(int(k), -1) for k in item_keys], dtype=np.int64)


def _user_lists_insert(version: ModelVersion, lists: list[RankedList]) -> None:
    packed = [(user, slot, *PackedList.pack(keys, scores)) for user, slot, keys, scores in lists]
    if copy_available():  # several times faster than bulk_create at hundreds of thousands of rows
        copy_rows(
            UserCandidates,
            ("version_id", "slot", "user_id", "ids", "scores"),
            # bytea in COPY's text format: \x then hex, with the backslash itself escaped
            [
                f"{version.pk}\t{slot}\t{user}\t\\\\x{ids.hex()}\t\\\\x{scores.hex()}"
                for user, slot, ids, scores in packed
            ],
        )
        return
    UserCandidates.objects.bulk_create(
        [
            UserCandidates(version=version, slot=slot, user_id=user, ids=ids, scores=scores)
            for user, slot, ids, scores in packed
        ],
        batch_size=WRITE_BATCH,
    )


def candidates_write(
    version: ModelVersion, model: Recommender, frames: TrainingFrames, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Write the version's user and segment lists; returns how many of each were written."""
    n_items, n_shops = settings.CANDIDATES_PER_USER, settings.SHOP_CANDIDATES_PER_USER
    shop_of = dict(Item.objects.values_list("id", "shop_id"))
    # one matrix of all the data serves both the users' lists and the segment lists
    full = training_data(frames.events, users=frames.users, items=frames.items, now=frames.now, **matrix_options())
    item_keys = np.asarray(model.item_ids)
    column_shop = _column_shops(item_keys, shop_of)
    columns = pd.Index(full.item_ids).get_indexer(item_keys)
    if model.scores_from_history:
        user_keys, matrix = np.asarray(full.user_ids), full.matrix
    else:
        user_keys = np.asarray(model.user_ids)
        matrix = full.matrix[pd.Index(full.user_ids).get_indexer(user_keys)]
    # the model's columns, in its order (every item it knows has events in the full data)
    matrix = matrix[:, columns].tocsr()
    rows = np.flatnonzero(matrix.getnnz(axis=1) > 0)
    written = 0
    for start in range(0, len(rows), WRITE_BATCH):
        block = rows[start : start + WRITE_BATCH]
        ids, scores = model.recommend(block, matrix[block], n_items)
        lists: list[RankedList] = []
        for row, user_ids, user_scores in zip(block, ids, scores, strict=True):
            valid = user_ids >= 0
            columns, values = user_ids[valid], user_scores[valid]
            shops, shop_values = _shops_from_items(columns, values, column_shop, n_shops)
            user = int(user_keys[row])
            lists += [(user, Slot.ITEMS, item_keys[columns], values), (user, Slot.SHOPS, shops, shop_values)]
        with transaction.atomic():
            _user_lists_insert(version, lists)
        written += len(block)
        if progress:
            progress(len(block))
    segments = _segment_lists(version, full, shop_of, n_items, n_shops)
    version.candidates_written_at = timezone.now()
    version.save(update_fields=["candidates_written_at"])
    return {"users": written, "segments": segments}


def _segment_lists(
    version: ModelVersion, data: TrainingData, shop_of: dict[int, int], n_items: int, n_shops: int
) -> int:
    """Segment popularity over all the data, for users the version does not know."""
    popularity = SegmentPopularity(shrinkage=settings.SEGMENT_SHRINKAGE)
    popularity.fit(data)
    item_keys = np.asarray(data.item_ids)
    column_shop = _column_shops(item_keys, shop_of)
    objs = []
    for segment, (ids, scores) in popularity.segment_lists(n_items).items():
        valid = ids >= 0
        columns, values = ids[valid], scores[valid]
        shops, shop_values = _shops_from_items(columns, values, column_shop, n_shops)
        for slot, keys, key_scores in ((Slot.ITEMS, item_keys[columns], values), (Slot.SHOPS, shops, shop_values)):
            packed_ids, packed_scores = PackedList.pack(keys, key_scores)
            objs.append(
                SegmentCandidates(version=version, slot=slot, segment=segment, ids=packed_ids, scores=packed_scores)
            )
    SegmentCandidates.objects.bulk_create(objs, batch_size=WRITE_BATCH)
    return len(objs) // 2
