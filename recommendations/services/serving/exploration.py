"""Exploration: a share of a list's positions given to new items, so they earn the views a model needs.

A model learns an item only from events, and an item gets events only by being shown; a marketplace of
small shops lists new items every day. The slot's exploration share (set by merchandisers) gives every
n-th position after the first few to an item listed within the slot's new-item window, chosen for the
user: first items whose title, category, shop and price are like what the user just looked at or
what their list starts with (content neighbours, refreshed hourly), then new items of the categories
their list favours, then any new item. The last two tiers are shuffled per user and day, so new items
share the exposure instead of the newest few taking it all. Entries are marked `exploration`, and the
impression records which, so the experiment report measures them apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _

from recommendations.services.serving import neighbour_cache
from recommendations.services.serving.item_flags import ItemFlags
from recommendations.services.serving.specs import SlotSpec
from recommendations.services.serving.steps import Entry, Trace, item_ref, variant_bucket

SOURCE = "exploration"
SEEDS_FROM_LIST = 5  # the list's first entries stand for the user's taste besides their session
SEED_FADE = 0.8  # each later seed counts this much less
DRAWN_PER_TIER = 200  # new items considered per tier, at random


def exploration_positions(length: int, share: int, after: int) -> list[int]:
    """The 0-based positions of a `length`-long list given to exploration: `share` percent of them,
    spread evenly, none among the first `after`."""
    if share <= 0:
        return []
    return [p - 1 for p in range(after + 1, length + 1) if (p * share) // 100 > ((p - 1) * share) // 100]


def explore(
    pool: list[Entry],
    spec: SlotSpec,
    flags: ItemFlags,
    session_items: list[int],
    allowed: Callable[[int], str | None],
    user_id: str,
    now: dt.datetime,
    trace: Trace,
) -> list[Entry]:
    """The list with new items placed at the slot's exploration positions."""
    positions = exploration_positions(len(pool), spec.exploration_share, spec.exploration_after)
    if not positions:
        return pool
    fresh, tops, fresh_keys = flags.new_since(now - dt.timedelta(days=spec.new_item_days))
    in_pool = {e.key for e in pool}
    seeds = list(dict.fromkeys([*session_items, *(e.key for e in pool[:SEEDS_FROM_LIST])]))
    chosen: list[Entry] = []
    for key, score, why in _candidates(fresh, tops, fresh_keys, seeds, flags, user_id, now):
        if key not in in_pool and allowed(key) is None:
            in_pool.add(key)
            chosen.append(_entry(key, score, flags, why if trace.explain else None))
            if len(chosen) == len(positions):
                break
    out = list(pool)
    for position, entry in zip(positions, chosen, strict=False):
        out.insert(position, entry)
    trace.step(
        "exploration",
        _(
            "%(share)s%% of positions after the first %(after)s: %(placed)s new item(s) (listed within %(days)s "
            "days; %(fresh)s candidate(s)) at position(s) %(positions)s"
        )
        % {
            "share": spec.exploration_share,
            "after": spec.exploration_after,
            "placed": len(chosen),
            "days": spec.new_item_days,
            "fresh": len(fresh),
            "positions": ", ".join(str(p + 1) for p in positions[: len(chosen)]) or "-",
        },
    )
    return out


def _candidates(
    fresh: np.ndarray,
    tops: np.ndarray,
    fresh_keys: frozenset[int],
    seeds: list[int],
    flags: ItemFlags,
    user_id: str,
    now: dt.datetime,
) -> Iterator[tuple[int, float, Callable[[], str]]]:
    """New items best first for this user, as (key, score, why): like their seeds, then of their seeds'
    categories, then any (`tops`: each fresh item's top-level category). `why` is called only for the
    entries placed, and only for the preview's notes."""
    if not len(fresh):
        return
    strength: dict[int, tuple[float, int]] = {}
    if seeds:
        found = neighbour_cache.alike(seeds)
        for age, seed in enumerate(seeds):
            keys, scores = found.get(seed, (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)))
            for key, score in zip(keys.tolist(), scores.tolist(), strict=True):
                value = score * SEED_FADE**age
                if key in fresh_keys and value > strength.get(key, (0.0, 0))[0]:
                    strength[key] = (value, seed)
    for key, (value, seed) in sorted(strength.items(), key=lambda kv: -kv[1][0]):
        yield (
            key,
            value,
            lambda seed=seed, value=value: (
                _("like %(item)s (%(score)s)")
                % {
                    "item": item_ref(seed),
                    "score": f"{value:.2f}",
                }
            ),
        )
    # shuffled per user and day: new items share the exposure, and a user's list is stable within a day; a
    # bounded draw, since a page needs a handful of the thousands a busy marketplace lists in a week
    rng = np.random.default_rng(variant_bucket(f"exploration:{timezone.localdate(now)}", user_id))
    liked = np.isin(tops, flags.top_categories_of(np.asarray(seeds, dtype=np.int64)))
    for tier, why in ((fresh[liked], _of_a_liked_category), (fresh[~liked], _new)):
        drawn = rng.choice(len(tier), size=min(len(tier), DRAWN_PER_TIER), replace=False) if len(tier) else []
        for key in tier[drawn].tolist():
            if key not in strength:
                yield key, 0.0, why


def _of_a_liked_category() -> str:
    return _("new in a category the list favours")


def _new() -> str:
    return _("new")


def _entry(key: int, score: float, flags: ItemFlags, why: Callable[[], str] | None) -> Entry:
    """An exploration entry; with `why` (the preview), a note of when it was listed and why it was chosen."""
    if why is None:
        return Entry(key, score, SOURCE, 0.0)
    listed = dt.datetime.fromtimestamp(int(flags.listed[key]), tz=dt.UTC)
    day = timezone.localtime(listed).strftime("%Y/%m/%d")
    return Entry(
        key, score, SOURCE, 0.0, None, [_("exploration: listed %(day)s, %(why)s") % {"day": day, "why": why()}]
    )
