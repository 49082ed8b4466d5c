"""The fill stages of the items and shops slots: session re-rank, live filters, cap, backfill, boosts, pins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
from django.conf import settings
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recommendations.models import EventType
from recommendations.services.serving import neighbour_cache, reads
from recommendations.services.serving.context import ServingContext
from recommendations.services.serving.exploration import explore
from recommendations.services.serving.item_flags import ItemFlags, item_flags
from recommendations.services.serving.ng_view import NgView, mask_lookup
from recommendations.services.serving.request_filter import NO_FILTER, OUTSIDE, RequestFilter
from recommendations.services.serving.sources import Source
from recommendations.services.serving.specs import PinSpec, SlotSpec
from recommendations.services.serving.state import ServingState
from recommendations.services.serving.steps import (
    Entry,
    Trace,
    boosts_apply,
    entries_from_list,
    list_filter,
    live_filter,
    pins_place,
    removed_because,
    session_rerank,
)
from recommendations.services.serving.variety import category_cap, fatigue_demote, shop_cap

# Entries kept under a recommendation_id for `offset` to page through: pins further down never show.
MAX_LIST = 200
SESSION_ITEMS = 10  # the latest distinct items of a session that steer the re-rank
SESSION_TYPES = {EventType.VIEW, EventType.FAVORITE, EventType.CART_ADD}


def pins_for(state: ServingState, slot: str, segments: list[str], now: dt.datetime, trace: Trace) -> list[PinSpec]:
    """Pins active now for the user's segments, within the longest list a user can page through."""
    pins = state.rules_for(state.pins, slot, segments, now)
    reachable = [p for p in pins if p.position <= MAX_LIST]
    if len(reachable) < len(pins):
        trace.step(
            "rules",
            _("%(count)s pin(s) past position %(last)s ignored")
            % {"count": len(pins) - len(reachable), "last": MAX_LIST},
        )
    return reachable


def items_fill(ctx: ServingContext) -> None:
    """Stage: the items list from the chain's sources, re-ranked by the session, filtered, capped per
    shop and backfilled until it holds `ctx.need`, with boosts, buries and pins applied."""
    assert ctx.spec is not None  # the variant stage ran
    ctx.pool = items_list(
        ctx.spec,
        ctx.state,
        ctx.sources,
        ctx.activity,
        ctx.segments,
        ctx.need,
        ctx.now,
        ctx.trace,
        ctx.filters,
        shown=ctx.shown,
        user_id=ctx.user_id,
    )


def shops_fill(ctx: ServingContext) -> None:
    """Stage: the shops list from the chain's sources, NG shops removed, backfilled, boosts and pins applied."""
    ctx.pool = shops_list(ctx.state, ctx.sources, ctx.segments, ctx.need, ctx.now, ctx.trace, ctx.filters)


# Why an item may not be served, worded only when shown (the preview): the API asks for hundreds a request.
NOT_SERVABLE = gettext_lazy("not servable: unpublished, sold out or no longer listed")
NOT_INTERESTED = gettext_lazy("marked not interested")


def _bought_on(moment: dt.datetime) -> str:
    return _("bought on %(day)s") % {"day": timezone.localtime(moment).strftime("%Y/%m/%d")}


_bought_on_lazy = lazy(_bought_on, str)


def excluded_by_history(activity: list[reads.Activity]) -> dict[int, str]:
    """The items the user bought or marked not interested, with why they are left out."""
    excluded: dict[int, str] = {}
    for event in activity:
        if event.item in excluded:
            continue
        if event.type == EventType.PURCHASE:
            excluded[event.item] = _bought_on_lazy(event.occurred_at)
        elif event.type == EventType.NOT_INTERESTED:
            excluded[event.item] = NOT_INTERESTED
    return excluded


def items_list(
    spec: SlotSpec,
    state: ServingState,
    sources: list[Source],
    activity: list[reads.Activity],
    segments: list[str],
    need: int,
    now: dt.datetime,
    trace: Trace,
    filters: RequestFilter = NO_FILTER,
    shown: dict[int, int] | None = None,
    user_id: str = "",
) -> list[Entry]:
    """The ranked items list: sources re-ranked by the session, filtered, capped, backfilled to `need`, tired
    items moved down (`shown`: the user's unopened impressions, reads.user_context), boosts applied, new items
    explored and pins placed."""
    excluded = excluded_by_history(activity)
    session_items = list(dict.fromkeys(a.item for a in activity if a.in_session and a.type in SESSION_TYPES))
    session_items = session_items[:SESSION_ITEMS]
    pins = pins_for(state, "items", segments, now, trace)
    flags = item_flags()
    ng = state.ng["items"]
    allowed = item_filter(ng, flags, excluded, filters)

    excluded_keys = np.fromiter(excluded, dtype=np.int64, count=len(excluded))

    def ok_mask(keys: np.ndarray) -> np.ndarray:
        ok = flags.servable_mask(keys) & ~mask_lookup(ng.item_mask, keys)
        ok &= ~mask_lookup(ng.shop_mask, flags.shops_of(keys))
        if ng.categories:
            ok &= ~mask_lookup(ng.category_code_mask(flags.categories), flags.category_codes_of(keys))
        if filters:
            ok &= filters.item_mask(keys, flags)
        return ok & ~np.isin(keys, excluded_keys) if len(excluded_keys) else ok

    def take(group: int, source: Source, seen: set[int]) -> list[Entry]:
        new = list_filter(
            source.keys,
            source.scores,
            source.algorithm,
            source.version,
            ok_mask(source.keys),
            allowed,
            trace,
            source.label,
        )
        if group == 0:
            neighbours = {}
            if session_items and state.neighbours_version is not None:
                neighbours = neighbour_cache.covisited(state.neighbours_version, session_items)
            new = session_rerank(new, session_items, neighbours, settings.SESSION_BOOST, trace)
            new = [e for e in new if e.source != "session" or _keep_added(e, allowed, trace)]
        return [e for e in new if e.key not in seen]

    def capped(pool: list[Entry]) -> list[Entry]:
        keys = np.fromiter((e.key for e in pool), dtype=np.int64, count=len(pool))
        pool = shop_cap(pool, flags.shops_of(keys), spec.per_shop_cap, trace)
        if spec.per_category_cap:
            keys = np.fromiter((e.key for e in pool), dtype=np.int64, count=len(pool))
            pool = category_cap(pool, flags.top_categories_of(keys), flags.top_categories, spec.per_category_cap, trace)
        return pool

    pool = _backfilled(sources, need, trace, take, capped)
    if spec.fatigue_shows:
        pool = fatigue_demote(pool, shown or {}, spec.fatigue_shows, spec.fatigue_days, trace)
    boosts = state.rules_for(state.boosts, "items", segments, now)
    pool = boosts_apply(pool, boosts, lambda k: (flags.shop_of(k), flags.category_of(k)), trace)
    if spec.exploration_share:
        pool = explore(pool, spec, flags, session_items, allowed, user_id, now, trace)
    return _with_pins(pool, pins, allowed, trace)


def _backfilled(
    sources: list[Source],
    need: int,
    trace: Trace,
    take: Callable[[int, Source, set[int]], list[Entry]],
    settle: Callable[[list[Entry]], list[Entry]] = lambda pool: pool,
) -> list[Entry]:
    """Entries of the first source, then of each next one while fewer than `need` survive.

    `take(group, source, seen)` gives a source's entries that may be served, leaving out the keys in
    `seen` (every key added so far, kept or capped); each entry remembers the group (source) it came
    from. `settle` runs on the pool after each source (the per-shop cap).
    """
    pool: list[Entry] = []
    seen: set[int] = set()
    for group, source in enumerate(sources):
        new = take(group, source, seen)
        for entry in new:
            entry.group = group
            seen.add(entry.key)
        pool = settle(pool + new)
        if len(pool) >= need:
            break
        if group + 1 < len(sources):
            trace.step(
                "backfill",
                _("%(left)s left of %(need)s wanted: adding %(source)s")
                % {"left": len(pool), "need": need, "source": sources[group + 1].label},
            )
    return pool


def _keep_added(entry: Entry, allowed: Callable[[int], str | None], trace: Trace) -> bool:
    """Whether an item the session re-rank added may be served."""
    why = allowed(entry.key)
    if why is not None and trace.explain:
        trace.remove(entry.key, removed_because(why))
    return why is None


def item_filter(
    ng: NgView, flags: ItemFlags, excluded: dict[int, str], filters: RequestFilter = NO_FILTER
) -> Callable[[int], str | None]:
    """Why an item may not be served (NG, NG shop or category, not servable, the user's history, the request's
    filter), or None."""
    outside = filters.item_reason(flags)

    def allowed(key: int) -> str | None:
        if key in ng.items:
            return ng.items[key]
        if not flags.is_servable(key):
            return NOT_SERVABLE
        return ng.item_reason(key, flags.shop_of(key), flags.category_of(key)) or excluded.get(key) or outside(key)

    return allowed


def shop_filter(ng: NgView, filters: RequestFilter = NO_FILTER) -> Callable[[int], str | None]:
    """Why a shop may not be served (the request's exclude, NG), or None."""

    def allowed(key: int) -> str | None:
        if key in filters.exclude:
            return OUTSIDE["exclude"]
        return ng.shops.get(key)

    return allowed


def _with_pins(
    pool: list[Entry], pins: list[PinSpec], allowed: Callable[[int], str | None], trace: Trace
) -> list[Entry]:
    if not pins:
        return pool
    wanted = {pin.key for pin in pins}
    by_key = {e.key: e for e in pool if e.key in wanted}
    placed = []
    for pin in pins:
        why = allowed(pin.key)
        if why is None:
            placed.append((pin, by_key.get(pin.key) or Entry(pin.key, 0.0, "pinned", 0.0)))
        elif trace.explain:
            trace.removed[pin.key] = _("pin at position %(position)s not placed: %(why)s") % {
                "position": pin.position,
                "why": why,
            }
    return pins_place(pool, placed, trace)


def shops_list(
    state: ServingState,
    sources: list[Source],
    segments: list[str],
    need: int,
    now: dt.datetime,
    trace: Trace,
    filters: RequestFilter = NO_FILTER,
) -> list[Entry]:
    pins = pins_for(state, "shops", segments, now, trace)

    allowed = shop_filter(state.ng["shops"], filters)

    def take(group: int, source: Source, seen: set[int]) -> list[Entry]:
        # a shop already considered (kept or removed) is not considered again from a later source
        new = [
            e
            for e in entries_from_list(source.keys, source.scores, source.algorithm, source.version)
            if e.key not in seen
        ]
        seen.update(e.key for e in new)
        return live_filter(new, allowed, trace, source.label)

    pool = _backfilled(sources, need, trace, take)
    boosts = state.rules_for(state.boosts, "shops", segments, now)
    pool = boosts_apply(pool, boosts, lambda k: (k, ""), trace)
    return _with_pins(pool, pins, allowed, trace)
