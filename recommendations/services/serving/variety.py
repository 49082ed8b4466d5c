"""Variety and rotation: caps per shop and per category, and impression fatigue.

Each is a pure function over a ranked list that notes what it did in the Trace, like steps.py.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from django.utils.translation import gettext as _

from recommendations.services.serving.steps import Entry, Trace, item_ref, removed_because, shop_ref

# Fatigued entries sort after every other group (steps.Entry.group) and keep their order among themselves.
FATIGUED_GROUP = 1_000


def _ranks_within(groups: np.ndarray) -> np.ndarray:
    """Each position's rank among the positions of its group, in list order, without a Python loop."""
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ordered)) + 1]
    ranks = np.empty(len(groups), dtype=np.int64)
    ranks[order] = np.arange(len(groups)) - np.repeat(starts, np.diff(np.r_[starts, len(groups)]))
    return ranks


def _capped(
    entries: list[Entry], groups: np.ndarray, cap: int, trace: Trace, why: Callable[[int], str]
) -> tuple[list[Entry], int]:
    """The entries past the `cap`-th of their group removed (a negative group is never capped), each removal
    noted with `why(group)`; and how many went."""
    keep = (_ranks_within(groups) < cap) | (groups < 0)
    if keep.all():
        return entries, 0
    if trace.explain:
        for i in np.flatnonzero(~keep).tolist():
            trace.remove(entries[i].key, removed_because(why(int(groups[i]))))
    return [entries[i] for i in np.flatnonzero(keep).tolist()], int((~keep).sum())


def shop_cap(entries: list[Entry], shops: np.ndarray, cap: int, trace: Trace) -> list[Entry]:
    """At most `cap` entries of any one shop (`shops`: each entry's shop, -1 if unknown); 0 means no cap."""
    if cap <= 0 or not entries:
        return entries
    kept, removed = _capped(
        entries,
        shops,
        cap,
        trace,
        lambda shop: _("%(shop)s already has %(cap)s item(s) in the list") % {"shop": shop_ref(shop), "cap": cap},
    )
    if removed:
        trace.step("rules", _("per-shop cap %(cap)s removed %(count)s") % {"cap": cap, "count": removed})
    return kept


def category_cap(entries: list[Entry], tops: np.ndarray, names: list[str], cap: int, trace: Trace) -> list[Entry]:
    """At most `cap` entries of any one top-level category (`tops`: each entry's code into `names`, -1 if it
    has none, never capped); 0 means no cap."""
    if cap <= 0 or not entries:
        return entries
    kept, removed = _capped(
        entries,
        tops,
        cap,
        trace,
        lambda top: (
            _("category %(category)s already has %(cap)s item(s) in the list") % {"category": names[top], "cap": cap}
        ),
    )
    if removed:
        trace.step("diversity", _("per-category cap %(cap)s removed %(count)s") % {"cap": cap, "count": removed})
    return kept


def fatigue_demote(entries: list[Entry], shown: dict[int, int], shows: int, days: int, trace: Trace) -> list[Entry]:
    """Move to the end the entries the user was shown at least `shows` times in `days` days without opening
    (`shown`: key -> pages that showed it, unopened); 0 `shows` means off."""
    if shows <= 0 or not entries:
        return entries
    tired = [e for e in entries if shown.get(e.key, 0) >= shows]
    if tired:
        for entry in tired:
            entry.group += FATIGUED_GROUP
            entry.notes.append(
                _("fatigue: shown %(count)s times in %(days)s days without being opened, moved down")
                % {"count": shown[entry.key], "days": days}
            )
        entries = sorted(entries, key=lambda e: e.group >= FATIGUED_GROUP)  # stable: order kept within each part
    trace.step(
        "fatigue",
        _("%(count)s item(s) shown %(shows)s+ times in %(days)s days without being opened moved to the end%(items)s")
        % {
            "count": len(tired),
            "shows": shows,
            "days": days,
            "items": (": " + ", ".join(item_ref(e.key) for e in tired[:5])) if tired and trace.explain else "",
        },
    )
    return entries
