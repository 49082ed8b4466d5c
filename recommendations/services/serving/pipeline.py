"""recommend(): one request's answer, and the trace of how it was made (the API sends the first,
the staff preview shows both).

Order: variant -> candidates along the variant's chain -> session re-rank -> live filters (NG,
unpublished, sold out, bought, not interested) -> per-shop cap -> backfill from the chain while the
list is short -> boosts and buries -> pins -> cut to the page. docs/serving.md explains each step.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from recommendations.errors import ApplicationError
from recommendations.services.serving import reads
from recommendations.services.serving.impressions import impression_log
from recommendations.services.serving.lists import MAX_LIST, items_list, shops_list
from recommendations.services.serving.paging import LIST_KEY, live_page, page_of_stored, stored_list
from recommendations.services.serving.result import Recommendation
from recommendations.services.serving.sources import chain_sources, user_segments
from recommendations.services.serving.state import current_state
from recommendations.services.serving.steps import Trace, variant_pick

# Backfill fills a list to at least PAGE_POOL so a few pages of infinite scroll follow the first.
PAGE_POOL = 60


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
            result = page_of_stored(state, stored, recommendation_id, offset, limit, trace)
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
    segments = user_segments(user, now)
    sources = chain_sources(slot, chain, segments, lists, state, trace, user_id)
    if user is None:
        trace.step("user", "unknown to recsite: popularity for everyone")
    need = max(offset + limit, PAGE_POOL)
    if slot == "items":
        entries = items_list(spec, state, sources, activity, segments, need, now, trace)
    else:
        entries = shops_list(state, sources, segments, need, now, trace)
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
    if log:
        # later pages come from this list, stored with the impression (the preview, not logging, stores none)
        stored = stored_list(result, entries[:MAX_LIST], user_id) if len(entries) > offset + limit else None
        _log(result, user_id, user.pk if user else None, stored, served_at=now)
    return result


def _log(
    result: Recommendation,
    user_id: str,
    user_pk: int | None,
    stored: tuple[str, dict] | None = None,
    served_at: dt.datetime | None = None,
) -> None:
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
            "served_at": served_at or timezone.now(),
            "stored_list": stored,
        }
    )
