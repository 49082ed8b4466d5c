"""What the app shows of a recommended item, sent beside its id when asked (`fields=`), so a list needs no
second call to the catalogue."""

from __future__ import annotations

from recommendations.models import Item

# the name in `fields=` -> the column it reads
ITEM_FIELDS = {
    "title": "title",
    "price": "price",
    "image_url": "image_url",
    "category": "category_path",
    "shop_id": "shop__external_id",
    "shop_name": "shop__name",
}


def item_details(keys: list[int], fields: list[str]) -> dict[int, dict]:
    """Each item key's asked-for fields (one query for the page); a price as a number, or null."""
    if not keys or not fields:
        return {}
    columns = [ITEM_FIELDS[name] for name in fields]
    rows = Item.objects.filter(pk__in=keys).values_list("pk", *columns)
    details = {}
    for pk, *values in rows:
        shown = dict(zip(fields, values, strict=True))
        if "price" in shown:
            shown["price"] = float(shown["price"]) if shown["price"] is not None else None
        details[pk] = shown
    return details
