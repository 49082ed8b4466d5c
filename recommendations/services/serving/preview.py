"""What staff see in the preview: every slot as the API would serve it now, beside every other variant,
with the trace, the catalog details of each entry and the user's recent events."""

from __future__ import annotations

from dataclasses import dataclass, field

from recommendations.models import AppUser, Event, Item, Shop, VariantPin
from recommendations.services.serving.features import features_for_user
from recommendations.services.serving.pipeline import recommend
from recommendations.services.serving.result import Recommendation
from recommendations.services.serving.state import current_state

RECENT_EVENTS = 20
REMOVED_SHOWN = 60


@dataclass
class PreviewColumn:
    variant: str
    algorithm: str
    served: bool  # what the API returns to this user now
    result: Recommendation
    rows: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)


@dataclass
class SlotPreview:
    slot: str
    pinned_variant: str | None
    columns: list[PreviewColumn]


def recommendations_preview(user_id: str) -> dict:
    """For each slot the API's answer now and each other variant's, ready to show; never logs impressions."""
    state = current_state()
    user = AppUser.objects.filter(external_id=user_id).first()
    slots = []
    for slot in ("items", "shops"):
        spec = state.slots.get(slot)
        if spec is None:
            continue
        served = recommend(slot, user_id, log=False, explain=True)
        chosen = spec.variant(served.variant)
        columns = [PreviewColumn(served.variant, chosen.algorithm if chosen else "", True, served)]
        for variant in spec.variants:
            if variant.name != served.variant:
                other = recommend(slot, user_id, variant=variant.name, log=False, explain=True)
                columns.append(PreviewColumn(variant.name, variant.algorithm, False, other))
        for column in columns:
            _describe(slot, column)
        slots.append(SlotPreview(slot, state.user_variants.get((slot, user_id)), columns))
    events = []
    if user is not None:
        events = list(
            Event.objects.filter(user=user)
            .select_related("item", "item__shop")
            .order_by("-occurred_at")[:RECENT_EVENTS]
        )
    features = features_for_user(user_id)
    titles = dict(
        Item.objects.filter(external_id__in=[i["item_id"] for f in features for i in f["items"]]).values_list(
            "external_id", "title"
        )
    )
    for feature in features:
        for item in feature["items"]:
            item["title"] = titles.get(item["item_id"], "")
    return {"user": user, "user_id": user_id, "slots": slots, "features": features, "events": events}


def _describe(slot: str, column: PreviewColumn) -> None:
    result = column.result
    keys = [e.key for e in result.entries]
    removed_keys = list(result.trace.removed)[:REMOVED_SHOWN]
    model = Item if slot == "items" else Shop
    related = ("shop",) if slot == "items" else ()
    objects = model.objects.select_related(*related).in_bulk(keys + removed_keys)
    for rank, entry in enumerate(result.entries, start=result.offset + 1):
        column.rows.append(
            {
                "rank": rank,
                "entry": entry,
                "obj": objects.get(entry.key),
                "version": entry.version,
            }
        )
    column.removed = [{"obj": objects.get(key), "key": key, "why": result.trace.removed[key]} for key in removed_keys]


def variant_pin_set(slot: str, user: AppUser, variant_name: str | None, by: str) -> None:
    """Put the user on a variant of the slot (None: back to the hash), replacing any earlier pin."""
    VariantPin.objects.filter(user=user, variant__slot__slot=slot).delete()
    if variant_name:
        from recommendations.models import Variant

        variant = Variant.objects.get(slot__slot=slot, name=variant_name)
        VariantPin.objects.create(user=user, variant=variant, created_by=by)
