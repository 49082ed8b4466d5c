"""The features slot: the published, in-schedule features a user sees first, each with its servable items.

Features are curated in curation/ and read here through its selectors; this module only decides what
may be shown (NG for the features slot, stock) and in which order (the user's category affinity).
"""

from __future__ import annotations

from django.conf import settings

from curation.selectors import feature_item_keys, live_features
from recommendations.models import AppUser, Event, Item
from recommendations.models.catalog import CATEGORY_SEPARATOR
from recommendations.services.serving.item_flags import item_flags
from recommendations.services.serving.lists import item_filter
from recommendations.services.serving.state import current_state

ITEMS_PER_FEATURE = 8
AFFINITY_EVENTS = 300  # a user's latest events that say what they like


def servable_feature_items(keys: list[int]) -> list[int]:
    """Keys that may be shown in a feature now: not NG for the features slot, published and in stock."""
    allowed = item_filter(current_state().ng["features"], item_flags(), {})
    return [k for k in keys if allowed(k) is None]


def _category_affinity(user_id: str) -> tuple[dict[str, float], set[int]]:
    """How much the user cares for each category (by their latest events, weighted by kind), and their items."""
    user = AppUser.objects.filter(external_id=user_id).first()
    if user is None:
        return {}, set()
    weights = settings.TRAINING_EVENT_WEIGHTS  # the same weights training gives each kind of event
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


def features_for_user_response(user_id: str, limit: int = 10) -> dict:
    """The features slot's answer for the API."""
    import uuid

    return {
        "recommendation_id": str(uuid.uuid4()),
        "slot": "features",
        "features": features_for_user(user_id, limit=limit),
    }
