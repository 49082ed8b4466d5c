"""Items alike in what they are, not in who looked at them: the source for items with few or no events.

An item is described by its title (TF-IDF over character 2- and 3-grams, which reads Japanese titles
without a tokenizer and survives spelling variants), its category path (every level, so a sibling
subcategory still counts), its shop and its price band (powers of two). Each part is scaled to unit
length and weighted, and two items' similarity is the cosine of their descriptions.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import normalize

from recommendations.engine.categories import category_levels, top_category


@dataclass(frozen=True)
class ContentWeights:
    """How much each part of an item's description counts."""

    title: float = 1.0
    category: float = 0.8
    shop: float = 0.3
    price: float = 0.3


def _one_hot(labels: list[list[str]], n_rows: int) -> sp.csr_matrix:
    """Rows with a 1 for each of their labels (row-normalised later)."""
    codes: dict[str, int] = {}
    rows, cols = [], []
    for row, row_labels in enumerate(labels):
        for label in row_labels:
            rows.append(row)
            cols.append(codes.setdefault(label, len(codes)))
    data = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(n_rows, max(len(codes), 1)), dtype=np.float32)


def price_band(price: float) -> list[str]:
    """The price's power-of-two band, and its neighbours at half weight through a shared label."""
    if price is None or not np.isfinite(price) or price <= 0:
        return []
    band = int(np.floor(np.log2(price)))
    # an item at 1,990 and one at 2,010 sit in different bands; the wider band keeps them alike
    return [f"p{band}", f"w{band // 2}"]


def item_descriptions(items: pd.DataFrame, separator: str, weights: ContentWeights = ContentWeights()) -> sp.csr_matrix:
    """One unit-length row per item of `items` (columns title, category_path, shop_id, price); `separator`
    splits a category path into its levels."""
    n = len(items)
    if n == 0:
        return sp.csr_matrix((0, 1), dtype=np.float32)
    titles = items["title"].fillna("").astype(str).str.lower().tolist()
    parts = []
    if any(titles):
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 3), min_df=2 if n > 50 else 1, sublinear_tf=True, dtype=np.float32
        )
        with contextlib.suppress(ValueError):  # no n-gram appears twice: titles say nothing about likeness
            parts.append(weights.title * normalize(vectorizer.fit_transform(titles)))
    categories = [category_levels(p, separator) for p in items["category_path"].fillna("").astype(str)]
    parts.append(weights.category * normalize(_one_hot(categories, n)))
    shops = [[str(s)] if pd.notna(s) else [] for s in items["shop_id"]]
    parts.append(weights.shop * normalize(_one_hot(shops, n)))
    prices = pd.to_numeric(items["price"], errors="coerce").astype(float).tolist()
    parts.append(weights.price * normalize(_one_hot([price_band(p) for p in prices], n)))
    return normalize(sp.hstack(parts, format="csr", dtype=np.float32))


def content_neighbours(
    descriptions: sp.csr_matrix, groups: np.ndarray | None = None, n: int = 20, min_score: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's n most similar other rows as (columns, cosine scores), best first, -1 / 0 padded.

    With `groups` (one code per row, e.g. the top-level category), rows are compared only within their
    group: at 100,000 items that is the difference between minutes and seconds (BENCHMARKS.md). The search
    is scikit-learn's brute-force cosine NearestNeighbors, which works through each group in chunks.
    """
    rows = descriptions.shape[0]
    columns = np.full((rows, n), -1, dtype=np.int64)
    scores = np.zeros((rows, n), dtype=np.float32)
    if rows < 2 or n <= 0:
        return columns, scores
    if groups is None:
        groups = np.zeros(rows, dtype=np.int64)
    order = np.argsort(groups, kind="stable")
    for members in np.split(order, np.flatnonzero(np.diff(groups[order])) + 1):
        if len(members) < 2:
            continue
        k = min(n, len(members) - 1)
        search = NearestNeighbors(metric="cosine", algorithm="brute").fit(descriptions[members])
        distances, found = search.kneighbors(n_neighbors=k)  # no query: a row is not its own neighbour
        similarity = 1.0 - distances
        keep = similarity >= min_score  # a prefix of each row: neighbours come nearest first
        columns[members, :k] = np.where(keep, members[found], -1)
        scores[members, :k] = np.where(keep, similarity, 0.0)
    return columns, scores


def top_level_groups(category_paths: pd.Series, separator: str) -> np.ndarray:
    """A code per item for its top-level category (items without one share a code)."""
    tops = [top_category(path, separator) for path in category_paths.fillna("").astype(str)]
    return pd.factorize(pd.Series(tops, dtype=object))[0].astype(np.int64)
