"""Which items may be served, with their shop, category and price: arrays in memory indexed by item key.

Filtering a 200-entry candidate list against the database cost 1.8 ms a request (bench/serve.py);
against these arrays it costs microseconds. They are refreshed from the items updated since the last
look (an indexed read of `updated_at`), at most every ITEM_FLAGS_REFRESH_SECONDS. The page actually
served is still checked live (`reads.servable_items`), so a stale flag can cost a backfill but never
lets a sold-out or unpublished item through.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from recommendations.engine.categories import top_category
from recommendations.models import Item
from recommendations.models.catalog import CATEGORY_SEPARATOR

# Each refresh reads the items stamped since this long before the previous refresh began: a
# transaction that stamped its rows earlier but committed later, or a writer whose clock is a little
# behind, is not missed.
OVERLAP = dt.timedelta(seconds=10)

_lock = threading.Lock()
_flags: ItemFlags | None = None


@dataclass
class ItemFlags:
    servable: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    shop: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    category: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    price: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))  # NaN: no price
    listed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # when listed, Unix seconds
    categories: list[str] = field(default_factory=list)
    category_codes: dict[str, int] = field(default_factory=dict)
    # each category code's top-level category, as a code into `top_categories` (-1: no category)
    top_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    top_categories: list[str] = field(default_factory=list)
    top_codes: dict[str, int] = field(default_factory=dict)
    fresh_cache: tuple | None = None  # new_since's last answer, with what it was for
    refreshed_from: dt.datetime | None = None  # wall clock when the last refresh began
    checked_at: float = 0.0

    def is_servable(self, key: int) -> bool:
        return 0 <= key < len(self.servable) and bool(self.servable[key])

    def shop_of(self, key: int) -> int | None:
        return int(self.shop[key]) if 0 <= key < len(self.shop) and self.shop[key] >= 0 else None

    def servable_mask(self, keys: np.ndarray) -> np.ndarray:
        inside = (keys >= 0) & (keys < len(self.servable))
        out = np.zeros(len(keys), dtype=bool)
        out[inside] = self.servable[keys[inside]]
        return out

    def shops_of(self, keys: np.ndarray) -> np.ndarray:
        """Each key's shop, -1 where unknown."""
        inside = (keys >= 0) & (keys < len(self.shop))
        out = np.full(len(keys), -1, dtype=np.int64)
        out[inside] = self.shop[keys[inside]]
        return out

    def category_codes_of(self, keys: np.ndarray) -> np.ndarray:
        """Each key's category code (an index into `categories`), 0 where unknown."""
        inside = (keys >= 0) & (keys < len(self.category))
        out = np.zeros(len(keys), dtype=np.int64)
        out[inside] = self.category[keys[inside]]
        return out

    def prices_of(self, keys: np.ndarray) -> np.ndarray:
        """Each key's price, NaN where unknown or not set."""
        inside = (keys >= 0) & (keys < len(self.price))
        out = np.full(len(keys), np.nan)
        out[inside] = self.price[keys[inside]]
        return out

    def new_since(self, moment: dt.datetime) -> tuple[np.ndarray, np.ndarray, frozenset[int]]:
        """Keys of the servable items listed at or after `moment` (to the minute), newest first, their
        top-level categories, and the keys as a set. Kept until the flags refresh or the minute turns: a scan
        of every item is a visible share of a request at 40,000 items (bench/serve.py)."""
        minute = int(moment.timestamp()) // 60
        cached = self.fresh_cache
        if cached is not None and cached[0] == (self.refreshed_from, minute):
            return cached[1]
        fresh = np.flatnonzero(self.servable & (self.listed >= minute * 60))
        fresh = fresh[np.argsort(-self.listed[fresh], kind="stable")]
        answer = (fresh, self.top_categories_of(fresh), frozenset(fresh.tolist()))
        self.fresh_cache = ((self.refreshed_from, minute), answer)
        return answer

    def top_categories_of(self, keys: np.ndarray) -> np.ndarray:
        """Each key's top-level category, a code into `top_categories`; -1 where it has none or is unknown."""
        inside = (keys >= 0) & (keys < len(self.category))
        out = np.full(len(keys), -1, dtype=np.int64)
        out[inside] = self.top_of[self.category[keys[inside]]]
        return out

    def category_of(self, key: int) -> str:
        return self.categories[self.category[key]] if 0 <= key < len(self.category) else ""

    def _update(self, rows: list[tuple]) -> None:
        if not rows:
            return
        keys = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        top = int(keys.max()) + 1
        if top > len(self.servable):
            size = max(top, int(len(self.servable) * 1.25))
            self.servable = np.concatenate([self.servable, np.zeros(size - len(self.servable), dtype=bool)])
            self.shop = np.concatenate([self.shop, np.full(size - len(self.shop), -1, dtype=np.int64)])
            self.category = np.concatenate([self.category, np.zeros(size - len(self.category), dtype=np.int32)])
            self.price = np.concatenate([self.price, np.full(size - len(self.price), np.nan)])
            self.listed = np.concatenate([self.listed, np.zeros(size - len(self.listed), dtype=np.int64)])
        codes, added = self.category_codes, []
        for _key, _shop, _ok, category, _price, _listed in rows:
            if category not in codes:
                codes[category] = len(self.categories)
                self.categories.append(category)
                added.append(category)
        if added:
            tops = [self._top_code(category) for category in added]
            self.top_of = np.concatenate([self.top_of, np.asarray(tops, dtype=np.int64)])
        self.servable[keys] = np.fromiter((bool(r[2]) for r in rows), dtype=bool, count=len(rows))
        self.shop[keys] = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        self.category[keys] = np.fromiter((codes[r[3]] for r in rows), dtype=np.int32, count=len(rows))
        self.price[keys] = np.fromiter((np.nan if r[4] is None else float(r[4]) for r in rows), float, len(rows))
        self.listed[keys] = np.fromiter((_seconds(r[5]) for r in rows), dtype=np.int64, count=len(rows))

    def _top_code(self, category: str) -> int:
        top = top_category(category, CATEGORY_SEPARATOR)
        if not top:
            return -1
        if top not in self.top_codes:
            self.top_codes[top] = len(self.top_categories)
            self.top_categories.append(top)
        return self.top_codes[top]


def _seconds(moment: dt.datetime | None) -> int:
    """Unix seconds of a stored time (raw SQL on SQLite reads it back naive, in UTC)."""
    if moment is None:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def item_flags() -> ItemFlags:
    """This process's flags, first refreshed from recently updated items if the last look is old enough."""
    global _flags
    flags = _flags
    if flags is not None and time.monotonic() - flags.checked_at < settings.ITEM_FLAGS_REFRESH_SECONDS:
        return flags
    with _lock:
        flags = _flags or ItemFlags()
        if _flags is None or time.monotonic() - flags.checked_at >= settings.ITEM_FLAGS_REFRESH_SECONDS:
            flags.checked_at = time.monotonic()
            began = timezone.now()
            try:
                changed = _changed_since(flags.refreshed_from)
            except DatabaseError:
                if _flags is None:
                    raise
                return flags  # the database is down: the last look stands, and the next refresh catches up
            flags._update(changed)
            flags.refreshed_from = began
            _flags = flags
    return flags


def item_flags_reset() -> None:
    """Forget this process's flags (tests)."""
    global _flags
    _flags = None


def _changed_since(since: dt.datetime | None) -> list[tuple]:
    table = Item._meta.db_table
    sql = f"SELECT id, shop_id, published AND in_stock, category_path, price, created_at FROM {table}"
    params: list = []
    if since is not None:
        sql += " WHERE updated_at >= %s"
        params.append(connection.ops.adapt_datetimefield_value(since - OVERLAP))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
