"""recommend(): one request's answer, and the trace of how it was made (the API sends the first,
the staff preview shows both).

Order: variant -> candidates along the variant's chain -> session re-rank -> live filters (NG,
unpublished, sold out, bought, not interested) -> per-shop cap -> backfill from the chain while the
list is short -> boosts and buries -> pins -> cut to the page. docs/serving.md explains each step.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from recommendations.engine.algorithms.popularity import GLOBAL, segment_path
from recommendations.errors import ApplicationError
from recommendations.models import EventType
from recommendations.services.serving import reads
from recommendations.services.serving.impressions import impression_log
from recommendations.services.serving.item_flags import ItemFlags, item_flags
from recommendations.services.serving.state import (
    NgView,
    PinSpec,
    ServingState,
    SlotSpec,
    current_state,
    mask_lookup,
)
from recommendations.services.serving.steps import (
    Entry,
    Trace,
    boosts_apply,
    entries_from_list,
    list_filter,
    live_filter,
    pins_place,
    session_rerank,
    shop_cap,
    variant_pick,
)

MAX_LIMIT = 100
# Entries kept under a recommendation_id for `offset` to page through; backfill fills a list to at
# least PAGE_POOL so a few pages of infinite scroll follow the first.
MAX_LIST = 200
PAGE_POOL = 60
POPULARITY_ALGORITHMS = {"segment_popularity", "popularity", "trending"}
SESSION_ITEMS = 10  # the latest distinct items of a session that steer the re-rank
SESSION_TYPES = {EventType.VIEW, EventType.FAVORITE, EventType.CART_ADD}
LIST_KEY = "serving:list:{}"


@dataclass
class Recommendation:
    recommendation_id: str
    slot: str
    variant: str
    algorithm: str  # what supplied the list (the first of the chain that had one)
    model_version: int | None
    offset: int
    entries: list[Entry]  # this page, in order
    external_ids: dict[int, str]  # key -> item or shop id
    total: int  # entries the recommendation_id can page through
    trace: Trace = field(default_factory=Trace)
    user_known: bool = True


@dataclass
class _Source:
    algorithm: str
    keys: np.ndarray
    scores: np.ndarray
    version: int | None
    label: str


def recommend(
    slot: str,
    user_id: str,
    *,
    limit: int | None = None,
    offset: int = 0,
    session_id: str = "",
    recommendation_id: str | None = None,
    variant: str | None = None,
    now: dt.datetime | None = None,
    log: bool = True,
    explain: bool = True,
) -> Recommendation:
    """The `slot` list for a user as the API serves it; `variant` forces one (the staff preview).

    With `explain`, the trace says why each removed entry went; the API leaves it off to save time.
    """
    now = now or timezone.now()
    state = current_state()
    spec = state.slots.get(slot)
    if spec is None or slot not in ("items", "shops"):
        raise ApplicationError(f"Slot '{slot}' is not configured; add it in the admin under Recommendations > Slots.")
    limit = limit or spec.size
    trace = Trace(explain=explain)
    if recommendation_id:
        stored = cache.get(LIST_KEY.format(recommendation_id))
        if stored and stored["user"] == user_id and stored["slot"] == slot:
            result = _page_of_stored(state, stored, recommendation_id, offset, limit, trace)
            if log:
                _log(result, user_id, None)
            return result
        # not stored yet (lists are stored off the request path), or expired: the same inputs give
        # the same list, ranked again under the id the app holds
        trace.step("paging", f"recommendation {recommendation_id} not stored: ranked again under the same id")
    pinned = variant or state.user_variants.get((slot, user_id))
    chosen = variant_pick(spec, user_id, pinned, trace)
    chain = list(chosen.chain) if chosen else ["segment_popularity", "popularity"]
    versions = [state.live_versions[a] for a in chain if a in state.live_versions]
    since = now - dt.timedelta(minutes=settings.SESSION_WINDOW_MINUTES) if slot == "items" else None
    user, lists, activity = reads.user_context(user_id, slot, versions, since, session_id)
    segments = _segments(user, now)
    sources = _sources(slot, chain, segments, lists, state, trace)
    if user is None:
        trace.step("user", "unknown to recsite: popularity for everyone")
    need = max(offset + limit, PAGE_POOL)
    if slot == "items":
        entries = _items(spec, state, sources, activity, segments, need, now, trace)
    else:
        entries = _shops(state, sources, segments, need, now, trace)
    page, external_ids = live_page(slot, entries, offset, limit, state.ng[slot], trace)
    first = sources[0] if sources else None
    result = Recommendation(
        recommendation_id=recommendation_id or str(uuid.uuid4()),
        slot=slot,
        variant=chosen.name if chosen else "",
        algorithm=first.algorithm if first else "",
        model_version=first.version if first else None,
        offset=offset,
        entries=page,
        external_ids=external_ids,
        total=len(entries),
        trace=trace,
        user_known=user is not None,
    )
    trace.step("cut", f"{len(page)} from position {offset + 1} of {len(entries)}")
    stored = _stored_list(result, entries[:MAX_LIST], user_id) if len(entries) > offset + limit else None
    if log:
        _log(result, user_id, user.pk if user else None, stored)
    return result


def _segments(user: reads.UserRow | None, now: dt.datetime) -> list[str]:
    """The user's segments, coarsest ('all') first; only 'all' for a user recsite does not know."""
    if user is None:
        return [GLOBAL]
    return segment_path({"gender": user.gender, "birth_year": user.birth_year, "region": user.region}, now.year)


def _sources(
    slot: str,
    chain: list[str],
    segments: list[str],
    lists: dict[int, tuple[np.ndarray, np.ndarray]],
    state: ServingState,
    trace: Trace,
) -> list[_Source]:
    """Each chain entry's list for this user, in chain order; the trace says why an entry had none."""
    sources, missing = [], []
    for algorithm in chain:
        version = state.live_versions.get(algorithm)
        if version is not None and version in lists:
            keys, scores = lists[version]
            sources.append(_Source(algorithm, keys, scores, version, f"{algorithm} v{version}"))
            continue
        if algorithm in POPULARITY_ALGORITHMS and state.segment_version is not None:
            path = segments if algorithm == "segment_popularity" else [GLOBAL]
            for segment in reversed(path):
                if (slot, segment) in state.segment_lists:
                    keys, scores = state.segment_lists[(slot, segment)]
                    label = f"{algorithm} (segment {segment}, v{state.segment_version})"
                    sources.append(_Source(algorithm, keys, scores, state.segment_version, label))
                    break
            else:
                missing.append(f"{algorithm}: no segment list")
            continue
        if version is None:
            missing.append(f"{algorithm}: no live version")
        elif segments == [GLOBAL]:  # only for a user recsite does not know
            missing.append(f"{algorithm}: user unknown")
        else:
            missing.append(f"{algorithm}: user not in v{version} (no events before it was trained)")
    used = " -> ".join(s.label for s in sources) or "nothing"
    trace.step(
        "candidates",
        f"chain {' -> '.join(chain)}; lists: {used}" + (f"; skipped {'; '.join(missing)}" if missing else ""),
    )
    return sources


def _pins(state: ServingState, slot: str, segments: list[str], now: dt.datetime, trace: Trace) -> list[PinSpec]:
    """Pins active now for the user's segments, within the longest list a user can page through."""
    pins = state.rules_for(state.pins, slot, segments, now)
    reachable = [p for p in pins if p.position <= MAX_LIST]
    if len(reachable) < len(pins):
        trace.step("rules", f"{len(pins) - len(reachable)} pin(s) past position {MAX_LIST} ignored")
    return reachable


def excluded_by_history(activity: list[reads.Activity]) -> dict[int, str]:
    excluded: dict[int, str] = {}
    for event in activity:
        if event.type == EventType.PURCHASE:
            excluded.setdefault(event.item, f"bought on {event.occurred_at:%Y-%m-%d}")
        elif event.type == EventType.NOT_INTERESTED:
            excluded.setdefault(event.item, "marked not interested")
    return excluded


def _items(
    spec: SlotSpec,
    state: ServingState,
    sources: list[_Source],
    activity: list[reads.Activity],
    segments: list[str],
    need: int,
    now: dt.datetime,
    trace: Trace,
) -> list[Entry]:
    excluded = excluded_by_history(activity)
    session_items = list(dict.fromkeys(a.item for a in activity if a.in_session and a.type in SESSION_TYPES))
    session_items = session_items[:SESSION_ITEMS]
    pins = _pins(state, "items", segments, now, trace)
    flags = item_flags()
    ng = state.ng["items"]
    allowed = item_filter(ng, flags, excluded)

    excluded_keys = np.fromiter(excluded, dtype=np.int64, count=len(excluded))

    def ok_mask(keys: np.ndarray) -> np.ndarray:
        ok = flags.servable_mask(keys) & ~mask_lookup(ng.item_mask, keys)
        ok &= ~mask_lookup(ng.shop_mask, flags.shops_of(keys))
        if ng.categories:
            ok &= ~mask_lookup(ng.category_code_mask(flags.categories), flags.category_codes_of(keys))
        return ok & ~np.isin(keys, excluded_keys) if len(excluded_keys) else ok

    pool: list[Entry] = []
    seen: set[int] = set()
    for group, source in enumerate(sources):
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
                neighbours = reads.item_neighbours(state.neighbours_version, session_items)
            new = session_rerank(new, session_items, neighbours, settings.SESSION_BOOST, trace)
            new = [e for e in new if e.source != "session" or _keep_added(e, allowed, trace)]
        new = [e for e in new if e.key not in seen]
        for entry in new:
            entry.group = group
            seen.add(entry.key)
        pool += new
        shops = flags.shops_of(np.fromiter((e.key for e in pool), dtype=np.int64, count=len(pool)))
        pool = shop_cap(pool, shops, spec.per_shop_cap, trace)
        if len(pool) >= need:
            break
        if group + 1 < len(sources):
            trace.step("backfill", f"{len(pool)} left of {need} wanted: adding {sources[group + 1].label}")
    boosts = state.rules_for(state.boosts, "items", segments, now)
    pool = boosts_apply(pool, boosts, lambda k: (flags.shop_of(k), flags.category_of(k)), trace)
    return _with_pins(pool, pins, allowed, trace)


def _keep_added(entry: Entry, allowed: Callable[[int], str | None], trace: Trace) -> bool:
    """Whether an item the session re-rank added may be served."""
    why = allowed(entry.key)
    if why is not None and trace.explain:
        trace.remove(entry.key, f"removed: {why}")
    return why is None


def item_filter(ng: NgView, flags: ItemFlags, excluded: dict[int, str]) -> Callable[[int], str | None]:
    """Why an item may not be served (NG, NG shop or category, not servable, the user's history), or None."""

    def allowed(key: int) -> str | None:
        if key in ng.items:
            return ng.items[key]
        if not flags.is_servable(key):
            return "not servable: unpublished, sold out or no longer listed"
        shop = flags.shop_of(key)
        if shop in ng.shops:
            return ng.shops[shop]
        if ng.categories and (why := ng.category_reason(flags.category_of(key))):
            return why
        return excluded.get(key)

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
        else:
            trace.removed[pin.key] = f"pin at position {pin.position} not placed: {why}"
    return pins_place(pool, placed, trace)


def _shops(
    state: ServingState, sources: list[_Source], segments: list[str], need: int, now: dt.datetime, trace: Trace
) -> list[Entry]:
    pins = _pins(state, "shops", segments, now, trace)

    ng = state.ng["shops"]

    def allowed(key: int) -> str | None:
        return ng.shops.get(key)

    pool: list[Entry] = []
    seen: set[int] = set()
    for group, source in enumerate(sources):
        new = [
            e
            for e in entries_from_list(source.keys, source.scores, source.algorithm, source.version)
            if e.key not in seen
        ]
        for entry in new:
            entry.group = group
            seen.add(entry.key)
        pool += live_filter(new, allowed, trace, source.label)
        if len(pool) >= need:
            break
        if group + 1 < len(sources):
            trace.step("backfill", f"{len(pool)} left of {need} wanted: adding {sources[group + 1].label}")
    boosts = state.rules_for(state.boosts, "shops", segments, now)
    pool = boosts_apply(pool, boosts, lambda k: (k, ""), trace)
    return _with_pins(pool, pins, allowed, trace)


def live_page(
    slot: str, pool: list[Entry], offset: int, limit: int, ng: NgView, trace: Trace
) -> tuple[list[Entry], dict[int, str]]:
    """The page at `offset`, each entry checked live against the database (and the NG lists) as it is
    served; entries found unservable are dropped from `pool` and the page fills from the entries after."""
    external_ids: dict[int, str] = {}
    start = offset
    while True:
        window = [e for e in pool[start : offset + limit] if e.key not in external_ids]
        if not window:
            break
        keys = [e.key for e in window]
        if slot == "shops":
            found = {k: name for k, name in reads.existing_shops(keys).items() if k not in ng.shops}
        else:
            rows = reads.servable_items(keys)
            found = {
                k: r.external_id
                for k, r in rows.items()
                if k not in ng.items and r.shop not in ng.shops and ng.category_reason(r.category) is None
            }
        external_ids.update(found)
        gone = [e for e in window if e.key not in found]
        if not gone:
            break
        for entry in gone:
            trace.remove(entry.key, "removed: no longer servable when the page was served")
        gone_keys = {e.key for e in gone}
        pool[:] = [e for e in pool if e.key not in gone_keys]
        start = offset + limit - len(gone)
    return pool[offset : offset + limit], external_ids


def _stored_list(result: Recommendation, entries: list[Entry], user_id: str) -> tuple[str, dict]:
    """The cache key and value that let later pages of this recommendation be served from it."""
    sources = sorted({e.source for e in entries})
    return (
        LIST_KEY.format(result.recommendation_id),
        {
            "user": user_id,
            "slot": result.slot,
            "variant": result.variant,
            "algorithm": result.algorithm,
            "version": result.model_version,
            # packed: a few KB of pickled tuples per request was a visible share of its time
            "keys": np.fromiter((e.key for e in entries), dtype="<i8", count=len(entries)).tobytes(),
            "scores": np.fromiter((e.score for e in entries), dtype="<f4", count=len(entries)).tobytes(),
            "sources": sources,
            "source_codes": bytes(sources.index(e.source) for e in entries),
        },
    )


def _page_of_stored(
    state: ServingState, stored: dict, recommendation_id: str, offset: int, limit: int, trace: Trace
) -> Recommendation:
    """A later page of a list already served, checked again against NG lists and stock."""
    keys = np.frombuffer(stored["keys"], dtype="<i8").tolist()
    scores = np.frombuffer(stored["scores"], dtype="<f4").tolist()
    sources = [stored["sources"][code] for code in stored["source_codes"]]
    pool = [Entry(k, score, source, 0.0) for k, score, source in zip(keys, scores, sources, strict=True)]
    page, external_ids = live_page(stored["slot"], pool, offset, limit, state.ng[stored["slot"]], trace)
    trace.step("paging", f"page at {offset + 1} of recommendation {recommendation_id}")
    return Recommendation(
        recommendation_id=recommendation_id,
        slot=stored["slot"],
        variant=stored["variant"],
        algorithm=stored["algorithm"],
        model_version=stored["version"],
        offset=offset,
        entries=page,
        external_ids=external_ids,
        total=len(keys),
        trace=trace,
    )


def _log(result: Recommendation, user_id: str, user_pk: int | None, stored: tuple[str, dict] | None = None) -> None:
    impression_log(
        {
            "recommendation_id": result.recommendation_id,
            "user_id": user_id,
            "user_pk": user_pk,
            "slot": result.slot,
            "variant": result.variant,
            "algorithm": result.algorithm,
            "model_version": result.model_version,
            "offset": result.offset,
            "keys": [e.key for e in result.entries],
            "served_at": timezone.now(),
            "stored_list": stored,
        }
    )
