"""The answer while the database is down: the popular list every worker keeps in memory, filtered by
the NG lists and item flags it also keeps, so the app still shows something sensible (docs/operations.md)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from recommendations.errors import Unavailable
from recommendations.services.serving.context import ServingContext
from recommendations.services.serving.item_flags import item_flags
from recommendations.services.serving.lists import item_filter
from recommendations.services.serving.paging import slot_ng
from recommendations.services.serving.recommendation_ids import new_recommendation_id
from recommendations.services.serving.result import Recommendation
from recommendations.services.serving.steps import entries_from_list, live_filter

# Slots answered from memory; features need their rules read, so they wait for the database.
FROM_MEMORY = {"items": "items", "similar": "items", "shops": "shops", "similar_shops": "shops"}
RETRY_SECONDS = 5


def answer_from_memory(ctx: ServingContext, error: Exception) -> Recommendation:
    """The page at ctx.offset of the in-memory popular list, with the trace saying why."""
    list_slot = FROM_MEMORY.get(ctx.slot)
    popular = ctx.state.segment_lists.get((list_slot, "all")) if list_slot else None
    if popular is None:
        raise Unavailable(
            f"The {ctx.slot} slot cannot be served while the database is unreachable; retry shortly.",
            retry_after=RETRY_SECONDS,
            reason="database",
        ) from error
    ctx.trace.step(
        "outage", _("database unreachable (%(error)s): popular list from memory") % {"error": type(error).__name__}
    )
    ids = ctx.state.popular_ids.get(list_slot, {})
    entries = entries_from_list(*popular, "popularity", ctx.state.segment_version)
    ng = slot_ng(ctx.state, ctx.slot)
    if list_slot == "items":
        base = item_filter(ng, item_flags(), {})
        allowed = lambda key: base(key) or (None if key in ids else "not held in memory")  # noqa: E731
    else:
        allowed = lambda key: ng.shops.get(key) or (None if key in ids else "not held in memory")  # noqa: E731
    kept = live_filter(entries, allowed, ctx.trace, _("popular list in memory"))
    limit = ctx.limit or 20
    page = kept[ctx.offset : ctx.offset + limit]
    return Recommendation(
        recommendation_id=ctx.recommendation_id or new_recommendation_id(ctx.user_id, ctx.slot),
        slot=ctx.slot,
        variant=ctx.chosen.name if ctx.chosen else "",
        algorithm="popularity",
        model_version=ctx.state.segment_version,
        offset=ctx.offset,
        entries=page,
        external_ids={e.key: ids[e.key] for e in page},
        total=len(kept),
        trace=ctx.trace,
        user_known=False,
    )
