"""The last stage and paging: the page checked live as it is served, and the lists later pages come from."""

from __future__ import annotations

import numpy as np
from django.core.cache import cache
from django.utils.translation import gettext as _

from curation.selectors import live_features
from recommendations.services.serving import reads
from recommendations.services.serving.context import ServingContext
from recommendations.services.serving.item_details import item_details
from recommendations.services.serving.ng_view import NgView
from recommendations.services.serving.result import Recommendation
from recommendations.services.serving.state import ServingState
from recommendations.services.serving.steps import Entry, Trace, removed_because

LIST_KEY = "serving:list:{}"
# Slots without NG entries of their own obey another slot's.
NG_SLOT_OF = {"similar": "items", "similar_shops": "shops"}


def slot_ng(state: ServingState, slot: str) -> NgView:
    """The NG entries that apply to `slot`."""
    return state.ng[NG_SLOT_OF.get(slot, slot)]


def _live(slot: str, keys: list[int], ng: NgView, fields: tuple[str, ...] = ()) -> dict[int, tuple[str, dict]]:
    """Of `keys`, those that may be served now, with their external ids (a feature's: its slug) and, for
    items, the `fields` asked for."""
    if slot in ("shops", "similar_shops"):
        return {k: (name, {}) for k, name in reads.existing_shops(keys).items() if k not in ng.shops}
    if slot == "features":
        return {k: (slug, {}) for k, slug in live_features().filter(pk__in=keys).values_list("pk", "slug")}
    rows = reads.servable_items(keys, with_details=bool(fields))
    return {
        k: (r.external_id, item_details(r.details, fields) if fields else {})
        for k, r in rows.items()
        if ng.item_reason(k, r.shop, r.category) is None
    }


def live_page(
    slot: str, pool: list[Entry], offset: int, limit: int, ng: NgView, trace: Trace, fields: tuple[str, ...] = ()
) -> tuple[list[Entry], dict[int, str], dict[int, dict]]:
    """The page at `offset`, each entry checked live against the database (and the NG lists) as it is
    served, with the external ids and the `fields` asked for; entries found unservable are dropped from
    `pool` and the page fills from the entries after."""
    external_ids: dict[int, str] = {}
    details: dict[int, dict] = {}
    start = offset
    while True:
        window = [e for e in pool[start : offset + limit] if e.key not in external_ids]
        if not window:
            break
        found = _live(slot, [e.key for e in window], ng, fields)
        for key, (external_id, shown) in found.items():
            external_ids[key] = external_id
            if shown:
                details[key] = shown
        gone = [e for e in window if e.key not in found]
        if not gone:
            break
        for entry in gone:
            trace.remove(entry.key, removed_because(_("no longer servable when the page was served")))
        gone_keys = {e.key for e in gone}
        pool[:] = [e for e in pool if e.key not in gone_keys]
        start = offset + limit - len(gone)
    return pool[offset : offset + limit], external_ids, details


def stored_list(
    result: Recommendation, entries: list[Entry], user_id: str, subject: str = "", filters: str = ""
) -> tuple[str, dict]:
    """The cache key and value that let later pages of this recommendation be served from it."""
    sources = sorted({e.source for e in entries})
    return (
        LIST_KEY.format(result.recommendation_id),
        {
            "user": user_id,
            "slot": result.slot,
            "subject": subject,
            "filters": filters,
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


def stored_page(ctx: ServingContext) -> None:
    """Stage: a later page of a list served before under `recommendation_id`, checked again against NG
    lists and stock; when the list is not stored (not yet, or expired), the stages after rank it again."""
    if not ctx.recommendation_id:
        return
    stored = cache.get(LIST_KEY.format(ctx.recommendation_id))
    if (
        not stored
        or stored["user"] != ctx.user_id
        or stored["slot"] != ctx.slot
        or stored.get("subject", "") != ctx.subject
        or stored.get("filters", "") != ctx.filters.signature
    ):
        ctx.trace.step(
            "paging",
            _("recommendation %(id)s not stored: ranked again under the same id") % {"id": ctx.recommendation_id},
        )
        return
    keys = np.frombuffer(stored["keys"], dtype="<i8").tolist()
    scores = np.frombuffer(stored["scores"], dtype="<f4").tolist()
    sources = [stored["sources"][code] for code in stored["source_codes"]]
    ctx.pool = [Entry(k, score, source, 0.0) for k, score, source in zip(keys, scores, sources, strict=True)]
    page, external_ids, details = live_page(
        ctx.slot, ctx.pool, ctx.offset, ctx.limit, slot_ng(ctx.state, ctx.slot), ctx.trace, ctx.fields
    )
    ctx.trace.step(
        "paging",
        _("page at %(position)s of recommendation %(id)s") % {"position": ctx.offset + 1, "id": ctx.recommendation_id},
    )
    ctx.paged = True
    ctx.result = Recommendation(
        recommendation_id=ctx.recommendation_id,
        slot=ctx.slot,
        variant=stored["variant"],
        algorithm=stored["algorithm"],
        model_version=stored["version"],
        offset=ctx.offset,
        entries=page,
        external_ids=external_ids,
        total=len(keys),
        trace=ctx.trace,
        details=details,
    )
