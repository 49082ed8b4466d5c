"""The similar-items slot: the item's co-visitation neighbours, then its content neighbours (alike in title,
category, shop and price: items with few or no views have these), then popular items of its category."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from django.utils.translation import gettext as _

from recommendations.engine.algorithms.popularity import GLOBAL, category_segment
from recommendations.engine.categories import category_levels
from recommendations.errors import NotFound
from recommendations.models import Item
from recommendations.models.catalog import CATEGORY_SEPARATOR
from recommendations.services.serving import neighbour_cache
from recommendations.services.serving.context import ServingContext
from recommendations.services.serving.item_flags import item_flags
from recommendations.services.serving.lists import excluded_by_history, item_filter
from recommendations.services.serving.paging import slot_ng
from recommendations.services.serving.steps import Entry, entries_from_list, live_filter

SOURCE = "covisitation"
CONTENT = "content"


def subject_item(ctx: ServingContext) -> None:
    """Stage: the item the list is about; NotFound for an item recsite does not have."""
    item = Item.objects.filter(external_id=ctx.subject).values("pk", "category_path").first()
    if item is None:
        raise NotFound(f"No item with item_id '{ctx.subject[:128]}'.")
    ctx.subject_key, ctx.subject_category = item["pk"], item["category_path"]
    ctx.limit = ctx.limit or 20


def similar_fill(ctx: ServingContext) -> None:
    """Stage: co-visited items first, then items alike in title, category, shop and price, then popular
    items of the item's category from the finest level up, until the list holds `ctx.need`; filtered as
    user lists are (NG of the items slot, stock) and, for a given user, without what they bought or turned
    down."""
    state, key = ctx.state, ctx.subject_key
    assert key is not None  # the subject_item stage ran
    flags = item_flags()
    excluded: dict[int, str] = {key: "the item itself"}
    excluded.update(excluded_by_history(ctx.activity))
    allowed = item_filter(slot_ng(state, ctx.slot), flags, excluded, ctx.filters)
    ctx.algorithm, ctx.model_version = SOURCE, state.neighbours_version  # unless a tier has something
    ctx.pool = tiers_fill(ctx, _tiers(ctx), allowed)


def tiers_fill(
    ctx: ServingContext, tiers: Iterator[tuple[str, list[Entry]]], allowed: Callable[[int], str | None]
) -> list[Entry]:
    """Each tier's entries not seen in an earlier one and `allowed`, until the list holds `ctx.need`; the
    first tier with something names the list's algorithm and version. A tier is read only when reached."""
    pool: list[Entry] = []
    seen: set[int] = set()
    for group, (label, entries) in enumerate(tiers):
        fresh = [e for e in entries if e.key not in seen]
        seen.update(e.key for e in fresh)
        for entry in fresh:
            entry.group = group
        kept = live_filter(fresh, allowed, ctx.trace, label)
        if kept and not pool:
            ctx.algorithm, ctx.model_version = kept[0].source, kept[0].version
        pool += kept
        if len(pool) >= ctx.need:
            break
    return pool


def _tiers(ctx: ServingContext) -> Iterator[tuple[str, list[Entry]]]:
    """Each source of similar items in order, with its label for the trace (read only when reached)."""
    state, key = ctx.state, ctx.subject_key
    assert key is not None
    covisited: list[Entry] = []
    if state.neighbours_version is not None:
        found = neighbour_cache.covisited(state.neighbours_version, [key]).get(key)
        if found is not None:
            covisited = entries_from_list(*found, SOURCE, state.neighbours_version)
    label = _("%(count)s co-visited item(s) (version %(version)s)") % {
        "count": len(covisited),
        "version": state.neighbours_version or "-",
    }
    ctx.trace.step("candidates", label)
    yield label, covisited
    alike = neighbour_cache.alike([key]).get(key)
    entries = entries_from_list(*alike, CONTENT, None) if alike is not None else []
    label = _("%(count)s item(s) alike in title, category, shop and price") % {"count": len(entries)}
    ctx.trace.step("backfill", label)
    yield label, entries
    for level in reversed(category_levels(ctx.subject_category, CATEGORY_SEPARATOR)):
        popular = state.segment_lists.get(("items", category_segment(level)))
        if popular is None:
            continue
        label = _("popular in %(category)s") % {"category": level}
        ctx.trace.step("backfill", label)
        yield label, entries_from_list(*popular, "popularity", state.segment_version)
    # a version published before category lists existed has only the list of everything: its items of the
    # same top-level category
    popular = state.segment_lists.get(("items", GLOBAL))
    if popular is not None:
        flags = item_flags()
        top = flags.top_categories_of(np.asarray([key], dtype=np.int64))[0]
        same = flags.top_categories_of(popular[0]) == top
        label = _("popular items of the same top-level category")
        ctx.trace.step("backfill", label)
        yield label, entries_from_list(*popular, "popularity", state.segment_version, same)
