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
from recommendations.engine.covisitation import covisitation_neighbours
from recommendations.engine.interactions import TrainingData, training_data
from recommendations.models import Item, ItemNeighbours, ModelVersion, SegmentCandidates, Slot, UserCandidates
from recommendations.services.bulk_copy import copy_available, copy_bytea, copy_rows
from recommendations.services.training.data_load import TrainingFrames

WRITE_BATCH = 2000
PackedRow = tuple[int, str, bytes, bytes]  # user, slot, packed keys, packed scores


def matrix_options() -> dict:
    return {
        "weights": settings.TRAINING_EVENT_WEIGHTS,
        "half_life_days": settings.TRAINING_HALF_LIFE_DAYS,
        "recency_half_life_events": settings.TRAINING_RECENCY_HALF_LIFE_EVENTS,
    }


def _shops_from_items(
    item_columns: np.ndarray, scores: np.ndarray, column_shop: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Shops of each row's candidates in order of their best item; -1 / -inf pad, like the item lists.

    Vectorised over a block of users: numpy finds each (user, shop)'s first position in one sort,
    where a loop per user cost 1.5 s at 22,000 users.
    """
    n_rows, width = item_columns.shape
    shops = np.where(item_columns >= 0, column_shop[np.maximum(item_columns, 0)], -1)
    row, position = np.divmod(np.arange(n_rows * width), width)
    shop = shops.ravel()
    known = shop >= 0
    row, position, shop = row[known], position[known], shop[known]
    order = np.lexsort((position, shop, row))
    row, position, shop = row[order], position[order], shop[order]
    first = np.ones(len(row), dtype=bool)
    first[1:] = (row[1:] != row[:-1]) | (shop[1:] != shop[:-1])
    row, position, shop = row[first], position[first], shop[first]
    order = np.lexsort((position, row))
    row, position, shop = row[order], position[order], shop[order]
    counts = np.bincount(row, minlength=n_rows)
    rank = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)
    keep = rank < n
    out_shops = np.full((n_rows, n), -1, dtype=np.int64)
    out_scores = np.full((n_rows, n), -np.inf, dtype=np.float32)
    out_shops[row[keep], rank[keep]] = shop[keep]
    out_scores[row[keep], rank[keep]] = scores[row[keep], position[keep]]
    return out_shops, out_scores


def _packed_rows(keys: np.ndarray, scores: np.ndarray) -> list[tuple[bytes, bytes]]:
    """Each row's entries up to its first -1, packed like PackedList.pack, from one buffer per block."""
    lengths = (keys >= 0).sum(axis=1)
    key_bytes = np.ascontiguousarray(keys, dtype="<i8").tobytes()
    score_bytes = np.ascontiguousarray(scores, dtype="<f4").tobytes()
    width = keys.shape[1]
    return [
        (key_bytes[r * width * 8 : (r * width + n) * 8], score_bytes[r * width * 4 : (r * width + n) * 4])
        for r, n in enumerate(lengths.tolist())
    ]


def _column_shops(item_keys: np.ndarray, shop_of: dict[int, int]) -> np.ndarray:
    return np.array([shop_of.get(int(k), -1) for k in item_keys], dtype=np.int64)


def _user_lists_insert(version: ModelVersion, packed: list[PackedRow]) -> None:
    if copy_available():  # several times faster than bulk_create at hundreds of thousands of rows
        copy_rows(
            UserCandidates,
            ("version_id", "slot", "user_id", "ids", "scores"),
            [
                f"{version.pk}\t{slot}\t{user}\t{copy_bytea(ids)}\t{copy_bytea(scores)}"
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
        keys = np.where(ids >= 0, item_keys[np.maximum(ids, 0)], -1)
        shops, shop_scores = _shops_from_items(ids, scores, column_shop, n_shops)
        users = user_keys[block].tolist()
        packed: list[PackedRow] = []
        for user, item_list, shop_list in zip(
            users, _packed_rows(keys, scores), _packed_rows(shops, shop_scores), strict=True
        ):
            packed += [(user, Slot.ITEMS, *item_list), (user, Slot.SHOPS, *shop_list)]
        with transaction.atomic():
            _user_lists_insert(version, packed)
        written += len(block)
        if progress:
            progress(len(block))
    segments = _segment_lists(version, full, shop_of, n_items, n_shops)
    neighbours = _neighbour_lists(version, full)
    version.candidates_written_at = timezone.now()
    version.save(update_fields=["candidates_written_at"])
    return {"users": written, "segments": segments, "items_with_neighbours": neighbours}


def _segment_lists(
    version: ModelVersion, data: TrainingData, shop_of: dict[int, int], n_items: int, n_shops: int
) -> int:
    """Segment popularity over all the data, for users the version does not know."""
    popularity = SegmentPopularity(shrinkage=settings.SEGMENT_SHRINKAGE)
    popularity.fit(data)
    item_keys = np.asarray(data.item_ids)
    column_shop = _column_shops(item_keys, shop_of)
    objs = []
    lists = popularity.segment_lists(n_items)
    segments = list(lists)
    ids = np.vstack([lists[s][0] for s in segments])
    scores = np.vstack([lists[s][1] for s in segments])
    keys = np.where(ids >= 0, item_keys[np.maximum(ids, 0)], -1)
    shops, shop_scores = _shops_from_items(ids, scores, column_shop, n_shops)
    for segment, item_list, shop_list in zip(
        segments, _packed_rows(keys, scores), _packed_rows(shops, shop_scores), strict=True
    ):
        for slot, (packed_ids, packed_scores) in ((Slot.ITEMS, item_list), (Slot.SHOPS, shop_list)):
            objs.append(
                SegmentCandidates(version=version, slot=slot, segment=segment, ids=packed_ids, scores=packed_scores)
            )
    SegmentCandidates.objects.bulk_create(objs, batch_size=WRITE_BATCH)
    return len(objs) // 2


def _neighbour_lists(version: ModelVersion, data: TrainingData) -> int:
    """Co-visitation neighbours of every item with sessions, for the session re-rank and similar items."""
    item_keys = np.asarray(data.item_ids)
    columns, scores = covisitation_neighbours(
        data.events, item_keys, n=settings.NEIGHBOURS_PER_ITEM, gap_minutes=settings.SESSION_GAP_MINUTES
    )
    has = np.flatnonzero(columns[:, 0] >= 0)
    keys = np.where(columns >= 0, item_keys[np.maximum(columns, 0)], -1)
    packed = _packed_rows(keys[has], scores[has])
    items = item_keys[has].tolist()
    with transaction.atomic():
        if copy_available():
            copy_rows(
                ItemNeighbours,
                ("version_id", "item_id", "ids", "scores"),
                [
                    f"{version.pk}\t{item}\t{copy_bytea(ids)}\t{copy_bytea(s)}"
                    for item, (ids, s) in zip(items, packed, strict=True)
                ],
            )
        else:
            ItemNeighbours.objects.bulk_create(
                [
                    ItemNeighbours(version=version, item_id=item, ids=ids, scores=s)
                    for item, (ids, s) in zip(items, packed, strict=True)
                ],
                batch_size=WRITE_BATCH,
            )
    return len(items)
