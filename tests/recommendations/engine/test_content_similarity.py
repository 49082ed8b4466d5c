"""Content similarity: items alike in title, category, shop and price find each other without any event."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recommendations.engine.algorithms.popularity import category_top
from recommendations.engine.categories import category_levels
from recommendations.engine.content_similarity import content_neighbours, item_descriptions, top_level_groups

SEP = " > "


def _items() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("\u9769\u306e\u30c8\u30fc\u30c8\u30d0\u30c3\u30b0 \u30d6\u30e9\u30a6\u30f3", "Fashion > Bags", 1, 5800),
            ("\u9769\u306e\u30c8\u30fc\u30c8\u30d0\u30c3\u30b0 \u30d6\u30e9\u30c3\u30af", "Fashion > Bags", 2, 6200),
            ("\u6728\u306e\u307e\u306a\u677f", "Home > Kitchen", 3, 3000),
            ("\u6728\u306e\u307e\u306a\u677f \u5927", "Home > Kitchen", 3, 4200),
            ("\u30ac\u30e9\u30b9\u306e\u82b1\u74f6", "Home > Interior", 4, 2500),
            ("\u9769\u306e\u30ad\u30fc\u30b1\u30fc\u30b9", "Fashion > Accessories", 1, 2400),
        ],
        columns=["title", "category_path", "shop_id", "price"],
    )


def test_a_japanese_title_finds_its_variant_without_a_tokenizer():
    columns, scores = content_neighbours(item_descriptions(_items(), SEP), n=3)
    assert columns[0, 0] == 1 and columns[1, 0] == 0  # the brown and the black leather tote
    assert columns[2, 0] == 3  # the two wooden cutting boards
    assert (np.diff(scores, axis=1) <= 1e-6).all() and scores.max() <= 1.0 + 1e-6


def test_an_item_is_never_its_own_neighbour_and_short_rows_are_padded():
    columns, scores = content_neighbours(item_descriptions(_items(), SEP), n=10)
    for row in range(len(columns)):
        assert row not in columns[row]
    assert (columns[:, 5:] == -1).all() and (scores[columns == -1] == 0).all()


def test_groups_keep_neighbours_within_their_top_level_category():
    items = _items()
    groups = top_level_groups(items["category_path"], SEP)
    columns, _scores = content_neighbours(item_descriptions(items, SEP), groups, n=5)
    for row, neighbours in enumerate(columns):
        found = neighbours[neighbours >= 0]
        assert (groups[found] == groups[row]).all()
        assert len(found) == (groups == groups[row]).sum() - 1


def test_items_without_titles_or_prices_still_compare_by_category():
    items = pd.DataFrame(
        {
            "title": ["", None, ""],
            "category_path": ["A > B", "A > B", "C"],
            "shop_id": [None, None, None],
            "price": [None] * 3,
        }
    )
    columns, _scores = content_neighbours(item_descriptions(items, SEP), n=2)
    assert columns[0, 0] == 1 and columns[2, 0] == -1


def test_an_empty_catalogue_has_no_neighbours():
    items = pd.DataFrame(columns=["title", "category_path", "shop_id", "price"])
    columns, scores = content_neighbours(item_descriptions(items, SEP), n=3)
    assert columns.shape == (0, 3) and scores.shape == (0, 3)


def test_category_levels_and_popular_items_per_category_at_every_level():
    assert category_levels("Home > Kitchen > Knives", SEP) == ["Home", "Home > Kitchen", "Home > Kitchen > Knives"]
    assert category_levels("", SEP) == []
    paths = ["Home > Kitchen", "Home > Garden", "Home > Kitchen", "Fashion"]
    lists = category_top(np.array([0.1, 0.5, 0.3, 0.2], dtype=np.float32), paths, SEP, n=2)
    assert lists["Home"][0].tolist() == [1, 2]
    assert lists["Home > Kitchen"][0].tolist() == [2, 0]
    assert lists["Fashion"][0].tolist() == [3]
