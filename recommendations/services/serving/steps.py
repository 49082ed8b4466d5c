"""The serving pipeline's steps: pure functions over a ranked list, each noting what it did in a Trace.

A list is ordered by each entry's `weight` (1 for a source's first entry down towards 0 for its
last), so steps that move entries (session, boosts) need no knowledge of any model's score scale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recommendations.services.serving.specs import BoostSpec, PinSpec, SlotSpec, VariantSpec

BUCKETS = 10_000
STEP_NAMES = {
    "variant": gettext_lazy("variant"),
    "user": gettext_lazy("user"),
    "candidates": gettext_lazy("candidates"),
    "filters": gettext_lazy("filters"),
    "session": gettext_lazy("session"),
    "rules": gettext_lazy("rules"),
    "diversity": gettext_lazy("diversity"),
    "fatigue": gettext_lazy("fatigue"),
    "exploration": gettext_lazy("exploration"),
    "backfill": gettext_lazy("backfill"),
    "cut": gettext_lazy("cut"),
    "paging": gettext_lazy("paging"),
    "outage": gettext_lazy("outage"),
}


def reason_group(why: object) -> str:
    """What a removal reason is counted under in the step summary: its text up to the first colon."""
    return str(why).split(":")[0]


def removed_because(why: object) -> str:
    """A removed entry's line in the preview."""
    return _("removed: %(why)s") % {"why": why}


@dataclass(slots=True)
class Entry:
    key: int
    score: float  # the proposing source's own score
    source: str  # the algorithm that proposed it, "session" or "pinned"
    weight: float  # what the list is ordered by
    version: int | None = None
    notes: list[str] = field(default_factory=list)
    group: int = 0  # 0: the main list; n: the n-th backfill (entries never move across groups)


@dataclass
class Trace:
    steps: list[str] = field(default_factory=list)
    removed: dict[int, str] = field(default_factory=dict)  # key -> why it is not in the list
    # False for the API: step summaries only, no reason per removed entry (the preview asks for them)
    explain: bool = True

    def step(self, name: str, text: str) -> None:
        self.steps.append(f"{STEP_NAMES.get(name, name)}: {text}")

    def remove(self, key: int, why: str) -> None:
        self.removed.setdefault(key, why)


def item_ref(key: int) -> str:
    """An item named in a trace line; the preview puts its title and id in its place."""
    return f"[[item:{key}]]"


def shop_ref(key: int) -> str:
    """A shop named in a trace line; the preview puts its name and id in its place."""
    return f"[[shop:{key}]]"


def variant_bucket(experiment: str, user_id: str) -> int:
    """A stable bucket in [0, BUCKETS) for (experiment, user): the same user lands in the same bucket."""
    digest = hashlib.blake2b(f"{experiment}\x1f{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def variant_pick(slot: SlotSpec, user_id: str, pinned: str | None, trace: Trace) -> VariantSpec | None:
    """The staff-pinned variant if any, else the one the user's bucket falls in, by the variants' weights."""
    if pinned and (variant := slot.variant(pinned)):
        trace.step(
            "variant",
            _("%(name)s (%(algorithm)s), pinned to this user by staff")
            % {"name": variant.name, "algorithm": variant.algorithm},
        )
        return variant
    live = [v for v in slot.variants if v.weight > 0]
    if not live:
        trace.step("variant", _("slot %(slot)s has no variant with a weight above 0") % {"slot": slot.slot})
        return None
    total = sum(v.weight for v in live)
    bucket = variant_bucket(slot.experiment, user_id)
    point, edge = bucket * total / BUCKETS, 0.0
    for variant in live:
        edge += variant.weight
        if point < edge:
            break
    trace.step(
        "variant",
        _(
            "%(name)s (%(algorithm)s): bucket %(bucket)s of %(buckets)s in experiment '%(experiment)s', "
            "weights %(weights)s"
        )
        % {
            "name": variant.name,
            "algorithm": variant.algorithm,
            "bucket": bucket,
            "buckets": BUCKETS,
            "experiment": slot.experiment,
            "weights": ", ".join(f"{v.name} {v.weight}" for v in live),
        },
    )
    return variant


def entries_from_list(
    keys: np.ndarray, scores: np.ndarray, source: str, version: int | None, keep: np.ndarray | None = None
) -> list[Entry]:
    """Entries for a ranked list, weighted by position; with `keep`, only where it is True."""
    n = len(keys)
    positions = np.flatnonzero(keep) if keep is not None else np.arange(n)
    return [
        Entry(key, score, source, 1.0 - i / n, version)
        for i, key, score in zip(positions.tolist(), keys[positions].tolist(), scores[positions].tolist(), strict=True)
    ]


def list_filter(
    keys: np.ndarray,
    scores: np.ndarray,
    source: str,
    version: int | None,
    ok: np.ndarray,
    allowed: Callable[[int], str | None],
    trace: Trace,
    label: str,
) -> list[Entry]:
    """Entries of a ranked list where `ok` (the whole list filtered at once); `allowed` names why for
    each removed key when the trace explains."""
    if trace.explain:
        reasons: dict[str, int] = {}
        for key in keys[~ok].tolist():
            why = allowed(key) or _("not servable")
            trace.remove(key, removed_because(why))
            reasons[reason_group(why)] = reasons.get(reason_group(why), 0) + 1
        summary = ", ".join(f"{n} {why}" for why, n in sorted(reasons.items())) or _("nothing")
    else:
        summary = str(int((~ok).sum()))
    trace.step("filters", _("%(list)s: removed %(summary)s") % {"list": label, "summary": summary})
    return entries_from_list(keys, scores, source, version, ok)


def session_rerank(
    entries: list[Entry],
    session_items: list[int],
    neighbours: dict[int, tuple[np.ndarray, np.ndarray]],
    boost: float,
    trace: Trace,
) -> list[Entry]:
    """Move up what was co-visited with the session's items (the latest counting most), adding
    strong neighbours the list lacked."""
    if not session_items:
        trace.step("session", _("no recent views or carts"))
        return entries
    strength: dict[int, float] = {}
    because: dict[int, int] = {}
    for age, item in enumerate(session_items):
        keys, scores = neighbours.get(item, (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)))
        fade = 0.8**age
        for key, score in zip(keys.tolist(), scores.tolist(), strict=True):
            value = score * fade
            if value > strength.get(key, 0.0):
                strength[key], because[key] = value, item
    by_key = {e.key: e for e in entries}
    moved = added = 0
    for key, value in strength.items():
        entry = by_key.get(key)
        if entry is None:
            entry = Entry(key, value, "session", 0.5, None, [_("added: co-visited with a session item")])
            by_key[key] = entry
            entries.append(entry)
            added += 1
        else:
            moved += 1
        entry.weight += boost * value
        entry.notes.append(
            _("session: co-visited with %(item)s (+%(boost)s)")
            % {"item": item_ref(because[key]), "boost": f"{boost * value:.2f}"}
        )
    entries.sort(key=lambda e: (e.group, -e.weight))
    trace.step(
        "session",
        _(
            "%(recent)s recent item(s) viewed or carted; %(moved)s candidate(s) moved up, "
            "%(added)s co-visited item(s) added"
        )
        % {"recent": len(session_items), "moved": moved, "added": added},
    )
    return entries


def live_filter(
    entries: Iterable[Entry],
    allowed: Callable[[int], str | None],
    trace: Trace,
    label: str,
) -> list[Entry]:
    """Keep the entries `allowed` returns no reason against; note each removal."""
    kept, reasons = [], {}
    for entry in entries:
        why = allowed(entry.key)
        if why is None:
            kept.append(entry)
        else:
            if trace.explain:
                trace.remove(entry.key, removed_because(why))
            reasons[reason_group(why)] = reasons.get(reason_group(why), 0) + 1
    summary = ", ".join(f"{n} {why}" for why, n in sorted(reasons.items())) or _("nothing")
    trace.step("filters", _("%(list)s: removed %(summary)s") % {"list": label, "summary": summary})
    return kept


def boosts_apply(
    entries: list[Entry],
    boosts: list[BoostSpec],
    describe: Callable[[int], tuple[int | None, str]],
    trace: Trace,
) -> list[Entry]:
    """Multiply the weight of entries each boost matches (item, its shop, or its category), then re-sort."""
    if not boosts:
        return entries
    touched = 0
    for entry in entries:
        shop, category = describe(entry.key)
        for boost in boosts:
            if boost.matches(entry.key, shop, category):
                entry.weight *= boost.factor
                if trace.explain:
                    kind = _("boost") if boost.factor >= 1 else _("bury")
                    entry.notes.append(f"{kind} x{boost.factor:g}" + (f" ({boost.note})" if boost.note else ""))
                touched += 1
    entries.sort(key=lambda e: (e.group, -e.weight))
    trace.step(
        "rules",
        _("%(rules)s boost/bury rule(s) active, applied %(touched)s time(s)")
        % {"rules": len(boosts), "touched": touched},
    )
    return entries


def pins_place(entries: list[Entry], pins: list[tuple[PinSpec, Entry]], trace: Trace) -> list[Entry]:
    """Put each pinned entry at its position (1 = first). Of two pins at one position the first given
    (the older) keeps it and the other takes the next; pins past the list's end go last."""
    pinned_keys = {entry.key for _pin, entry in pins}
    rest = iter([e for e in entries if e.key not in pinned_keys])
    queue = sorted(pins, key=lambda p: p[0].position)  # stable: equal positions keep their order
    out: list[Entry] = []
    while queue:
        pin, entry = queue[0]
        if pin.position - 1 <= len(out):
            queue.pop(0)
            entry.source = "pinned"
            if trace.explain:
                pinned = _("pinned at position %(position)s") % {"position": pin.position}
                entry.notes.append(pinned + (f" ({pin.note})" if pin.note else ""))
            out.append(entry)
            continue
        following = next(rest, None)
        if following is None:
            out.extend(e for _p, e in queue)
            for _p, e in queue:
                e.source = "pinned"
            break
        out.append(following)
    out.extend(rest)
    if pins:
        trace.step("rules", _("%(count)s pin(s) placed") % {"count": len(pins)})
    return out
