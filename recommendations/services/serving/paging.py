"""Step 6 and paging: the page checked live as it is served, and the lists later pages come from."""

from __future__ import annotations

import numpy as np

from recommendations.services.serving import reads
from recommendations.services.serving.ng_view import NgView
from recommendations.services.serving.result import Recommendation
from recommendations.services.serving.state import ServingState
from recommendations.services.serving.steps import Entry, Trace

LIST_KEY = "serving:list:{}"


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
            found = {k: r.external_id for k, r in rows.items() if ng.item_reason(k, r.shop, r.category) is None}
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


def stored_list(result: Recommendation, entries: list[Entry], user_id: str) -> tuple[str, dict]:
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


def page_of_stored(
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
