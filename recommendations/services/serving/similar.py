"""The similar-items slot: the item's co-visitation neighbours, backfilled with popular items of its category."""

from __future__ import annotations

from django.utils.translation import gettext as _

from recommendations.errors import NotFound
from recommendations.models import Item
from recommendations.services.serving import reads
from recommendations.services.serving.context import ServingContext
from recommendations.services.serving.item_flags import item_flags
from recommendations.services.serving.lists import excluded_by_history, item_filter
from recommendations.services.serving.paging import slot_ng
from recommendations.services.serving.steps import Entry, entries_from_list, live_filter

SOURCE = "covisitation"


def subject_item(ctx: ServingContext) -> None:
    """Stage: the item the list is about; NotFound for an item recsite does not have."""
    item = Item.objects.filter(external_id=ctx.subject).values("pk", "category_path").first()
    if item is None:
        raise NotFound(f"No item with item_id '{ctx.subject[:128]}'.")
    ctx.subject_key, ctx.subject_category = item["pk"], item["category_path"]
    ctx.limit = ctx.limit or 20


def similar_fill(ctx: ServingContext) -> None:
    """Stage: co-visited items first, then popular items of the same category, filtered as user lists are
    (NG of the items slot, stock) and, for a given user, without what they bought or turned down."""
    state, key, trace = ctx.state, ctx.subject_key, ctx.trace
    assert key is not None  # the subject_item stage ran
    flags = item_flags()
    category = ctx.subject_category
    entries: list[Entry] = []
    if state.neighbours_version is not None:
        found = reads.item_neighbours(state.neighbours_version, [key]).get(key)
        if found is not None:
            entries = entries_from_list(*found, SOURCE, state.neighbours_version)
    trace.step(
        "candidates",
        _("%(count)s co-visited item(s) (version %(version)s)")
        % {"count": len(entries), "version": state.neighbours_version or "-"},
    )
    ctx.algorithm, ctx.model_version = SOURCE, state.neighbours_version
    excluded: dict[int, str] = {key: "the item itself"}
    excluded.update(excluded_by_history(ctx.activity))
    popular = state.segment_lists.get(("items", "all"))
    if popular is not None:
        seen = {e.key for e in entries}
        backfill = [e for e in entries_from_list(*popular, "popularity", state.segment_version) if e.key not in seen]
        for entry in backfill:
            entry.group = 1
        entries += backfill
    base = item_filter(slot_ng(state, ctx.slot), flags, excluded, ctx.filters)
    neighbours = {e.key for e in entries if e.group == 0}

    def allowed(k: int) -> str | None:
        why = base(k)
        if why is None and k not in neighbours and flags.category_of(k) != category:
            return "popular, but of another category"
        return why

    ctx.pool = live_filter(entries, allowed, trace, _("co-visited and popular items"))
