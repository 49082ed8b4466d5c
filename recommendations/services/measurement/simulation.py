"""Simulated traffic for the demo and the end-to-end test: users are served lists, and react to them.

Each user likes the categories of the items they interacted with before. Shown an item, they view
it with a probability that falls with its rank and rises sharply when the item is in a category
they like; a view may lead to a favorite, a cart add and a purchase, again more likely for liked
categories. So a variant whose lists match users' tastes earns visibly higher rates: the dashboard
has a real difference to find. Events go through the same ingestion as the API, half of them
carrying the recommendation_id (the rest are attributed by the time window).

Every slot gets traffic: a recommended item is reacted to directly; a themed feature through the items
it shows; a recommended shop through one of its items, opened from the shop's page (those events always
carry the recommendation_id: the item was not itself in the list).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from recommendations.models import AppUser, Event, Item
from recommendations.services.event_ingest import event_batch_ingest
from recommendations.services.serving.impressions import impressions_flush
from recommendations.services.serving.pipeline import recommend
from recommendations.services.serving.result import Recommendation

BATCH = 1000
FEATURE_ITEMS_SEEN = 6  # the items of a feature a user sees without opening it


@dataclass(frozen=True)
class Reactions:
    """How likely each step is, for items of a category the user likes and for the rest."""

    view_liked: float = 0.30
    view_other: float = 0.03
    favorite: float = 0.25
    cart_liked: float = 0.30
    cart_other: float = 0.08
    purchase: float = 0.35
    not_interested: float = 0.003  # of the shown items of other categories the user skips


def _tastes(users: list[AppUser]) -> dict[int, set[str]]:
    """Each user's liked categories: those of their three most frequent categories so far."""
    counts: dict[int, dict[str, int]] = {}
    rows = Event.objects.filter(user__in=users).values_list("user_id", "item__category_path")
    for user, category in rows.iterator():
        bucket = counts.setdefault(user, {})
        bucket[category] = bucket.get(category, 0) + 1
    return {u: {c for c, _n in sorted(b.items(), key=lambda kv: -kv[1])[:3]} for u, b in counts.items()}


def simulate_traffic(
    *,
    users: int = 500,
    days: int = 7,
    slot: str = "items",
    seed: int = 7,
    reactions: Reactions | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Serve `users` known users once a day for the last `days` days and store their reactions."""
    reactions = reactions or Reactions()
    rng = random.Random(seed)
    sample = list(AppUser.objects.filter(events__isnull=False).distinct().order_by("pk")[: users * 3])
    rng.shuffle(sample)
    sample = sample[:users]
    tastes = _tastes(sample)
    category = dict(Item.objects.values_list("external_id", "category_path"))
    price = dict(Item.objects.values_list("external_id", "price"))
    shop_items = _shop_items() if slot == "shops" else {}
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    events: list[dict] = []
    served = stored = 0
    for day in range(days, 0, -1):
        start = today - dt.timedelta(days=day)
        for user in sample:
            at = start + dt.timedelta(seconds=rng.randrange(8 * 3600, 22 * 3600))
            result = recommend(slot, user.external_id, limit=20, now=at, explain=False)
            served += 1
            liked = tastes.get(user.pk, set())
            listed = result.recommendation_id
            for rank, item_id in _shown_items(result, shop_items, liked, category, rng):
                likes = category.get(item_id) in liked
                decay = 1.0 / (1.0 + 0.15 * rank)
                if rng.random() >= (reactions.view_liked if likes else reactions.view_other) * decay:
                    if not likes and rng.random() < reactions.not_interested:
                        turned = at + dt.timedelta(seconds=rng.randrange(10, 600))
                        events.append(_event(user, item_id, day, "not_interested", turned, listed, rng))
                    continue
                clock = at + dt.timedelta(seconds=rng.randrange(10, 3600))
                carry = listed if slot == "shops" or rng.random() < 0.5 else ""
                steps = ["view"]
                if rng.random() < reactions.favorite:
                    steps.append("favorite")
                if rng.random() < (reactions.cart_liked if likes else reactions.cart_other):
                    steps.append("cart_add")
                    if rng.random() < reactions.purchase:
                        steps.append("purchase")
                for kind in steps:
                    clock += dt.timedelta(seconds=rng.randrange(5, 600))
                    events.append(
                        _event(user, item_id, day, kind, clock, carry, rng) | _purchase_value(kind, price.get(item_id))
                    )
            if progress:
                progress(1)
        impressions_flush()
        for start_row in range(0, len(events), BATCH):
            stored += event_batch_ingest(events[start_row : start_row + BATCH], path="simulation").stored
        events = []
    return {"lists_served": served, "events_stored": stored}


def _shop_items() -> dict[int, list[str]]:
    """Each shop's published, in-stock items (external ids)."""
    out: dict[int, list[str]] = {}
    rows = Item.objects.filter(published=True, in_stock=True).values_list("shop_id", "external_id").order_by("pk")
    for shop, item in rows.iterator():
        out.setdefault(shop, []).append(item)
    return out


def _shown_items(
    result: Recommendation,
    shop_items: dict[int, list[str]],
    liked: set[str],
    category: dict[str, str],
    rng: random.Random,
) -> list[tuple[int, str]]:
    """(rank, item id) of what the user could react to on the page: the items of an items list, the items
    each feature shows (ranked after their feature), one item of each shop (of a liked category if it has one)."""
    shown = []
    for rank, entry in enumerate(result.entries, start=1):
        if result.slot == "features":
            items = (result.details.get(entry.key) or {}).get("items", [])[:FEATURE_ITEMS_SEEN]
            shown += [(rank + n, item) for n, item in enumerate(items)]
        elif result.slot == "shops":
            items = shop_items.get(entry.key, [])
            if items:
                favourites = [i for i in items if category.get(i) in liked]
                shown.append((rank, rng.choice(favourites or items)))
        elif (item := result.external_ids.get(entry.key)) is not None:
            shown.append((rank, item))
    return shown


def _event(
    user: AppUser, item_id: str, day: int, kind: str, at: dt.datetime, recommendation_id: str, rng: random.Random
) -> dict:
    """One event as the app sends it to POST /api/v1/events."""
    return {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
        "user_id": user.external_id,
        "item_id": item_id,
        "session_id": f"sim-{user.external_id}-{day}",
        "type": kind,
        "occurred_at": min(at, timezone.now()),
        "recommendation_id": recommendation_id,
    }


def _purchase_value(kind: str, price: object) -> dict:
    """A purchase of one unit is worth the item's price, sent as the app sends it (digits as text)."""
    return {"value": str(price), "quantity": 1} if kind == "purchase" and price is not None else {}
