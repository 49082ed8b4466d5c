"""The features slot: the published, in-schedule features a user sees first, each with its servable items.

Features are curated in curation/ and read here through its selectors; this module only decides what
may be shown (NG for the features slot, stock) and in which order (the user's category affinity).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _

from curation.models import Feature
from curation.selectors import features_item_keys, live_features
from recommendations.models import Event, Item
from recommendations.models.catalog import CATEGORY_SEPARATOR
from recommendations.services.serving import reads
from recommendations.services.serving.context import ServingContext
from recommendations.services.serving.item_flags import item_flags
from recommendations.services.serving.lists import item_filter
from recommendations.services.serving.paging import slot_ng
from recommendations.services.serving.result import Recommendation
from recommendations.services.serving.state import ServingState, current_state
from recommendations.services.serving.steps import Entry, removed_because

SOURCE = "feature"
ITEMS_PER_FEATURE = 8
AFFINITY_EVENTS = 300  # a user's latest events that say what they like


def servable_feature_items(keys: list[int], state: ServingState | None = None) -> list[int]:
    """Keys that may be shown in a feature now: not NG for the features slot, published and in stock."""
    return _servable(keys, _feature_item_filter(state or current_state()))


def _feature_item_filter(state: ServingState) -> Callable[[int], str | None]:
    return item_filter(slot_ng(state, "features"), item_flags(), {})


def _servable(keys: list[int], allowed: Callable[[int], str | None]) -> list[int]:
    return [k for k in keys if allowed(k) is None]


def _category_affinity(user_id: str) -> tuple[dict[str, float], set[int]]:
    """How much the user cares for each category (by their latest events, weighted by kind), and their items."""
    if not user_id:
        return {}, set()
    weights = settings.TRAINING_EVENT_WEIGHTS  # the same weights training gives each kind of event
    flags = item_flags()
    affinity: dict[str, float] = {}
    items = set()
    latest = Event.objects.filter(user__external_id=user_id).order_by("-occurred_at")
    events = latest.values_list("item_id", "type")[:AFFINITY_EVENTS]
    for item, kind in events:
        items.add(item)
        category = flags.category_of(item)
        for depth in range(1, category.count(CATEGORY_SEPARATOR) + 2):  # a liking for Home > Kitchen is some for Home
            path = CATEGORY_SEPARATOR.join(category.split(CATEGORY_SEPARATOR)[:depth])
            affinity[path] = affinity.get(path, 0.0) + weights.get(kind, 0.0) * depth
    return affinity, items


def _user_item_weights(ctx: ServingContext) -> tuple[dict[int, float], str]:
    """The user's items list from the first algorithm of the features variant's chain that has one for them,
    as weights from 1 (first) towards 0, and which version it came from; empty for anyone else."""
    state = ctx.state
    versions = state.versions_for(ctx.chain)
    if not ctx.user_id or not versions:
        return {}, ""
    lists = reads.user_context(ctx.user_id, "items", versions).lists
    for algorithm in ctx.chain:
        found = state.user_list(algorithm, lists)
        if found is not None:
            keys = found[1].tolist()
            weights = {k: 1.0 - i / len(keys) for i, k in enumerate(keys)}
            return weights, f"{algorithm} v{state.live_versions[algorithm]}"
    return {}, ""


def features_fill(ctx: ServingContext) -> None:
    """Stage: the live features that have something to show, those closest to what the user does first
    (then the newest), each with its servable items in the user's order: the variant's model where it has a
    list for them, their category affinity otherwise."""
    affinity, touched = _category_affinity(ctx.user_id)
    weights, model = _user_item_weights(ctx)
    ctx.algorithm = SOURCE
    flags = item_flags()
    scored = []
    live = list(live_features(ctx.now))
    items_of = features_item_keys(live)
    allowed = _feature_item_filter(ctx.state)
    for feature in live:
        keys = _servable(items_of[feature.pk], allowed)
        if not keys:
            why = _("feature '%(feature)s' has no item that may be shown now") % {"feature": feature.slug}
            ctx.trace.remove(feature.pk, removed_because(why))
            continue
        # hand-picked items lead in the merchandisers' order; the rest in the user's (stable: among items their
        # model and affinity cannot tell apart, the feature's own order stands)
        hand = set(items_of[feature.pk][: feature.hand_picked])
        rest = sorted(
            (k for k in keys if k not in hand),
            key=lambda k: (-weights.get(k, 0.0), -affinity.get(flags.category_of(k), 0.0)),
        )
        keys = [k for k in keys if k in hand] + rest
        score = sum(affinity.get(flags.category_of(k), 0.0) for k in keys[:20]) + 10.0 * len(touched & set(keys))
        score += 10.0 * sum(weights.get(k, 0.0) for k in keys[:ITEMS_PER_FEATURE])
        scored.append((score, feature.starts_at or feature.created_at, feature.pk))
        ctx.children[feature.pk] = keys[:ITEMS_PER_FEATURE]
    scored.sort(key=lambda s: (-s[0], -s[1].timestamp()))
    n = max(len(scored), 1)
    ctx.pool = [Entry(pk, score, SOURCE, 1.0 - i / n) for i, (score, _start, pk) in enumerate(scored)]
    by_affinity, by_age = _("by the user's category affinity, then newest"), _("newest first (no history to go by)")
    order = by_affinity if affinity else by_age
    ctx.trace.step(
        "candidates",
        _("%(live)s live feature(s), %(shown)s with items to show; ordered %(order)s")
        % {"live": len(live), "shown": len(scored), "order": order},
    )
    within = (
        _("items in each feature: hand-picked first, then by %(model)s for this user and category affinity")
        % {"model": model}
        if model
        else _("items in each feature: hand-picked first, then by the user's category affinity")
    )
    ctx.trace.step("candidates", within)


def feature_details(ctx: ServingContext, result: Recommendation) -> None:
    """What the app shows of each feature on the page: title, description, cover and its items' ids."""
    features = Feature.objects.in_bulk([e.key for e in result.entries])
    # a later page of a stored list: its features' items, checked again now
    missing = [features[e.key] for e in result.entries if e.key not in ctx.children]
    if missing:
        items_of, allowed = features_item_keys(missing), _feature_item_filter(ctx.state)
        for feature in missing:
            ctx.children[feature.pk] = _servable(items_of[feature.pk], allowed)[:ITEMS_PER_FEATURE]
    result.children = {e.key: ctx.children[e.key] for e in result.entries}
    external = dict(
        Item.objects.filter(pk__in=[k for keys in result.children.values() for k in keys]).values_list(
            "pk", "external_id"
        )
    )
    for entry in result.entries:
        feature = features[entry.key]
        result.details[entry.key] = {
            "title": feature.title,
            "description": feature.description,
            "cover_image_url": feature.cover_image_url,
            "items": [external[k] for k in result.children[entry.key] if k in external],
        }
