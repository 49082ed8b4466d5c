"""Similar shops: shops whose items are viewed together, then alike, then popular in the category, then popular."""

from __future__ import annotations

import pytest

from curation.models import NgShop
from recommendations.engine.algorithms.popularity import category_segment
from recommendations.models import Scope
from tests.factories import ContentNeighboursFactory, ItemFactory, ShopFactory
from tests.recommendations.services.serving.world import live_version, neighbours, segment_list

pytestmark = pytest.mark.django_db
SIMILAR = "/api/v1/shops/{}/similar"


@pytest.fixture
def reader(make_client):
    return make_client(Scope.RECOMMENDATIONS_READ)


@pytest.fixture
def world():
    """Six shops: a and b sell kitchen goods viewed together, c sells alike kitchen goods, d kitchen too, e and f
    fashion; popularity ranks every shop, f first."""
    shops = {name: ShopFactory(external_id=f"shop-{name}") for name in "abcdef"}
    category = {"a": "Home > Kitchen", "b": "Home > Kitchen", "c": "Home > Kitchen", "d": "Home > Garden"}
    items = {
        name: [ItemFactory(shop=shop, category_path=category.get(name, "Fashion > Bags")) for _n in range(3)]
        for name, shop in shops.items()
    }
    version = live_version("segment_popularity")
    neighbours(version, items["a"][0], [items["b"][0].pk, items["b"][1].pk])
    ContentNeighboursFactory(item=items["a"][1], keys=[items["c"][0].pk])
    segment_list(version, category_segment("Home"), [items["d"][0].pk, items["b"][2].pk])
    segment_list(version, "all", [shops[n].pk for n in "fedcba"], slot="shops")
    return {"shops": shops, "items": items}


def _ids(body: dict) -> list[str]:
    return [e["shop_id"] for e in body["shops"]]


def test_viewed_together_then_alike_then_the_category_then_everyone(reader, world):
    body = reader.get(SIMILAR.format("shop-a"), {"limit": 5}).json()
    assert _ids(body) == ["shop-b", "shop-c", "shop-d", "shop-f", "shop-e"]
    assert [e["source"] for e in body["shops"][:4]] == ["covisitation", "content", "popularity", "popularity"]
    assert body["slot"] == "similar_shops" and body["algorithm"] == "covisitation"


def test_ng_shops_and_excluded_ones_never_appear(reader, world):
    NgShop.objects.create(shop=world["shops"]["b"], reason="closed")
    ids = _ids(reader.get(SIMILAR.format("shop-a"), {"limit": 10, "exclude": "shop-c"}).json())
    assert "shop-b" not in ids and "shop-c" not in ids and "shop-a" not in ids and ids


def test_a_shop_nobody_has_viewed_still_gets_popular_shops(reader, world):
    ids = _ids(reader.get(SIMILAR.format("shop-e"), {"limit": 3}).json())
    assert ids == ["shop-f", "shop-d", "shop-c"]


def test_an_unknown_shop_is_a_404_and_a_bad_limit_a_400(reader, world):
    missing = reader.get(SIMILAR.format("nope"))
    assert missing.status_code == 404 and "nope" in missing.json()["message"]
    bad = reader.get(SIMILAR.format("shop-a"), {"limit": 0})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "limit"


@pytest.mark.parametrize(
    ("shop_id", "params", "status", "field"),
    [
        ("shop-a\x00", {}, 400, "shop_id"),
        ("x" * 5000, {}, 400, "shop_id"),
        ("\u30b7\u30e7\u30c3\u30d7\U0001f600", {}, 404, None),
        ("shop-a", {"offset": "1001"}, 400, "offset"),
        ("shop-a", {"recommendation_id": "not-a-uuid"}, 400, "recommendation_id"),
        ("shop-a", {"user_id": "u\x00"}, 400, "user_id"),
        ("shop-a", {"exclude": "shop-b,,\u200b"}, 200, None),
    ],
)
def test_careless_requests_get_a_4xx_naming_the_field_and_reads_still_work(
    reader, world, shop_id, params, status, field
):
    from urllib.parse import quote

    response = reader.get(SIMILAR.format(quote(shop_id, safe="")), params)
    assert response.status_code == status, response.content[:300]
    if field:
        assert field in {e["field"] for e in response.json()["errors"]}
    assert reader.get(SIMILAR.format("shop-a")).status_code == 200
