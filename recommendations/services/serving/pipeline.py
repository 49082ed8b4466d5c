"""recommend(): one request's answer for any slot, and the trace of how it was made (the API sends the
first, the staff preview shows both).

Every slot runs the same machinery: a request context (context.py) through an ordered list of stages
of one signature. A slot's list says which stages it runs:

- items: slot settings -> stored page (a later page of an earlier answer) -> variant -> user ->
  candidates along the variant's chain -> fill (session re-rank, live filters, per-shop cap,
  backfill, boosts and buries, pins) -> page
- shops: the same, with the shops fill (NG shops, backfill, boosts, pins)
- similar: stored page -> the item asked about -> user (what they bought or turned down) -> fill
  (co-visited items, then alike ones, then popular ones of its category, filtered) -> page
- similar_shops: the shop asked about -> stored page -> user -> fill (shops whose items are co-visited or
  alike, then popular shops of its main category, then of all; NG shops left out) -> page
- features: slot settings -> stored page -> variant -> fill (live features with servable items, ranked and
  ordered for the user by their model's list and category affinity) -> page

The page stage checks the page live against the database, and every answer is logged as an
impression with the list later pages are served from. docs/serving.md explains each step.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from recommendations import log_context, metrics
from recommendations.errors import NotFound
from recommendations.services.serving import stages
from recommendations.services.serving.context import ServingContext
from recommendations.services.serving.exploration import SOURCE as EXPLORATION
from recommendations.services.serving.features import feature_details, features_fill
from recommendations.services.serving.impressions import impression_log
from recommendations.services.serving.lists import MAX_LIST, items_fill, shops_fill
from recommendations.services.serving.outage import answer_from_memory
from recommendations.services.serving.paging import live_page, slot_ng, stored_list, stored_page
from recommendations.services.serving.recommendation_ids import new_recommendation_id, recommendation_id_belongs
from recommendations.services.serving.request_filter import NO_FILTER, RequestFilter
from recommendations.services.serving.result import Recommendation
from recommendations.services.serving.similar import similar_fill, subject_item
from recommendations.services.serving.similar_shops import similar_shops_fill, subject_shop
from recommendations.services.serving.state import current_state
from recommendations.services.serving.steps import Trace

Stage = Callable[[ServingContext], None]
logger = logging.getLogger(__name__)


def page(ctx: ServingContext) -> None:
    """Stage: the page at `offset`, checked live as it is served, as the answer to the request."""
    entries, external_ids, details = live_page(
        ctx.slot, ctx.pool, ctx.offset, ctx.limit, slot_ng(ctx.state, ctx.slot), ctx.trace, ctx.fields
    )
    ctx.result = Recommendation(
        recommendation_id=ctx.recommendation_id or new_recommendation_id(ctx.user_id, ctx.slot),
        slot=ctx.slot,
        variant=ctx.chosen.name if ctx.chosen else "",
        algorithm=ctx.algorithm,
        model_version=ctx.model_version,
        offset=ctx.offset,
        entries=entries,
        external_ids=external_ids,
        total=len(ctx.pool),
        trace=ctx.trace,
        user_known=ctx.user is not None,
        details=details,
        ranked_keys=[e.key for e in ctx.pool] if ctx.trace.explain else [],
    )
    ctx.trace.step(
        "cut",
        _("%(count)s from position %(position)s of %(total)s")
        % {"count": len(entries), "position": ctx.offset + 1, "total": len(ctx.pool)},
    )


SLOT_STAGES: dict[str, tuple[Stage, ...]] = {
    "items": (stages.slot_settings, stored_page, stages.variant, stages.user, stages.candidates, items_fill, page),
    "shops": (stages.slot_settings, stored_page, stages.variant, stages.user, stages.candidates, shops_fill, page),
    "similar": (subject_item, stored_page, stages.user, similar_fill, page),
    "similar_shops": (subject_shop, stored_page, stages.user, similar_shops_fill, page),
    "features": (stages.slot_settings, stored_page, stages.variant, features_fill, page),
}
# What the page of a slot carries besides its entries.
PAGE_DETAILS: dict[str, Callable[[ServingContext, Recommendation], None]] = {"features": feature_details}


def recommend(
    slot: str,
    user_id: str,
    *,
    limit: int | None = None,
    offset: int = 0,
    session_id: str = "",
    recommendation_id: str | None = None,
    variant: str | None = None,
    item_id: str = "",
    filters: RequestFilter = NO_FILTER,
    fields: tuple[str, ...] = (),
    now: dt.datetime | None = None,
    log: bool = True,
    explain: bool = True,
) -> Recommendation:
    """The `slot` list for a user as the API serves it; `variant` forces one (the staff preview); `item_id`
    is the item of similar items (the shop of similar shops); `filters` narrow the list (request_filter);
    `fields` are the catalogue fields sent beside each item (item_details). With `explain`, the trace says
    why each removed entry went."""
    slot_stages = SLOT_STAGES.get(slot)
    if slot_stages is None:
        raise NotFound(f"There is no slot '{slot[:40]}'; the slots are {', '.join(SLOT_STAGES)}.")
    started = time.perf_counter()
    ctx = ServingContext(
        slot=slot,
        user_id=user_id,
        state=current_state(),
        now=now or timezone.now(),
        trace=Trace(explain=explain),
        limit=limit or 0,
        offset=offset,
        session_id=session_id,
        recommendation_id=recommendation_id,
        variant=variant,
        subject=item_id,
        filters=filters,
        fields=fields,
    )
    if recommendation_id and not recommendation_id_belongs(recommendation_id, user_id, slot):
        # made up, or another user's or slot's: paging it would show (and credit) a list not made for them
        ctx.trace.step(
            "paging",
            _("recommendation %(id)s was not made for this user and slot: a new list under a new id")
            % {"id": recommendation_id[:64]},
        )
        ctx.recommendation_id = None
    try:
        for stage in slot_stages:
            stage(ctx)
            if ctx.result is not None:
                break
        result = ctx.result
        assert result is not None  # every slot ends with the page stage
        if slot in PAGE_DETAILS:
            PAGE_DETAILS[slot](ctx, result)
    except (OperationalError, InterfaceError) as exc:  # the database is down or restarting
        logger.warning("serving %s from memory: %s", slot, exc)
        result = answer_from_memory(ctx, exc)
        if log:
            _measure(ctx, result, started, outage=True)
        if log and user_id and settings.IMPRESSION_LOG_MODE != "inline":  # inline would need the database now
            _log(result, user_id, None, None, served_at=ctx.now)
        return result
    if log:  # a page served, not a staff preview
        _measure(ctx, result, started)
    if log and user_id:
        stored = None
        if not ctx.paged and len(ctx.pool) > ctx.offset + ctx.limit:
            # later pages come from this list, stored with the impression (the preview, not logging, stores none)
            stored = stored_list(result, ctx.pool[:MAX_LIST], user_id, ctx.subject, ctx.filters.signature)
        _log(result, user_id, ctx.user.pk if ctx.user else None, stored, served_at=ctx.now)
    return result


def _measure(ctx: ServingContext, result: Recommendation, started: float, outage: bool = False) -> None:
    """Count the page in the metrics (a fallback when the variant's first algorithm did not supply it) and
    name its recommendation_id in the request's log lines."""
    log_context.recommendation_served(result.recommendation_id)
    labels = (result.slot, result.variant, result.algorithm)
    metrics.recommendations.labels(*labels).inc()
    metrics.recommendation_seconds.labels(*labels).observe(time.perf_counter() - started)
    if outage:
        metrics.recommendation_fallbacks.labels(*labels, "database").inc()
    elif ctx.chain and not ctx.paged and result.algorithm != ctx.chain[0]:
        metrics.recommendation_fallbacks.labels(*labels, "chain").inc()


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
            "keys": result.shown_keys(),
            "explored": [e.key for e in result.entries if e.source == EXPLORATION],
            "served_at": served_at or timezone.now(),
            "stored_list": stored,
        }
    )
