"""The stages every slot shares: which variant, who the user is, which lists the variant's chain has.

Each stage has the one signature of the pipeline, `stage(ctx) -> None` (services/serving/context.py).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from recommendations.errors import Unavailable
from recommendations.models import LIST_SLOTS
from recommendations.services.serving import reads
from recommendations.services.serving.context import ServingContext
from recommendations.services.serving.sources import chain_sources, user_segments
from recommendations.services.serving.steps import variant_pick

DEFAULT_CHAIN = ["segment_popularity", "popularity"]


def slot_settings(ctx: ServingContext) -> None:
    """The slot's settings from the admin (its size is the page when the app sends no limit)."""
    spec = ctx.state.slots.get(ctx.slot)
    if spec is None:
        raise Unavailable(
            f"Slot '{ctx.slot}' is not configured; add it in the admin under Recommendations > Slots.", retry_after=60
        )
    ctx.spec = spec
    ctx.limit = ctx.limit or spec.size


def variant(ctx: ServingContext) -> None:
    """The user's experiment variant: staff's pin, else the stable hash of user and experiment."""
    assert ctx.spec is not None  # slot_settings ran
    spec = ctx.spec
    pinned = ctx.variant or ctx.state.user_variants.get((ctx.slot, ctx.user_id))
    ctx.chosen = variant_pick(spec, ctx.user_id, pinned, ctx.trace)
    ctx.chain = list(ctx.chosen.chain) if ctx.chosen else list(DEFAULT_CHAIN)


def user(ctx: ServingContext) -> None:
    """Who the user is: attributes and segments, the chain's lists for them, their session and history."""
    if not ctx.user_id:
        ctx.trace.step("user", _("none given: nothing of anyone's history is left out"))
        return
    if ctx.slot in LIST_SLOTS:
        versions = ctx.state.versions_for(ctx.chain)
        since = shown_since = None
        if ctx.slot == "items":
            since = ctx.now - dt.timedelta(minutes=settings.SESSION_WINDOW_MINUTES)
            if ctx.spec is not None and ctx.spec.fatigue_shows:
                shown_since = ctx.now - dt.timedelta(days=ctx.spec.fatigue_days)
        found = reads.user_context(ctx.user_id, ctx.slot, versions, since, ctx.session_id, shown_since=shown_since)
        ctx.lists, ctx.shown = found.lists, found.shown
    else:  # a slot that ranks from the catalog needs who the user is and what they bought or turned down
        found = reads.user_context(ctx.user_id, "items", [], history=True)
    ctx.user, ctx.activity = found.user, found.activity
    ctx.segments = user_segments(ctx.user, ctx.now)


def candidates(ctx: ServingContext) -> None:
    """Each algorithm of the variant's chain, and the list it has for this user, in chain order."""
    ctx.sources = chain_sources(
        ctx.slot, ctx.chain, ctx.segments, ctx.lists, ctx.state, ctx.trace, ctx.user_id, ctx.filters
    )
    if ctx.sources:
        ctx.algorithm, ctx.model_version = ctx.sources[0].algorithm, ctx.sources[0].version
    if ctx.user is None:
        ctx.trace.step("user", _("unknown to recsite: popularity for everyone"))
