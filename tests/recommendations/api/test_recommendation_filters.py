"""Request-time filters on the list endpoints: category, price band, shop, exclude; full pages, clear 400s."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from curation.models import NgItem
from recommendations.models import Scope, SlotConfig, Variant
from recommendations.services.serving.pipeline import recommend
from recommendations.services.serving.request_filter import EXCLUDE_MAX, RequestFilter
from tests.factories import AppUserFactory, ItemFactory, ShopFactory
from tests.recommendations.services.serving.world import live_version, neighbours, segment_list, user_list

pytestmark = pytest.mark.django_db
CATEGORIES = ["Home > Kitchen", "Home > Kitchen > Knives", "Home > Garden", "Home > Kitchenware"]
ITEMS = "/api/v1/users/alice/recommendations/items"


@pytest.fixture
def reader(make_client):
    return make_client(Scope.RECOMMENDATIONS_READ)


@pytest.fixture
def world():
    """40 items in four categories over three shops, priced 100, 200, ... 4,000; alice's list has the first
    twelve (a quarter of them kitchen items), popularity has them all, last first."""
    shops = [ShopFactory(external_id=f"shop-{s}") for s in range(3)]
    items = [
        ItemFactory(
            external_id=f"item-{n}", shop=shops[n % 3], category_path=CATEGORIES[n % 4], price=Decimal(100 * (n + 1))
        )
        for n in range(40)
    ]
    user = AppUserFactory(external_id="alice")
    version = live_version("item_knn")
    user_list(version, user, [i.pk for i in items[:12]])
    user_list(version, user, [s.pk for s in shops], slot="shops")
    segment_list(version, "all", [i.pk for i in reversed(items)])
    segment_list(version, "all", [s.pk for s in shops], slot="shops")
    neighbours(version, items[0], [items[4].pk, items[2].pk, items[8].pk])
    Variant.objects.filter(slot__slot__in=["items", "shops"]).update(algorithm="item_knn", fallbacks=["popularity"])
    SlotConfig.objects.filter(slot="items").update(per_shop_cap=0)  # three shops: a cap would cut the pages
    return {"items": items, "shops": shops}


def _ids(body: dict, key: str = "item_id") -> list[str]:
    return [e[key] for e in body["items"]]


def _number(item_id: str) -> int:
    return int(item_id.split("-")[1])


def test_a_category_keeps_its_subcategories_and_the_page_stays_full(reader, world):
    body = reader.get(ITEMS, {"limit": 8, "category": "Home > Kitchen"}).json()
    ids = _ids(body)
    assert len(ids) == 8  # alice's own list has six; popularity fills the page
    assert {CATEGORIES[_number(i) % 4] for i in ids} == {"Home > Kitchen", "Home > Kitchen > Knives"}
    assert [e["source"] for e in body["items"]][:6] == ["item_knn"] * 6  # her own list first, filtered


def test_a_price_band_and_a_shop(reader, world):
    ids = _ids(reader.get(ITEMS, {"limit": 10, "price_min": "500", "price_max": "1500"}).json())
    assert ids and all(500 <= 100 * (_number(i) + 1) <= 1500 for i in ids)
    ids = _ids(reader.get(ITEMS, {"limit": 10, "shop_id": "shop-1"}).json())
    assert len(ids) == 10 and all(_number(i) % 3 == 1 for i in ids)


def test_an_empty_price_is_no_price_filter(reader, world):
    response = reader.get(ITEMS, {"limit": 5, "price_min": "", "price_max": " "})
    assert response.status_code == 200 and len(response.json()["items"]) == 5
    free = reader.get(ITEMS, {"limit": 5, "price_max": "0"})  # a band of 0 is a band: no item is free here
    assert free.status_code == 200 and free.json()["items"] == []


def test_exclude_leaves_out_what_is_already_on_screen(reader, world):
    first = _ids(reader.get(ITEMS, {"limit": 3}).json())
    again = _ids(reader.get(ITEMS, {"limit": 3, "exclude": ",".join(first) + ",not-synced-yet"}).json())
    assert len(again) == 3 and not set(first) & set(again)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"shop_id": "no-such-shop"}, "shop_id"),
        ({"price_min": "2000", "price_max": "100"}, "price_min"),
        ({"price_min": "-1"}, "price_min"),
        ({"price_max": "cheap"}, "price_max"),
        ({"exclude": ",".join(f"item-{n}" for n in range(EXCLUDE_MAX + 1))}, "exclude"),
        ({"exclude": "item-1," + "x" * 200}, "exclude"),
        ({"category": "x" * 501}, "category"),
        ({"category": "Kitchen"}, "category"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(reader, world, params, field):
    response = reader.get(ITEMS, params)
    assert response.status_code == 400, response.content
    assert field in {e["field"] for e in response.json()["errors"]}


def test_pages_of_a_filtered_list_keep_the_filter_and_a_new_filter_ranks_again(reader, world):
    first = reader.get(ITEMS, {"limit": 4, "category": "Home > Garden"}).json()
    second = reader.get(
        ITEMS, {"limit": 4, "offset": 4, "category": "Home > Garden", "recommendation_id": first["recommendation_id"]}
    ).json()
    ids = _ids(first) + _ids(second)
    assert len(set(ids)) == 8 and all(_number(i) % 4 == 2 for i in ids)
    switched = reader.get(
        ITEMS, {"limit": 4, "offset": 4, "shop_id": "shop-0", "recommendation_id": first["recommendation_id"]}
    ).json()
    assert all(_number(i) % 3 == 0 for i in _ids(switched))  # not the garden list stored under that id


def test_the_preview_trace_names_the_filter_that_removed_an_entry(world):
    items = world["items"]
    result = recommend("items", "alice", limit=5, log=False, filters=RequestFilter(category="Home > Garden"))
    assert result.trace.removed[items[0].pk].endswith("outside the request's filter: category")
    result = recommend("items", "alice", limit=5, log=False, filters=RequestFilter(exclude=frozenset({items[2].pk})))
    assert result.trace.removed[items[2].pk].endswith("outside the request's filter: exclude")


def test_similar_items_and_shops_take_filters_too(reader, world):
    similar = reader.get("/api/v1/items/item-0/similar", {"limit": 5, "price_max": "600"}).json()
    assert all(100 * (_number(i) + 1) <= 600 for i in _ids(similar))
    assert _ids(similar)[:2] == ["item-4", "item-2"]  # co-visited and cheap enough; item-8 (900) is not
    shops = reader.get("/api/v1/users/alice/recommendations/shops", {"exclude": "shop-0"}).json()
    assert "shop-0" not in [e["shop_id"] for e in shops["shops"]] and shops["shops"]
    bad = reader.get("/api/v1/users/alice/recommendations/shops", {"category": "Home"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "category"


def test_fields_send_what_the_app_shows_beside_each_id(reader, world):
    items = world["items"]
    body = reader.get(ITEMS, {"limit": 2, "fields": "title,price,image_url,shop_id,shop_name,category"}).json()
    first = body["items"][0]
    assert first["item_id"] == "item-0" and first["title"] == items[0].title and first["price"] == 100.0
    assert (first["shop_id"], first["shop_name"]) == ("shop-0", items[0].shop.name)
    assert first["category"] == "Home > Kitchen" and "image_url" in first
    assert set(reader.get(ITEMS, {"limit": 1, "fields": "title"}).json()["items"][0]) == {
        "item_id", "rank", "score", "source", "title",
    }  # fmt: skip
    similar = reader.get("/api/v1/items/item-0/similar", {"limit": 1, "fields": "price"}).json()
    assert similar["items"][0]["price"] == 500.0
    with CaptureQueriesContext(connection) as plain:
        reader.get(ITEMS, {"limit": 5})
    with CaptureQueriesContext(connection) as detailed:
        reader.get(ITEMS, {"limit": 5, "fields": "title,price,shop_name"})
    assert len(detailed) == len(plain)  # read with the page's live check: no second call to the catalogue
    bad = reader.get(ITEMS, {"fields": "title,cost"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "fields"
    assert "'cost'" in bad.json()["errors"][0]["message"]


def test_a_category_is_matched_as_the_admin_matches_it_and_an_unknown_one_is_named(reader, world):
    full_width = "\uff48\uff4f\uff4d\uff45>garden"  # "home" in full-width letters, no spaces around ">"
    ids = _ids(reader.get(ITEMS, {"limit": 4, "category": full_width}).json())
    assert len(ids) == 4 and all(_number(i) % 4 == 2 for i in ids)
    error = reader.get(ITEMS, {"category": "Home > Kitchn"}).json()["errors"][0]
    assert error["field"] == "category" and "did you mean 'Home > Kitchen'" in error["message"]


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    category=st.sampled_from(["", "Home", "Home > Kitchen", "Home > Garden", "Home > Kitchenware"]),
    price_min=st.one_of(st.none(), st.integers(min_value=0, max_value=4200)),
    price_max=st.one_of(st.none(), st.integers(min_value=0, max_value=4200)),
    shop=st.one_of(st.none(), st.integers(min_value=0, max_value=2)),
    exclude=st.sets(st.integers(min_value=0, max_value=39), max_size=10),
    ng=st.sets(st.integers(min_value=0, max_value=39), max_size=10),
    share=st.sampled_from([0, 10, 50]),
    limit=st.integers(min_value=1, max_value=40),
)
def test_whatever_filters_are_combined_nothing_outside_them_or_ng_is_served_and_pages_are_full(
    world, category, price_min, price_max, shop, exclude, ng, share, limit
):
    items, shops = world["items"], world["shops"]
    NgItem.objects.all().delete()
    for n in ng:
        NgItem.objects.create(item=items[n], reason="property test")
    config = SlotConfig.objects.get(slot="items")
    config.exploration_share, config.exploration_after = share, 0
    config.save()
    filters = RequestFilter(
        category=category,
        price_min=None if price_min is None else Decimal(price_min),
        price_max=None if price_max is None else Decimal(price_max),
        shop_key=None if shop is None else shops[shop].pk,
        exclude=frozenset(items[n].pk for n in exclude),
    )

    def passes(n: int) -> bool:
        price = 100 * (n + 1)
        path = CATEGORIES[n % 4]
        return (
            (not category or path == category or path.startswith(category + " > "))
            and (price_min is None or price >= price_min)
            and (price_max is None or price <= price_max)
            and (shop is None or n % 3 == shop)
            and n not in exclude
            and n not in ng
        )

    served = recommend("items", "alice", limit=limit, log=False, filters=filters)
    numbers = [_number(served.external_ids[e.key]) for e in served.entries]
    assert all(passes(n) for n in numbers), numbers
    eligible = sum(passes(n) for n in range(40))
    assert len(numbers) == min(limit, eligible) and len(set(numbers)) == len(numbers)
