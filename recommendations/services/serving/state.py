"""What every request needs and rarely changes, held per process and rebuilt when it changes.

Slot settings, live model versions, segment lists, NG sets, pins and boosts are read once and kept
in memory. Any change to them calls `serving_state_changed`, which changes the shared generation
(services/generation.py); each request compares it with its copy's, so an NG edit made in the
admin applies at the next request in every worker.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
from dataclasses import dataclass, field

import numpy as np
from django.db import DatabaseError
from django.utils import timezone

from curation.selectors import boosts_in_order, pins_in_order
from recommendations.engine.algorithms.popularity import GLOBAL
from recommendations.generation import current_generation, generation_changed
from recommendations.integrations import personalize as gateway
from recommendations.models import lineages
from recommendations.services.serving.ng_view import NgView, ng_views
from recommendations.services.serving.specs import BoostSpec, PinSpec, SlotSpec, VariantSpec, Window

logger = logging.getLogger(__name__)
POPULAR_IN_MEMORY = 200

_lock = threading.Lock()
_state: ServingState | None = None


@dataclass
class ServingState:
    generation: str
    slots: dict[str, SlotSpec]
    # (slot, user id) -> variant name, for users staff put on a variant
    user_variants: dict[tuple[str, str], str]
    live_versions: dict[str, int]  # algorithm -> live ModelVersion id
    # algorithm -> the live version and those it carries users' lists from, newest first (training/carry.py)
    list_versions: dict[str, list[int]]
    # The version whose segment popularity lists answer users no model knows, and its lists.
    segment_version: int | None
    segment_lists: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]
    neighbours_version: int | None
    ng: dict[str, NgView]  # slot -> the NG entries that apply to it
    personalize_campaign: str | None = None  # the active campaign's ARN, for variants serving Personalize
    personalize_filter: str | None = None  # the newest active NG filter's ARN
    personalize_filter_takes_values: bool = False  # it has the request filters' placeholders
    # when the soonest NG entry expires: the state is rebuilt then, so it stops applying by itself
    ng_expires_next: dt.datetime | None = None
    # (slot, segment) -> rules; segment "all" for rules without one
    pins: dict[tuple[str, str], list[PinSpec]] = field(default_factory=dict)
    boosts: dict[tuple[str, str], list[BoostSpec]] = field(default_factory=dict)
    # slot -> the external ids of the popular ("all") list's keys, so a page can be answered from memory
    # while the database is down (serving/outage.py)
    popular_ids: dict[str, dict[int, str]] = field(default_factory=dict)
    # stored rows the state could not use (left out, logged, shown on the admin's Slots page)
    skipped: list[str] = field(default_factory=list)

    def versions_for(self, chain: list[str]) -> list[int]:
        """Every version a user's lists for these algorithms may come from."""
        return [pk for algorithm in chain for pk in self.list_versions.get(algorithm, ())]

    def user_list(
        self, algorithm: str, lists: dict[int, tuple[np.ndarray, np.ndarray]]
    ) -> tuple[int, np.ndarray, np.ndarray] | None:
        """The algorithm's list for the user among the `lists` read for them: from the newest version of its
        lineage that has a row, as (that version, keys, scores); None when there is none or it is empty."""
        for pk in self.list_versions.get(algorithm, ()):
            if pk in lists:
                keys, scores = lists[pk]
                return (pk, keys, scores) if len(keys) else None
        return None

    def rules_for(self, rules: dict, slot: str, segments: list[str], now: dt.datetime) -> list:
        """The rules of `slot` active now for a user in `segments` (coarsest first, 'all' included)."""
        return [r for segment in segments for r in rules.get((slot, segment), ()) if r.window.active(now)]


def serving_state_changed() -> None:
    """Make every worker rebuild its state at its next request."""
    generation_changed()


def current_state() -> ServingState:
    """This process's state, rebuilt first if anything changed since it was built."""
    global _state
    generation = current_generation()
    state = _state
    if state is not None and state.generation == generation and not _expired(state):
        return state
    with _lock:
        if _state is None or _state.generation != generation or _expired(_state):
            try:
                _state = _build(generation)
            except DatabaseError:
                if _state is None:
                    raise
                # the database is down: the last state keeps serving (NG lists as they were) until it is back
                logger.warning("serving state not rebuilt: the database did not answer; serving the last one")
                return _state
            # The state and everything loaded before it live as long as the process: moved out of the
            # collector's reach, full collections stop walking them mid-request (p99, bench/serve.py).
            gc.freeze()
        return _state


def _expired(state: ServingState) -> bool:
    return state.ng_expires_next is not None and timezone.now() >= state.ng_expires_next


def serving_state_reset() -> None:
    """Forget this process's state (tests)."""
    global _state
    _state = None


def _build(generation: str) -> ServingState:
    from recommendations.models import (
        ModelVersion,
        PersonalizeResource,
        SegmentCandidates,
        SlotConfig,
        Variant,
        VariantPin,
    )

    skipped: list[str] = []
    variants: dict[int, list[VariantSpec]] = {}
    for v in Variant.objects.order_by("name"):
        if not isinstance(v.fallbacks, list) or not all(isinstance(a, str) for a in v.fallbacks):
            skipped.append(f"variant {v.name} of slot {v.slot_id}: its fallbacks are not a list of algorithm names")
            continue
        variants.setdefault(v.slot_id, []).append(
            VariantSpec(pk=v.pk, name=v.name, algorithm=v.algorithm, chain=tuple(v.chain), weight=v.weight)
        )
    slots = {
        c.slot: SlotSpec(
            slot=c.slot,
            size=c.size,
            per_shop_cap=c.per_shop_cap,
            experiment=c.experiment,
            variants=tuple(variants.get(c.pk, [])),
            per_category_cap=c.per_category_cap,
            exploration_share=c.exploration_share,
            exploration_after=c.exploration_after,
            new_item_days=c.new_item_days,
            fatigue_shows=c.fatigue_shows,
            fatigue_days=c.fatigue_days,
        )
        for c in SlotConfig.objects.all()
    }
    user_variants = {
        (slot, user): name
        for slot, user, name in VariantPin.objects.order_by("created_at").values_list(
            "variant__slot__slot", "user__external_id", "variant__name"
        )
    }
    live = list(
        ModelVersion.objects.filter(is_live=True, candidates_written_at__isnull=False)
        .order_by("-published_at")
        .values_list("pk", "algorithm")
    )
    live_versions = {algorithm: pk for pk, algorithm in live}
    written = dict(
        ModelVersion.objects.filter(candidates_written_at__isnull=False).values_list("pk", "carried_from_id")
    )
    chains = lineages(written, list(live_versions.values()))
    list_versions = {algorithm: chains[pk] for algorithm, pk in live_versions.items()}
    # segment popularity's own lists if it is live, else the newest live version that wrote segment lists
    with_segments = set(
        SegmentCandidates.objects.filter(version_id__in=[pk for pk, _a in live])
        .values_list("version_id", flat=True)
        .distinct()
    )
    segment_version = live_versions.get("segment_popularity")
    if segment_version not in with_segments:
        segment_version = next((pk for pk, _a in live if pk in with_segments), None)
    segment_lists = {}
    if segment_version is not None:
        for slot, segment, ids, scores in SegmentCandidates.objects.filter(version_id=segment_version).values_list(
            "slot", "segment", "ids", "scores"
        ):
            keys, values = bytes(ids), bytes(scores)
            if len(keys) % 8 or len(values) % 4 or len(keys) // 8 != len(values) // 4:
                skipped.append(
                    f"segment list {slot}/{segment} of version {segment_version}: its packed lists are damaged"
                )
                continue
            segment_lists[(slot, segment)] = (np.frombuffer(keys, dtype="<i8"), np.frombuffer(values, dtype="<f4"))
    with_neighbours = ModelVersion.objects.filter(
        pk__in=[pk for pk, _a in live], item_neighbours__isnull=False
    ).order_by("-published_at")
    neighbours_version = with_neighbours.values_list("pk", flat=True).first()

    pins: dict[tuple[str, str], list[PinSpec]] = {}
    for p in pins_in_order():
        pins.setdefault((p.slot, p.segment or GLOBAL), []).append(
            PinSpec(
                pk=p.pk,
                key=p.item_id if p.item_id is not None else p.shop_id,
                position=p.position,
                window=Window(p.starts_at, p.ends_at),
                note=p.note,
            )
        )
    boosts: dict[tuple[str, str], list[BoostSpec]] = {}
    for b in boosts_in_order():
        boosts.setdefault((b.slot, b.segment or GLOBAL), []).append(
            BoostSpec(
                pk=b.pk,
                item=b.item_id,
                shop=b.shop_id,
                category=b.category_path,
                factor=b.factor,
                window=Window(b.starts_at, b.ends_at),
                note=b.note,
            )
        )
    ng, ng_expires_next = ng_views()
    for problem in skipped:
        logger.warning("serving state: left out %s", problem)
    popular_ids = _popular_ids(segment_lists)
    active = PersonalizeResource.objects.filter(status="ACTIVE").exclude(arn="").order_by("-updated_at")
    campaign = active.filter(kind=PersonalizeResource.Kind.CAMPAIGN).values_list("arn", flat=True).first()
    ng_filter, filter_details = active.filter(kind=PersonalizeResource.Kind.FILTER).values_list(
        "arn", "details"
    ).first() or (None, None)
    takes_values = gateway.filter_takes_request_values(str((filter_details or {}).get("expression", "")))
    return ServingState(
        generation=generation,
        slots=slots,
        user_variants=user_variants,
        live_versions=live_versions,
        list_versions=list_versions,
        segment_version=segment_version,
        segment_lists=segment_lists,
        neighbours_version=neighbours_version,
        ng=ng,
        ng_expires_next=ng_expires_next,
        personalize_campaign=campaign,
        personalize_filter=ng_filter,
        personalize_filter_takes_values=takes_values,
        pins=pins,
        boosts=boosts,
        popular_ids=popular_ids,
        skipped=skipped,
    )


def _popular_ids(segment_lists: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]) -> dict[str, dict[int, str]]:
    from recommendations.models import Item, Shop

    found: dict[str, dict[int, str]] = {}
    for slot, model in (("items", Item), ("shops", Shop)):
        keys = segment_lists.get((slot, GLOBAL), (np.empty(0, dtype=np.int64),))[0][:POPULAR_IN_MEMORY]
        found[slot] = dict(model.objects.filter(pk__in=keys.tolist()).values_list("pk", "external_id"))
    return found
