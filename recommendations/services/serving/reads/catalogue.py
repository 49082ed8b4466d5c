"""What serving reads about items and shops: which of a page may be served (with what the app shows of them),
and the neighbour lists of items."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommendations.models import ContentNeighbours, Item, ItemNeighbours, Shop
from recommendations.services.serving.reads.statements import any_of, query, unpack


@dataclass(frozen=True)
class ItemRow:
    external_id: str
    shop: int
    category: str
    details: tuple = ()  # DETAIL_COLUMNS' values, when asked for


# What the app can be sent of an item beside its id (`fields=`): item_details names them.
DETAIL_COLUMNS = ("i.title", "i.price", "i.image_url", "i.category_path", "s.external_id", "s.name")


def servable_items(keys: list[int], with_details: bool = False) -> dict[int, ItemRow]:
    """Of these item keys, the ones published and in stock, with what the rules need and, `with_details`,
    what the app shows of them (DETAIL_COLUMNS, in the order of item_details.ITEM_FIELDS), in the same query."""
    if not keys:
        return {}
    where, params = any_of("i.id", keys)
    items = Item._meta.db_table
    if with_details:
        source = f"{items} i JOIN {Shop._meta.db_table} s ON s.id = i.shop_id"
        sql = f"SELECT i.id, i.external_id, i.shop_id, i.category_path, {', '.join(DETAIL_COLUMNS)} FROM {source}"
    else:
        sql = f"SELECT i.id, i.external_id, i.shop_id, i.category_path FROM {items} i"
    rows = query(f"{sql} WHERE {where} AND i.published AND i.in_stock", params)
    return {
        pk: ItemRow(external_id, shop, category, tuple(details)) for pk, external_id, shop, category, *details in rows
    }


def existing_shops(keys: list[int]) -> dict[int, str]:
    """Of these shop keys, the ones that exist, with their external ids."""
    if not keys:
        return {}
    where, params = any_of("id", keys)
    return dict(query(f"SELECT id, external_id FROM {Shop._meta.db_table} WHERE {where}", params, prepared=False))


def item_neighbours(version: int, items: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Co-visitation neighbour lists of these items in a version."""
    if not items:
        return {}
    where, params = any_of("item_id", items)
    sql = f"SELECT item_id, ids, scores FROM {ItemNeighbours._meta.db_table} WHERE version_id = %s AND {where}"
    return {item: unpack(ids, scores) for item, ids, scores in query(sql, [version, *params], prepared=False)}


def content_neighbours(items: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Content neighbour lists (title, category, shop, price) of these items, where computed."""
    if not items:
        return {}
    where, params = any_of("item_id", items)
    rows = query(f"SELECT item_id, ids, scores FROM {ContentNeighbours._meta.db_table} WHERE {where}", params)
    return {item: unpack(ids, scores) for item, ids, scores in rows}


def item_keys_of(external_ids: list[str]) -> dict[str, int]:
    """Our keys of these item ids (those that exist)."""
    if not external_ids:
        return {}
    where, params = any_of("external_id", external_ids)
    return dict(query(f"SELECT external_id, id FROM {Item._meta.db_table} WHERE {where}", params, prepared=False))
