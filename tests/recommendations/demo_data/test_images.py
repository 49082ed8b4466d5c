"""The demo's items have pictures recsite draws itself, so its shop window is not a wall of grey boxes."""

from __future__ import annotations

import datetime as dt

from recommendations.demo_data.generator import DemoSize, generate


def test_every_demo_item_has_a_picture_that_recsite_serves(client):
    data = generate(DemoSize(5, 40, 10, 2), seed=1, end=dt.datetime(2026, 11, 30, tzinfo=dt.UTC),
                    image_base="http://127.0.0.1:8000")  # fmt: skip
    urls = {item["image_url"] for item in data.items}
    assert all(u.startswith("http://127.0.0.1:8000/demo-images/") and u.endswith(".svg") for u in urls)
    some = sorted(urls)[0].removeprefix("http://127.0.0.1:8000")
    picture = client.get(some)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/svg+xml"
    assert picture.content.startswith(b"<svg") and b"<script" not in picture.content


def test_a_product_name_is_drawn_escaped(client):
    picture = client.get("/demo-images/home-living/stoneware-mug.svg").content.decode()
    assert "stoneware" in picture and "mug" in picture
    assert client.get("/demo-images/x/%3Cscript%3E.svg").status_code == 404  # not a slug: no such picture
