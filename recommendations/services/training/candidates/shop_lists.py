"""'Today's recommended shops' from a user's item candidates: each shop ranked by its best item."""

from __future__ import annotations

import numpy as np


def shops_from_items(
    item_columns: np.ndarray, scores: np.ndarray, column_shop: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Shops of each row's candidates in order of their best item; -1 / -inf pad, like the item lists.

    `item_columns` are best first (-1 pads); `column_shop[c]` is the shop key of column c (-1: none).
    Vectorised over a block of users: each (row, shop)'s first position in one `minimum.at`, then one
    sort per row over the shops (a loop per user cost 1.5 s at 22,000 users, two lexsorts 0.9 s).
    """
    n_rows, width = item_columns.shape
    shop_keys, column_code = np.unique(column_shop, return_inverse=True)
    column_code = np.where(column_shop >= 0, column_code, -1)
    codes = np.where(item_columns >= 0, column_code[np.maximum(item_columns, 0)], -1)
    rows, positions = np.nonzero(codes >= 0)
    first = np.full((n_rows, len(shop_keys)), width, dtype=np.int32)
    np.minimum.at(first, (rows, codes[rows, positions]), positions.astype(np.int32))
    take = min(n, len(shop_keys))
    order = np.argsort(first, axis=1, kind="stable")[:, :take]
    position = np.take_along_axis(first, order, axis=1)
    found = position < width
    out_shops = np.full((n_rows, n), -1, dtype=np.int64)
    out_scores = np.full((n_rows, n), -np.inf, dtype=np.float32)
    out_shops[:, :take] = np.where(found, shop_keys[order], -1)
    best = np.take_along_axis(scores, np.minimum(position, width - 1), axis=1) if width else position
    out_scores[:, :take] = np.where(found, best, -np.inf)
    return out_shops, out_scores
