"""What the learned ranker knows of a (user, candidate item) pair beyond the sources' ranks and scores.

Item: its popularity over the whole window and over the last 1, 7 and 30 days (log counts of positive
events), the days since its first and its last event, and its price. User: how many events and items
they have, the days since their last event, and the share of their history in the candidate's top-level
category and in its shop. Everything is measured at the data's `now`, so the features a ranker learns from
(on a split carved from the training data) mean the same as the ones it ranks with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommendations.engine.categories import top_category
from recommendations.engine.interactions import POSITIVE_TYPES, TrainingData

WINDOWS_DAYS = (1, 7, 30)
DAY_SECONDS = 86400.0


@dataclass
class Context:
    """Per-item and per-user figures of one training matrix, looked up for each candidate pair."""

    item_columns: dict[str, np.ndarray]
    user_columns: dict[str, np.ndarray]
    item_category: sp.csr_matrix  # items x top-level categories, 0/1
    item_shop: sp.csr_matrix  # items x shops, 0/1

    @property
    def names(self) -> list[str]:
        return [*self.item_columns, *self.user_columns, "category_share", "shop_share"]


def _one_hot(values: pd.Series) -> sp.csr_matrix:
    codes, _uniques = pd.factorize(values.fillna("").astype(str), use_na_sentinel=True)
    rows = np.flatnonzero(codes >= 0)
    width = int(codes.max()) + 1 if len(codes) and codes.max() >= 0 else 1
    return sp.csr_matrix((np.ones(len(rows), np.float32), (rows, codes[rows])), shape=(len(codes), width))


def context_of(data: TrainingData) -> Context:
    """Item and user figures of `data`, measured at `data.now`."""
    events = data.events[data.events["type"].isin(POSITIVE_TYPES)]
    item_index, user_index = pd.Index(data.item_ids), pd.Index(data.user_ids)
    cols = item_index.get_indexer(events["item_id"])
    rows = user_index.get_indexer(events["user_id"])
    age_days = (data.now - events["occurred_at"]).dt.total_seconds().to_numpy() / DAY_SECONDS
    n_items, n_users = len(item_index), len(user_index)

    def per_item(mask: np.ndarray) -> np.ndarray:
        keep = mask & (cols >= 0)
        return np.log1p(np.bincount(cols[keep], minlength=n_items)).astype(np.float32)

    item_columns = {"popularity": per_item(np.ones(len(events), bool))}
    for days in WINDOWS_DAYS:
        item_columns[f"popularity_{days}d"] = per_item(age_days <= days)
    by_item = pd.Series(age_days).groupby(cols)
    item_columns["days_since_first"] = _indexed(by_item.max(), n_items)
    item_columns["days_since_last"] = _indexed(by_item.min(), n_items)
    items = data.items.reindex(data.item_ids) if len(data.items) else pd.DataFrame(index=data.item_ids)
    price = pd.to_numeric(items["price"], errors="coerce") if "price" in items else pd.Series(np.nan, items.index)
    item_columns["price"] = price.to_numpy(dtype=np.float32)

    by_user = pd.Series(age_days).groupby(rows)
    user_columns = {
        "user_events": np.log1p(np.bincount(rows[rows >= 0], minlength=n_users)).astype(np.float32),
        "user_items": np.log1p(data.matrix.getnnz(axis=1)).astype(np.float32),
        "user_days_since_last": _indexed(by_user.min(), n_users),
    }
    paths = items["category_path"] if "category_path" in items else pd.Series("", index=items.index)
    # the top level reads the same whatever spaces surround the catalogue's separator (" > ")
    top = paths.fillna("").astype(str).map(lambda p: top_category(p, ">"))
    shops = items["shop_id"] if "shop_id" in items else pd.Series("", index=items.index)
    return Context(item_columns, user_columns, _one_hot(top), _one_hot(shops))


def _indexed(values: pd.Series, length: int) -> np.ndarray:
    """A series keyed by position as a dense array; missing positions (and key -1) are NaN."""
    out = np.full(length, np.nan, dtype=np.float32)
    values = values[values.index >= 0]
    out[values.index.to_numpy(dtype=np.int64)] = values.to_numpy(dtype=np.float32)
    return out


def pair_features(
    context: Context, user_rows: np.ndarray, user_items: sp.csr_matrix, users: np.ndarray, items: np.ndarray
) -> np.ndarray:
    """One row of figures per pair (users[k]: a position in user_rows and user_items, items[k]: a column)."""
    columns = [values[items] for values in context.item_columns.values()]
    columns += [values[user_rows[users]] for values in context.user_columns.values()]
    for membership in (context.item_category, context.item_shop):
        weight = user_items @ membership  # each user's history weight per category (per shop)
        totals = np.asarray(weight.sum(axis=1)).ravel()
        owned = membership[items]
        codes = np.where(owned.getnnz(axis=1) > 0, owned.indices[np.minimum(owned.indptr[:-1], owned.nnz - 1)], -1)
        share = np.asarray(weight[users, np.maximum(codes, 0)]).ravel() / np.maximum(totals[users], 1e-9)
        columns.append(np.where(codes >= 0, share, np.nan).astype(np.float32))
    return np.column_stack(columns) if columns else np.zeros((len(items), 0), np.float32)
