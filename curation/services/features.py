"""Themed features: which items a feature holds, and which features a user sees first.

A feature's items are its hand-picked ones in order, then the items its rule matches, most popular
first. Both are filtered live as every list is: NG (for the features slot), unpublished, sold out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from curation.models import Feature
from recommendations.models import AppUser, Event, Item
from recommendations.models.catalog import CATEGORY_SEPARATOR
from recommendations.services.generation import current_generation
from recommendations.services.serving.item_flags import item_flags
from recommendations.services.serving.lists import item_filter
from recommendations.services.serving.state import current_state

POPULARITY_DAYS = 30
ITEMS_PER_FEATURE = 8
AFFINITY_EVENTS = 300  # a user's latest events that say what they like
CACHE_SECONDS = 600  # a feature's matched items are recomputed at most this often (or on any change)


@dataclass
class FeatureRule:
    """What a rule asks for; empty parts ask nothing."""

    categories: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    shops: list[int] = field(default_factory=list)
    min_popularity: int = 0

    @property
    def empty(self) -> bool:
        asks_price = self.price_min is not None or self.price_max is not None
        return not (self.categories or self.keywords or asks_price or self.shops or self.min_popularity)

    @classmethod
    def of(cls, feature: Feature) -> FeatureRule:
        return cls(
            categories=list(feature.rule_categories or []),
            keywords=list(feature.rule_keywords or []),
            price_min=feature.rule_price_min,
            price_max=feature.rule_price_max,
            shops=list(feature.rule_shops.values_list("pk", flat=True)) if feature.pk else [],
            min_popularity=feature.rule_min_popularity,
        )


def rule_matches(rule: FeatureRule) -> QuerySet:
    """Published, in-stock items the rule matches, most popular (last 30 days) first; none for an empty rule."""
    if rule.empty:
        return Item.objects.none()
    since = timezone.now() - dt.timedelta(days=POPULARITY_DAYS)
    items = Item.objects.filter(published=True, in_stock=True)
    if rule.categories:
        in_category = Q()
        for path in rule.categories:
            in_category |= Q(category_path=path) | Q(category_path__startswith=f"{path}{CATEGORY_SEPARATOR}")
        items = items.filter(in_category)
    if rule.keywords:
        any_word = Q()
        for word in rule.keywords:
            any_word |= Q(title__icontains=word)
        items = items.filter(any_word)
    if rule.price_min is not None:
        items = items.filter(price__gte=rule.price_min)
    if rule.price_max is not None:
        items = items.filter(price__lte=rule.price_max)
    if rule.shops:
        items = items.filter(shop_id__in=rule.shops)
    items = items.annotate(popularity=Count("events", filter=Q(events__occurred_at__gte=since)))
    if rule.min_popularity:
        items = items.filter(popularity__gte=rule.min_popularity)
    return items.select_related("shop").order_by("-popularity", "external_id")


def feature_item_keys(feature: Feature) -> list[int]:
    """The feature's items before live filters: picks in order, then rule matches, up to max_items."""
    key = f"curation:feature-items:{feature.pk}:{feature.updated_at.timestamp()}:{current_generation()}"
    keys = cache.get(key)
    if keys is None:
        keys = list(feature.picks.values_list("item_id", flat=True))
        if len(keys) < feature.max_items:
            seen = set(keys)
            for pk in rule_matches(FeatureRule.of(feature)).values_list("pk", flat=True)[: feature.max_items * 2]:
                if pk not in seen:
                    keys.append(pk)
                    seen.add(pk)
        keys = keys[: feature.max_items]
        cache.set(key, keys, CACHE_SECONDS)
    return keys


def servable_feature_items(keys: list[int]) -> list[int]:
    """Keys that may be shown in a feature now: not NG for the features slot, published and in stock."""
    allowed = item_filter(current_state().ng["features"], item_flags(), {})
    return [k for k in keys if allowed(k) is None]


def live_features(now: dt.datetime | None = None) -> QuerySet:
    """Published features whose schedule includes now."""
    now = now or timezone.now()
    return Feature.objects.filter(status=Feature.Status.PUBLISHED).filter(
        Q(starts_at__isnull=True) | Q(starts_at__lte=now), Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


def _category_affinity(user_id: str) -> tuple[dict[str, float], set[int]]:
    """How much the user cares for each category (by their latest events, weighted by kind), and their items."""
    user = AppUser.objects.filter(external_id=user_id).first()
    if user is None:
        return {}, set()
    weights = {"view": 1.0, "favorite": 3.0, "cart_add": 5.0, "purchase": 8.0}
    flags = item_flags()
    affinity: dict[str, float] = {}
    items = set()
    events = Event.objects.filter(user=user).order_by("-occurred_at").values_list("item_id", "type")[:AFFINITY_EVENTS]
    for item, kind in events:
        items.add(item)
        category = flags.category_of(item)
        for depth in range(1, category.count(CATEGORY_SEPARATOR) + 2):  # a liking for Home > Kitchen is some for Home
            path = CATEGORY_SEPARATOR.join(category.split(CATEGORY_SEPARATOR)[:depth])
            affinity[path] = affinity.get(path, 0.0) + weights.get(kind, 0.0) * depth
    return affinity, items


def features_for_user(user_id: str, *, limit: int = 10, items_per_feature: int = ITEMS_PER_FEATURE) -> list[dict]:
    """The live features, those closest to what the user does first, each with its first servable items."""
    affinity, touched = _category_affinity(user_id)
    flags = item_flags()
    scored = []
    for feature in live_features():
        keys = servable_feature_items(feature_item_keys(feature))
        if not keys:
            continue  # a feature with nothing to show is not shown
        shown = keys[:items_per_feature]
        score = sum(affinity.get(flags.category_of(k), 0.0) for k in keys[:20]) + 10.0 * len(touched & set(keys))
        scored.append((score, feature.starts_at or feature.created_at, feature, shown))
    scored.sort(key=lambda s: (-s[0], -s[1].timestamp()))
    external = dict(
        Item.objects.filter(pk__in=[k for *_x, shown in scored for k in shown]).values_list("pk", "external_id")
    )
    return [
        {
            "feature_id": feature.slug,
            "title": feature.title,
            "description": feature.description,
            "cover_image_url": feature.cover_image_url,
            "affinity": round(score, 3),
            "items": [{"item_id": external[k], "rank": n} for n, k in enumerate(shown, start=1) if k in external],
        }
        for score, _start, feature, shown in scored[:limit]
    ]
