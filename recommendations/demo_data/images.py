"""Item pictures for the demo, drawn here (no download): a tile per product in its top category's colour,
naming the product. Served at /demo-images/<category>/<product>.svg (recsite/demo_images.py)."""

from __future__ import annotations

import hashlib
import re
from xml.sax.saxutils import escape

PATH = "/demo-images/{top}/{product}.svg"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def image_url(base: str, top: str, product: str) -> str:
    """Where the demo's picture of `product` (of top category `top`) is served from `base`."""
    return base.rstrip("/") + PATH.format(top=slug(top), product=slug(product))


def image_svg(top: str, product: str) -> str:
    """A 240 x 240 tile: the category's hue, the product's name in two lines at most."""
    hue = int(hashlib.sha256(top.encode()).hexdigest()[:4], 16) % 360
    words = product.replace("-", " ").split() or ["item"]
    lines = [" ".join(words[: (len(words) + 1) // 2]), " ".join(words[(len(words) + 1) // 2 :])]
    text = "".join(
        f'<text x="120" y="{118 + 26 * n}" font-size="22" text-anchor="middle" fill="#fff" '
        f'font-family="sans-serif">{escape(line)}</text>'
        for n, line in enumerate(filter(None, lines))
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240">'
        f'<rect width="240" height="240" fill="hsl({hue},45%,55%)"/>'
        f'<circle cx="120" cy="70" r="26" fill="hsl({hue},45%,75%)"/>{text}'
        f'<text x="120" y="222" font-size="13" text-anchor="middle" fill="#fff" font-family="sans-serif" '
        f'opacity=".8">{escape(top.replace("-", " "))}</text></svg>'
    )
