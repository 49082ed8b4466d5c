"""What a version publishes that depends on the data alone, not on the model.

The matrix of all the events, the segment popularity lists and each item's co-visited neighbours
are the same whichever model is published, so the pipeline computes them in a background thread
while the model fits (the fit leaves most of a second core idle; BENCHMARKS.md). Nothing here
touches the database: the lists are written once the version exists (candidates.writing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.conf import settings

from recommendations.engine.algorithms import SegmentPopularity
from recommendations.engine.algorithms.popularity import GLOBAL, category_segment, category_top
from recommendations.engine.covisitation import covisitation_neighbours
from recommendations.engine.interactions import MatrixInput, TrainingData, training_data
from recommendations.models import PackedList, Slot
from recommendations.models.catalog import CATEGORY_SEPARATOR
from recommendations.services.training.candidates.shop_lists import shops_from_items
from recommendations.services.training.data_load import TrainingFrames

PackedPair = tuple[bytes, bytes]  # packed keys, packed scores


def configured_input() -> MatrixInput:
    """The interaction matrix as the settings weigh it: the data lists' input, and the first every run tries."""
    return MatrixInput(
        weights=settings.TRAINING_EVENT_WEIGHTS,
        half_life_days=settings.TRAINING_HALF_LIFE_DAYS,
        recency_half_life_events=settings.TRAINING_RECENCY_HALF_LIFE_EVENTS,
    )


def packed_rows(keys: np.ndarray, scores: np.ndarray) -> list[PackedPair]:
    """Each row's entries up to its first -1, packed like PackedList.pack, from one buffer per block."""
    lengths = (keys >= 0).sum(axis=1)
    key_bytes = np.ascontiguousarray(keys, dtype="<i8").tobytes()
    score_bytes = np.ascontiguousarray(scores, dtype="<f4").tobytes()
    width = keys.shape[1]
    return [
        (key_bytes[r * width * 8 : (r * width + n) * 8], score_bytes[r * width * 4 : (r * width + n) * 4])
        for r, n in enumerate(lengths.tolist())
    ]


def column_shops(item_keys: np.ndarray, items: pd.DataFrame) -> np.ndarray:
    """The shop key of each item key (-1 where the catalog has none)."""
    if "shop_id" not in items or not len(items):
        return np.full(len(item_keys), -1, dtype=np.int64)
    shops = items["shop_id"].reindex(item_keys)
    return shops.fillna(-1).to_numpy(dtype=np.int64)


@dataclass
class DataLists:
    full: TrainingData  # every event of the window, for ranking users from their whole history
    segments: list[tuple[str, str, PackedPair]]  # slot, segment, list
    neighbours: list[tuple[int, PackedPair]]  # item key, its co-visited items


def data_lists(frames: TrainingFrames) -> DataLists:
    """Compute the model-independent part of a publication from the loaded frames."""
    full = training_data(
        frames.events, users=frames.users, items=frames.items, now=frames.now, **configured_input().options()
    )
    return DataLists(full=full, segments=_segment_lists(full, frames.items), neighbours=_neighbour_lists(full))


def _segment_lists(data: TrainingData, items: pd.DataFrame) -> list[tuple[str, str, PackedPair]]:
    """Segment popularity over all the data, for users the version does not know."""
    popularity = SegmentPopularity(shrinkage=settings.SEGMENT_SHRINKAGE)
    popularity.fit(data)
    lists = popularity.segment_lists(settings.CANDIDATES_PER_USER)
    if not lists:
        return []
    item_keys = np.asarray(data.item_ids)
    segments = list(lists)
    ids = np.vstack([lists[s][0] for s in segments])
    scores = np.vstack([lists[s][1] for s in segments])
    keys = np.where(ids >= 0, item_keys[np.maximum(ids, 0)], -1)
    shops, shop_scores = shops_from_items(
        ids, scores, column_shops(item_keys, items), settings.SHOP_CANDIDATES_PER_USER
    )
    out = []
    for segment, item_list, shop_list in zip(
        segments, packed_rows(keys, scores), packed_rows(shops, shop_scores), strict=True
    ):
        out += [(Slot.ITEMS.value, segment, item_list), (Slot.SHOPS.value, segment, shop_list)]
    return out + _category_lists(popularity.segment_scores.get(GLOBAL), item_keys, items)


def _category_lists(
    scores: np.ndarray | None, item_keys: np.ndarray, items: pd.DataFrame
) -> list[tuple[str, str, PackedPair]]:
    """The most popular items of every category at every level, for similar items and features to fill from."""
    if scores is None or "category_path" not in items:
        return []
    paths = items["category_path"].reindex(item_keys).fillna("").astype(str).tolist()
    lists = category_top(scores, paths, CATEGORY_SEPARATOR, settings.CANDIDATES_PER_USER)
    return [
        (Slot.ITEMS.value, category_segment(level), PackedList.pack(item_keys[columns], values))
        for level, (columns, values) in lists.items()
    ]


def _neighbour_lists(data: TrainingData) -> list[tuple[int, PackedPair]]:
    """Co-visitation neighbours of every item with sessions, for the session re-rank and similar items."""
    item_keys = np.asarray(data.item_ids)
    columns, scores = covisitation_neighbours(
        data.events, item_keys, n=settings.NEIGHBOURS_PER_ITEM, gap_minutes=settings.SESSION_GAP_MINUTES
    )
    has = np.flatnonzero(columns[:, 0] >= 0)
    keys = np.where(columns >= 0, item_keys[np.maximum(columns, 0)], -1)
    return list(zip(item_keys[has].tolist(), packed_rows(keys[has], scores[has]), strict=True))
