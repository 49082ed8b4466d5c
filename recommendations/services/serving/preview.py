"""What staff see in the preview: every slot as the API would serve it now, beside every other variant,
with the trace, the catalog details of each entry and the user's recent events."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from curation.models import Feature
from recommendations.display import money
from recommendations.models import CONFIGURED_SLOTS, AppUser, Event, Item, Shop, Slot
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
    heading: str = ""


def recommendations_preview(user_id: str) -> dict:
    """For each slot the API's answer now and each other variant's, ready to show; never logs impressions."""
    state = current_state()
    user = AppUser.objects.filter(external_id=user_id).first()
    slots = []
    for slot in (s.value for s in CONFIGURED_SLOTS):
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
            _name_references(column)
        slots.append(SlotPreview(slot, state.user_variants.get((slot, user_id)), columns, str(Slot(slot).label)))
    events = []
    if user is not None:
        events = list(
            Event.objects.filter(user=user)
            .select_related("item", "item__shop")
            .order_by("-occurred_at")[:RECENT_EVENTS]
        )
    if events:  # what the page of the item they looked at last, and of its shop, would show
        latest = events[0].item
        heading = _("Similar to %(title)s (%(item)s)") % {"title": latest.title, "item": latest.external_id}
        slots.append(_about_one("similar", user_id, latest.external_id, heading))
        shop = latest.shop
        heading = _("Shops like %(shop)s (%(id)s)") % {"shop": shop.name, "id": shop.external_id}
        slots.append(_about_one("similar_shops", user_id, shop.external_id, heading))
    # "previewed", not "user": the admin's templates read `user` as the signed-in staff member
    return {"previewed": user, "user_id": user_id, "slots": slots, "events": events}


def _about_one(slot: str, user_id: str, subject: str, heading: str) -> SlotPreview:
    """A list about one item or shop (similar items, similar shops) as the API serves it to this user."""
    result = recommend(slot, user_id, item_id=subject, log=False, explain=True)
    column = PreviewColumn("", result.algorithm, True, result)
    _describe(slot, column)
    _name_references(column)
    return SlotPreview(slot, None, [column], heading)


def _describe(slot: str, column: PreviewColumn) -> None:
    """Each entry and each removed candidate as staff read them: title, shop, price, category, image."""
    result = column.result
    keys = [e.key for e in result.entries]
    removed_keys = list(result.trace.removed)[:REMOVED_SHOWN]
    model = {"shops": Shop, "similar_shops": Shop, "features": Feature}.get(slot, Item)
    related = ("shop",) if model is Item else ()
    objects = model.objects.select_related(*related).in_bulk(keys + removed_keys)
    children = [k for keys_of in result.children.values() for k in keys_of]
    titles = dict(Item.objects.filter(pk__in=children).values_list("pk", "title")) if children else {}
    for rank, entry in enumerate(result.entries, start=result.offset + 1):
        obj = objects.get(entry.key)
        row = {"rank": rank, "entry": entry, "obj": obj, "version": entry.version, "notes": list(entry.notes)}
        column.rows.append({**row, **_shown(obj)})
        if slot == "features":  # what the feature shows, by title
            column.rows[-1]["subtitle"] = ", ".join(titles.get(k, "") for k in result.children.get(entry.key, []))
    column.removed = [
        {"key": key, "why": result.trace.removed[key], **_shown(objects.get(key))} for key in removed_keys
    ]


def _shown(obj: Item | Shop | Feature | None) -> dict:
    if isinstance(obj, Item):
        return {
            "title": obj.title,
            "subtitle": f"{obj.shop.name} · {money(obj.price)} · {obj.category_path}",
            "external_id": obj.external_id,
            "image_url": obj.image_url or "",
            "is_item": True,
        }
    if isinstance(obj, Shop):
        return {"title": obj.name, "subtitle": "", "external_id": obj.external_id}
    if isinstance(obj, Feature):
        return {"title": obj.title, "subtitle": "", "external_id": obj.slug}
    return {"title": "", "subtitle": "", "external_id": ""}


REFERENCE = re.compile(r"\[\[(item|shop):(\d+)\]\]")


def _name_references(column: PreviewColumn) -> None:
    """Trace lines, notes and reasons name items and shops by database key; staff read title and id."""
    texts = [*column.result.trace.steps, *(r["why"] for r in column.removed)]
    texts += [note for row in column.rows for note in row["entry"].notes]
    named = references_namer(texts)
    column.result.trace.steps[:] = [named(step) for step in column.result.trace.steps]
    for row in column.removed:
        row["why"] = named(row["why"])
    for row in column.rows:
        row["notes"] = [named(note) for note in row["entry"].notes]


def references_namer(texts: list[object]) -> Callable[[object], str]:
    """A function that writes each [[item:key]] / [[shop:key]] of these texts as "name (id)"."""
    wanted: dict[str, set[int]] = {"item": set(), "shop": set()}
    for text in texts:
        for kind, key in REFERENCE.findall(str(text)):
            wanted[kind].add(int(key))
    names: dict[tuple[str, int], str] = {}
    if wanted["item"]:
        rows = Item.objects.filter(pk__in=wanted["item"]).values_list("pk", "title", "external_id")
        names |= {("item", pk): f"{title} ({external})" for pk, title, external in rows}
    if wanted["shop"]:
        rows = Shop.objects.filter(pk__in=wanted["shop"]).values_list("pk", "name", "external_id")
        names |= {("shop", pk): f"{name} ({external})" for pk, name, external in rows}

    def named(text: object) -> str:
        return REFERENCE.sub(lambda m: names.get((m[1], int(m[2])), f"#{m[2]}"), str(text))

    return named
