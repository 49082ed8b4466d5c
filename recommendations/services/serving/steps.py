"""The serving pipeline's steps: pure functions over a ranked list, each noting what it did in a Trace.

A list is ordered by each entry's `weight` (1 for a source's first entry down towards 0 for its
last), so steps that move entries (session, boosts) need no knowledge of any model's score scale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from recommendations.services.serving.state import BoostSpec, PinSpec, SlotSpec, VariantSpec

BUCKETS = 10_000


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
        self.steps.append(f"{name}: {text}")

    def remove(self, key: int, why: str) -> None:
        self.removed.setdefault(key, why)


def variant_bucket(experiment: str, user_id: str) -> int:
    """A stable bucket in [0, BUCKETS) for (experiment, user): the same user lands in the same bucket."""
    digest = hashlib.blake2b(f"{experiment}\x1f{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def variant_pick(slot: SlotSpec, user_id: str, pinned: str | None, trace: Trace) -> VariantSpec | None:
    """The staff-pinned variant if any, else the one the user's bucket falls in, by the variants' weights."""
    if pinned and (variant := slot.variant(pinned)):
        trace.step("variant", f"{variant.name} ({variant.algorithm}), pinned to this user by staff")
        return variant
    live = [v for v in slot.variants if v.weight > 0]
    if not live:
        trace.step("variant", f"slot {slot.slot} has no variant with a weight above 0")
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
        f"{variant.name} ({variant.algorithm}): bucket {bucket} of {BUCKETS} in experiment '{slot.experiment}', "
        f"weights {', '.join(f'{v.name} {v.weight}' for v in live)}",
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
            why = allowed(key) or "not servable"
            trace.remove(key, f"removed: {why}")
            reasons[why.split(":")[0]] = reasons.get(why.split(":")[0], 0) + 1
        summary = ", ".join(f"{n} {why}" for why, n in sorted(reasons.items())) or "nothing"
    else:
        summary = str(int((~ok).sum()))
    trace.step("filters", f"{label}: removed {summary}")
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
        trace.step("session", "no recent views or carts")
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
            entry = Entry(key, value, "session", 0.5, None, ["added: co-visited with a session item"])
            by_key[key] = entry
            entries.append(entry)
            added += 1
        else:
            moved += 1
        entry.weight += boost * value
        entry.notes.append(f"session: co-visited with item {because[key]} (+{boost * value:.2f})")
    entries.sort(key=lambda e: (e.group, -e.weight))
    trace.step(
        "session",
        f"{len(session_items)} recent item(s) viewed or carted; {moved} candidate(s) moved up, "
        f"{added} co-visited item(s) added",
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
                trace.remove(entry.key, f"removed: {why}")
            reasons[why.split(":")[0]] = reasons.get(why.split(":")[0], 0) + 1
    summary = ", ".join(f"{n} {why}" for why, n in sorted(reasons.items())) or "nothing"
    trace.step("filters", f"{label}: removed {summary}")
    return kept


def shop_cap(entries: list[Entry], shops: np.ndarray, cap: int, trace: Trace) -> list[Entry]:
    """At most `cap` entries of any one shop (`shops`: each entry's shop, -1 if unknown); 0 means no cap."""
    if cap <= 0 or not entries:
        return entries
    # each entry's rank among the entries of its shop, in list order, without a Python loop
    order = np.argsort(shops, kind="stable")
    ordered = shops[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ordered)) + 1]
    ranks = np.empty(len(shops), dtype=np.int64)
    ranks[order] = np.arange(len(shops)) - np.repeat(starts, np.diff(np.r_[starts, len(shops)]))
    keep = (ranks < cap) | (shops < 0)
    if keep.all():
        return entries
    if trace.explain:
        for i in np.flatnonzero(~keep).tolist():
            trace.remove(entries[i].key, f"removed: shop {shops[i]} already has {cap} item(s) in the list")
    trace.step("rules", f"per-shop cap {cap} removed {int((~keep).sum())}")
    return [entries[i] for i in np.flatnonzero(keep).tolist()]


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
                kind = "boost" if boost.factor >= 1 else "bury"
                entry.notes.append(f"{kind} x{boost.factor:g}" + (f" ({boost.note})" if boost.note else ""))
                touched += 1
    entries.sort(key=lambda e: (e.group, -e.weight))
    trace.step("rules", f"{len(boosts)} boost/bury rule(s) active, applied {touched} time(s)")
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
            entry.notes.append(f"pinned at position {pin.position}" + (f" ({pin.note})" if pin.note else ""))
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
        trace.step("rules", f"{len(pins)} pin(s) placed")
    return out
