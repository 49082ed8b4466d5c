"""Write a model version's candidate lists: per known user and slot, per user segment, per item.

Users are ranked from their whole history (models that score from a user's history also rank users
who arrived after the training cut). Rows go to a version that is not live yet, so the serving side
never sees a half-written set. On PostgreSQL the users' lists stream through one binary COPY while a
background thread ranks the next block, so ranking and storing overlap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from recommendations.bulk_copy import binary_row, copy_available, copy_binary
from recommendations.engine.algorithms import Recommender
from recommendations.models import (
    ItemNeighbours,
    ModelVersion,
    PackedList,
    RankedInputs,
    SegmentCandidates,
    Slot,
    UserCandidates,
)
from recommendations.services.prefetch import prefetched
from recommendations.services.training.candidates.data_lists import (
    DataLists,
    column_shops,
    data_lists,
    packed_rows,
)
from recommendations.services.training.candidates.shop_lists import shops_from_items
from recommendations.services.training.carry import FULL_RUN, ranking_plan
from recommendations.services.training.data_load import TrainingFrames

USER_BATCH = 2000
PackedRow = tuple[int, str, bytes, bytes]  # user, slot, packed keys, packed scores


def candidates_write(
    version: ModelVersion,
    model: Recommender,
    frames: TrainingFrames,
    progress: Callable[[int], None] | None = None,
    data: DataLists | None = None,
    *,
    base: ModelVersion | None = None,
    full_reason: str = FULL_RUN,
) -> dict[str, int]:
    """Write the version's user, segment and neighbour lists; returns how many of each were written.

    With a `base` version, only users whose inputs changed since it are ranked; the rest are served the
    base's lists by reference (carry.py). `data` is the model-independent part when the caller computed it
    already (pipeline.py does, while the model fits).
    """
    data = data or data_lists(frames)
    written = 0

    def counted(rows: Iterator[tuple[list[PackedRow], int]]) -> Iterator[list[PackedRow]]:
        nonlocal written
        for packed, users in rows:
            yield packed
            written += users
            if progress:
                progress(users)

    ranking = UserRanking(model, data, frames.items)
    plan = ranking_plan(ranking.rankable(), frames, base, full_reason)
    ranking.only(plan.rank)
    outermost = not connection.in_atomic_block
    # the next block is ranked in a background thread while this one is packed and stored
    with prefetched(ranking.ranked()) as ranked, transaction.atomic():
        if copy_available() and outermost:
            # foreign keys checked row by row while the rows arrive (the database waits on the ranking
            # anyway) rather than all at once at commit, where nothing overlaps them; only in a
            # transaction of our own, since the setting lasts until the transaction ends
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _segment_lists_insert(version, data)  # while the first users are ranked
        _neighbours_insert(version, data)
        _user_lists_insert(version, counted(ranking.packed(ranked)))
        _user_lists_insert(version, iter([_retired_rows(plan.retire)]))
        RankedInputs.objects.create(version=version, records=plan.inputs.pack())
        version.candidates_written_at = timezone.now()
        version.carried_from = base if plan.summary.get("carried_from") else None
        # a model can know fewer items than a user should be offered (item-kNN with few neighbours, EASE's
        # item cap): serving fills such lists from the variant's fallback chain; the run says how many
        version.ranking = {**plan.summary, "short": ranking.short}
        version.save(update_fields=["candidates_written_at", "carried_from", "ranking"])
    return {"users": written, "segments": len(data.segments) // 2, "items_with_neighbours": len(data.neighbours)}


def _retired_rows(users: np.ndarray) -> list[PackedRow]:
    """Empty lists: the user's list from an earlier version of the lineage stops serving."""
    return [(user, slot.value, b"", b"") for user in users.tolist() for slot in (Slot.ITEMS, Slot.SHOPS)]


class UserRanking:
    """Every user with history, ranked a block at a time by the model, then packed as item and shop rows."""

    def __init__(self, model: Recommender, data: DataLists, items: pd.DataFrame) -> None:
        full = model.own_input(data.full)  # users' histories weighed as the model learnt them
        self.model = model
        self.item_keys = np.asarray(model.item_ids)
        self.column_shop = column_shops(self.item_keys, items)
        columns = pd.Index(full.item_ids).get_indexer(self.item_keys)
        if model.scores_from_history:
            self.user_keys, matrix = np.asarray(full.user_ids), full.matrix
        else:
            self.user_keys = np.asarray(model.user_ids)
            matrix = full.matrix[pd.Index(full.user_ids).get_indexer(self.user_keys)]
        # the model's columns, in its order (every item it knows has events in the full data)
        self.matrix = matrix[:, columns].tocsr()
        self.rows = np.flatnonzero(self.matrix.getnnz(axis=1) > 0)
        self.blocks = self._blocks(self.rows)
        self.short = 0  # users ranked whose item list came out shorter than CANDIDATES_PER_USER

    def rankable(self) -> np.ndarray:
        """The keys of every user the model can rank (those with events in its columns)."""
        return self.user_keys[self.rows]

    def only(self, users: np.ndarray) -> None:
        """Rank these user keys (of the rankable ones) and no others."""
        self.blocks = self._blocks(self.rows[np.isin(self.user_keys[self.rows], users)])

    @staticmethod
    def _blocks(rows: np.ndarray) -> list[np.ndarray]:
        return [rows[start : start + USER_BATCH] for start in range(0, len(rows), USER_BATCH)]

    def ranked(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(matrix rows, item columns, scores) per block: the part worth a background thread."""
        for block in self.blocks:
            yield block, *self.model.recommend(block, self.matrix[block], settings.CANDIDATES_PER_USER)

    def packed(
        self, ranked: Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]
    ) -> Iterator[tuple[list[PackedRow], int]]:
        """(item and shop rows, users) per ranked block."""
        for block, ids, scores in ranked:
            # counted, not read off the last column: a model may return fewer columns than asked for
            self.short += int(((ids >= 0).sum(axis=1) < settings.CANDIDATES_PER_USER).sum())
            keys = np.where(ids >= 0, self.item_keys[np.maximum(ids, 0)], -1)
            shops, shop_scores = shops_from_items(ids, scores, self.column_shop, settings.SHOP_CANDIDATES_PER_USER)
            packed: list[PackedRow] = []
            for user, item_list, shop_list in zip(
                self.user_keys[block].tolist(),
                packed_rows(keys, scores),
                packed_rows(shops, shop_scores),
                strict=True,
            ):
                packed += [(user, Slot.ITEMS.value, *item_list), (user, Slot.SHOPS.value, *shop_list)]
            yield packed, len(block)


def packed_lists_insert(model: type[PackedList], columns: tuple[str, ...], blocks: Iterable[list[tuple]]) -> None:
    """Rows (values in `columns` order), a block at a time: binary COPY on PostgreSQL, bulk_create elsewhere."""
    if copy_available():  # several times faster than bulk_create at hundreds of thousands of rows
        copy_binary(model, columns, (b"".join(binary_row(row) for row in rows) for rows in blocks))
        return
    for rows in blocks:
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows])


def _user_lists_insert(version: ModelVersion, blocks: Iterator[list[PackedRow]]) -> None:
    packed_lists_insert(
        UserCandidates,
        ("version_id", "slot", "user_id", "ids", "scores"),
        ([(version.pk, slot, user, ids, scores) for user, slot, ids, scores in packed] for packed in blocks),
    )


def _segment_lists_insert(version: ModelVersion, data: DataLists) -> None:
    packed_lists_insert(
        SegmentCandidates,
        ("version_id", "slot", "segment", "ids", "scores"),
        [[(version.pk, slot, segment, ids, scores) for slot, segment, (ids, scores) in data.segments]],
    )


def _neighbours_insert(version: ModelVersion, data: DataLists) -> None:
    packed_lists_insert(
        ItemNeighbours,
        ("version_id", "item_id", "ids", "scores"),
        [[(version.pk, item, ids, scores) for item, (ids, scores) in data.neighbours]],
    )
