"""What the app shows of a recommended item, sent beside its id when asked (`fields=`), so a list needs no
second call to the catalogue. They are read with the page's live check (reads.servable_items), in the same
query."""

from __future__ import annotations

from decimal import Decimal

# the names `fields=` accepts, in the order of reads.DETAIL_COLUMNS
ITEM_FIELDS = ("title", "price", "image_url", "category", "shop_id", "shop_name")


def item_details(values: tuple, fields: tuple[str, ...]) -> dict:
    """The asked-for fields of one item from its detail columns; a price as a number, or null."""
    row = dict(zip(ITEM_FIELDS, values, strict=True))
    price = row["price"]
    row["price"] = float(price) if isinstance(price, Decimal | float | int) else None
    return {name: row[name] for name in fields}
