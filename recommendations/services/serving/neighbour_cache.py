"""Neighbour lists kept by each worker for a few minutes (NEIGHBOUR_CACHE_SECONDS).

Most lists start with the same popular items, and similar items are asked about the same popular items
again and again, so most requests find the neighbours they need here instead of in the database (a
round trip each, bench/serve.py). A list a few minutes old only steers which candidates come first:
whatever it names is still checked against NG lists and stock, and the page live, as it is served.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

import numpy as np
from cachetools import TTLCache
from django.conf import settings

from recommendations.services.serving import reads

Lists = dict[int, tuple[np.ndarray, np.ndarray]]
# An item without neighbours is remembered too, as an empty list, so it is not read again each request.
_NONE = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
_lock = threading.Lock()
_caches: dict[str, TTLCache] = {}


def _cache(kind: str) -> TTLCache:
    cache = _caches.get(kind)
    if cache is None:
        cache = _caches[kind] = TTLCache(settings.NEIGHBOUR_CACHE_ITEMS, settings.NEIGHBOUR_CACHE_SECONDS)
    return cache


def _through(kind: str, items: list[int], key: Callable[[int], Hashable], read: Callable[[list[int]], Lists]) -> Lists:
    """The lists of `items` from the cache, the missing ones read at once and kept; items without one left out."""
    if not items:
        return {}
    found: Lists = {}
    with _lock:
        cache = _cache(kind)
        for item in items:
            value = cache.get(key(item))
            if value is not None:
                found[item] = value
    missing = [item for item in items if item not in found]
    if missing:
        read_now = read(missing)
        with _lock:
            cache = _cache(kind)
            for item in missing:
                found[item] = cache[key(item)] = read_now.get(item, _NONE)
    return {item: lists for item, lists in found.items() if len(lists[0])}


def covisited(version: int, items: list[int]) -> Lists:
    """Co-visitation neighbour lists of these items in a version (reads.item_neighbours, cached)."""
    return _through("covisited", items, lambda item: (version, item), lambda keys: reads.item_neighbours(version, keys))


def alike(items: list[int]) -> Lists:
    """Content neighbour lists of these items (reads.content_neighbours, cached)."""
    return _through("alike", items, lambda item: item, reads.content_neighbours)


def neighbour_cache_reset() -> None:
    """Forget every kept list (tests; a worker otherwise lets them expire)."""
    with _lock:
        _caches.clear()
