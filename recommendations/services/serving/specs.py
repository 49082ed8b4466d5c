"""The settings a serving state holds, as plain values: slots and their variants, pins, boosts and their
time windows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from recommendations.models.catalog import within_category


@dataclass(frozen=True)
class VariantSpec:
    pk: int
    name: str
    algorithm: str
    chain: tuple[str, ...]
    weight: int


@dataclass(frozen=True)
class SlotSpec:
    slot: str
    size: int
    per_shop_cap: int
    experiment: str
    variants: tuple[VariantSpec, ...]
    per_category_cap: int = 0
    exploration_share: int = 0  # percent of positions
    exploration_after: int = 3
    new_item_days: int = 7
    fatigue_shows: int = 0
    fatigue_days: int = 7

    def variant(self, name: str) -> VariantSpec | None:
        return next((v for v in self.variants if v.name == name), None)


@dataclass(frozen=True)
class Window:
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None

    def active(self, now: dt.datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= now) and (self.ends_at is None or now < self.ends_at)


@dataclass(frozen=True)
class PinSpec:
    pk: int
    key: int
    position: int
    window: Window
    note: str


@dataclass(frozen=True)
class BoostSpec:
    pk: int
    item: int | None
    shop: int | None
    category: str
    factor: float
    window: Window
    note: str

    def matches(self, key: int, shop: int | None, category: str) -> bool:
        if self.item is not None:
            return key == self.item
        if self.shop is not None:
            return shop == self.shop
        return within_category(category, self.category)
