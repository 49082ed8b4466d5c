"""Similar items: the item's co-visitation neighbours, backfilled with popular items of its category."""

from __future__ import annotations

import uuid

from recommendations.errors import NotFound
from recommendations.models import Item
from recommendations.services.serving import reads
from recommendations.services.serving.item_flags import item_flags
from recommendations.services.serving.lists import excluded_by_history, item_filter
from recommendations.services.serving.paging import live_page
from recommendations.services.serving.result import Recommendation
from recommendations.services.serving.state import current_state
from recommendations.services.serving.steps import Entry, Trace, entries_from_list, live_filter

SOURCE = "covisitation"


def similar_items(item_id: str, *, limit: int = 20, user_id: str = "") -> Recommendation:
    """Up to `limit` items like `item_id`, filtered as user lists are; NotFound for an unknown item."""
    state = current_state()
    trace = Trace()
    item = Item.objects.filter(external_id=item_id).values("pk", "category_path").first()
    if item is None:
        raise NotFound(f"No item with item_id '{item_id}'.")
    key, category = item["pk"], item["category_path"]
    entries: list[Entry] = []
    if state.neighbours_version is not None:
        found = reads.item_neighbours(state.neighbours_version, [key]).get(key)
        if found is not None:
            entries = entries_from_list(*found, SOURCE, state.neighbours_version)
    trace.step("candidates", f"{len(entries)} co-visited item(s) (version {state.neighbours_version})")
    excluded: dict[int, str] = {key: "the item itself"}
    if user_id:
        user, _lists, _activity = reads.user_context(user_id, "items", [])
        if user is not None:
            excluded.update(excluded_by_history(reads.user_activity(user.pk, None)))
    popular = state.segment_lists.get(("items", "all"))
    if popular is not None:
        seen = {e.key for e in entries}
        backfill = [e for e in entries_from_list(*popular, "popularity", state.segment_version) if e.key not in seen]
        for entry in backfill:
            entry.group = 1
        entries += backfill
    flags = item_flags()
    base = item_filter(state.ng["items"], flags, excluded)
    neighbours = {e.key for e in entries if e.group == 0}

    def allowed(k: int) -> str | None:
        why = base(k)
        if why is None and k not in neighbours and flags.category_of(k) != category:
            return "popular, but of another category"
        return why

    kept = live_filter(entries, allowed, trace, "co-visited and popular items")
    page, external_ids = live_page("items", kept, 0, limit, state.ng["items"], trace)
    return Recommendation(
        recommendation_id=str(uuid.uuid4()),
        slot="similar",
        variant="",
        algorithm=SOURCE,
        model_version=state.neighbours_version,
        offset=0,
        entries=page,
        external_ids=external_ids,
        total=len(page),
        trace=trace,
    )
