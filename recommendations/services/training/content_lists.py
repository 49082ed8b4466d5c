"""Each item's most alike items by what it is (title, category, shop, price): stored for serving.

Unlike a model version's lists these need no events, so an item listed this morning has neighbours
at the next refresh (hourly, CONTENT_REFRESH_MINUTES) instead of after the nightly training and its
first views. The whole table is replaced in one transaction: serving reads either the old lists or
the new ones.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction

from recommendations.engine.content_similarity import content_neighbours, item_descriptions, top_level_groups
from recommendations.models import ContentNeighbours, Item
from recommendations.models.catalog import CATEGORY_SEPARATOR
from recommendations.services.training.candidates.data_lists import packed_rows
from recommendations.services.training.candidates.writing import packed_lists_insert

logger = logging.getLogger(__name__)
_COLUMNS = ["pk", "title", "category_path", "shop_id", "price"]


def content_neighbours_refresh() -> dict[str, float]:
    """Recompute the content neighbours of every servable item and replace the stored ones; returns counts
    and seconds."""
    started = time.perf_counter()
    rows = Item.objects.filter(published=True, in_stock=True).order_by("pk").values_list(*_COLUMNS)
    items = pd.DataFrame.from_records(list(rows), columns=_COLUMNS)
    loaded = time.perf_counter()
    keys = items["pk"].to_numpy(dtype=np.int64)
    descriptions = item_descriptions(items, CATEGORY_SEPARATOR)
    groups = top_level_groups(items["category_path"], CATEGORY_SEPARATOR)
    columns, scores = content_neighbours(descriptions, groups, n=settings.CONTENT_NEIGHBOURS_PER_ITEM)
    computed = time.perf_counter()
    has = np.flatnonzero(columns[:, 0] >= 0) if len(columns) else np.zeros(0, dtype=np.int64)
    neighbour_keys = np.where(columns >= 0, keys[np.maximum(columns, 0)], -1) if len(keys) else columns
    lists = packed_rows(neighbour_keys[has], scores[has])
    with transaction.atomic():
        ContentNeighbours.objects.all().delete()
        packed_lists_insert(
            ContentNeighbours,
            ("item_id", "ids", "scores"),
            [[(key, ids, values) for key, (ids, values) in zip(keys[has].tolist(), lists, strict=True)]],
        )
    done = time.perf_counter()
    outcome = {
        "items": float(len(keys)),
        "with_neighbours": float(len(has)),
        "load_seconds": round(loaded - started, 3),
        "compute_seconds": round(computed - loaded, 3),
        "write_seconds": round(done - computed, 3),
    }
    logger.info("content neighbours refreshed: %s", outcome)
    return outcome
