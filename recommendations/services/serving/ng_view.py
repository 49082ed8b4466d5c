"""NG entries as the serving pipeline uses them: per slot, in force now, as reasons and as masks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _

from curation.selectors import ng_rules_in_force
from recommendations.models import NG_SLOTS
from recommendations.models.catalog import within_category


@dataclass(frozen=True)
class NgReason:
    """Why an NG entry blocks something; worded when shown, in the reader's language (views are shared)."""

    kind: str  # item, shop or category
    reason: str
    created_by: str = ""

    def __str__(self) -> str:
        label = {"item": _("NG item"), "shop": _("NG shop"), "category": _("NG category")}.get(self.kind, "NG")
        if self.created_by:
            return _("%(kind)s: %(reason)s (added by %(who)s)") % {
                "kind": label,
                "reason": self.reason,
                "who": self.created_by,
            }
        return f"{label}: {self.reason}"


@dataclass
class NgView:
    """The NG entries that apply to one slot, as reasons by key and as boolean arrays indexed by key."""

    items: dict[int, NgReason] = field(default_factory=dict)
    shops: dict[int, NgReason] = field(default_factory=dict)
    categories: list[tuple[str, NgReason]] = field(default_factory=list)  # (path, why)
    item_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    shop_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    _category_codes: tuple[int, np.ndarray] = (0, np.zeros(0, dtype=bool))

    def category_reason(self, category: str) -> NgReason | None:
        """Why an item of this category is NG, if an NG category covers it."""
        for path, why in self.categories:
            if within_category(category, path):
                return why
        return None

    def item_reason(self, key: int, shop: int | None, category: str) -> NgReason | None:
        """Why this item (of this shop and category) is NG in the slot, or None."""
        if key in self.items:
            return self.items[key]
        if shop in self.shops:
            return self.shops[shop]
        return self.category_reason(category) if self.categories else None

    def category_code_mask(self, categories: list[str]) -> np.ndarray:
        """For each category (by its code in `categories`), whether an NG category covers it."""
        known, mask = self._category_codes
        if known != len(categories):
            mask = np.array([self.category_reason(c) is not None for c in categories], dtype=bool)
            self._category_codes = (len(categories), mask)
        return mask


def ng_views() -> tuple[dict[str, NgView], dt.datetime | None]:
    """Each slot's NG entries in force now, and when the soonest of them expires."""
    slots = [s.value for s in NG_SLOTS]
    views = {slot: NgView() for slot in slots}
    expiries = []
    for rule in ng_rules_in_force(timezone.now()):
        why = NgReason(rule.kind, rule.reason, rule.created_by or "")
        if rule.expires_at is not None:
            expiries.append(rule.expires_at)
        for slot in rule.slots or slots:
            if slot not in views:
                continue
            view = views[slot]
            if rule.kind == "item":
                view.items[rule.target] = why
            elif rule.kind == "shop":
                view.shops[rule.target] = why
            else:
                view.categories.append((rule.target, why))
    for view in views.values():
        view.item_mask, view.shop_mask = key_mask(view.items), key_mask(view.shops)
    return views, min(expiries, default=None)


def key_mask(keys: Iterable[int]) -> np.ndarray:
    """A boolean array, True at each key."""
    keys = np.fromiter(keys, dtype=np.int64)
    mask = np.zeros(int(keys.max()) + 1 if len(keys) else 0, dtype=bool)
    mask[keys] = True
    return mask


def mask_lookup(mask: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """mask[keys], False for keys past its end."""
    inside = (keys >= 0) & (keys < len(mask))
    out = np.zeros(len(keys), dtype=bool)
    out[inside] = mask[keys[inside]]
    return out
