from decimal import Decimal

import pytest

from recommendations.models import AppUser, Item, Shop
from tests.factories import ItemFactory, ShopFactory

pytestmark = pytest.mark.django_db


def test_shops_are_created_then_updated(catalog_client):
    first = catalog_client.post("/api/v1/shops", {"shops": [{"shop_id": "s1", "name": "Kobo"}]}, format="json")
    second = catalog_client.post(
        "/api/v1/shops",
        {
            "shops": [
                {"shop_id": "s1", "name": "Kobo Tokyo", "attributes": {"region": "Kanto"}},
                {"shop_id": "s2", "name": "B"},
            ]
        },
        format="json",
    )

    assert first.json() == {"created": 1, "updated": 0}
    assert second.json() == {"created": 1, "updated": 1}
    shop = Shop.objects.get(external_id="s1")
    assert shop.name == "Kobo Tokyo"
    assert shop.attributes == {"region": "Kanto"}


def test_items_are_upserted_with_every_field(catalog_client):
    ShopFactory(external_id="s1")
    row = {
        "item_id": "i1",
        "shop_id": "s1",
        "title": "Linen tote",
        "category_path": "Fashion > Bags > Tote bags",
        "price": "3200",
        "image_url": "https://img.example.com/i1.jpg",
        "published": True,
        "in_stock": False,
        "attributes": {"color": "natural"},
        "created_at": "2026-10-01T00:00:00Z",
    }

    response = catalog_client.post("/api/v1/items", {"items": [row]}, format="json")

    assert response.status_code == 200, response.json()
    item = Item.objects.get(external_id="i1")
    assert item.shop.external_id == "s1"
    assert item.price == Decimal("3200.00")
    assert item.in_stock is False
    assert item.categories == ["Fashion", "Bags", "Tote bags"]
    assert item.attributes == {"color": "natural"}


def test_a_partial_row_changes_only_the_fields_it_gives(catalog_client):
    item = ItemFactory(title="Original", in_stock=True, price=Decimal("100"))

    response = catalog_client.post(
        "/api/v1/items", {"items": [{"item_id": item.external_id, "in_stock": False}]}, format="json"
    )

    assert response.json() == {"created": 0, "updated": 1}
    item.refresh_from_db()
    assert item.in_stock is False
    assert item.title == "Original"
    assert item.price == Decimal("100")


def test_a_bad_item_batch_writes_nothing_and_names_rows(catalog_client):
    ShopFactory(external_id="s1")
    rows = [
        {"item_id": "ok", "shop_id": "s1", "title": "Fine"},
        {"item_id": "i2", "shop_id": "ghost", "title": "No shop"},
        {"item_id": "i3", "shop_id": "s1"},
        {"item_id": "i4", "shop_id": "s1", "title": "x", "price": "-3", "image_url": "ftp://x"},
        {"item_id": "ok", "shop_id": "s1", "title": "Again"},
    ]

    response = catalog_client.post("/api/v1/items", {"items": rows}, format="json")

    assert response.status_code == 400
    errors = {(e["index"], e["field"]): e["message"] for e in response.json()["errors"]}
    assert "unknown shop 'ghost'" in errors[(1, "shop_id")]
    assert errors[(2, "title")] == "required for a new item"
    assert (3, "price") in errors
    assert (3, "image_url") in errors
    assert "appears twice" in errors[(4, "item_id")]
    assert not Item.objects.exists()


def test_users_are_upserted_and_gender_is_normalised(catalog_client):
    rows = [
        {"user_id": "u1", "gender": "F", "birth_year": 1991, "region": "Kansai"},
        {"user_id": "u2", "attributes": {"occupation": "nurse"}},
    ]

    response = catalog_client.post("/api/v1/users", {"users": rows}, format="json")

    assert response.json() == {"created": 2, "updated": 0}
    u1 = AppUser.objects.get(external_id="u1")
    assert (u1.gender, u1.birth_year, u1.region) == ("female", 1991, "Kansai")
    assert AppUser.objects.get(external_id="u2").attributes == {"occupation": "nurse"}


def test_bad_user_rows_are_rejected(catalog_client):
    response = catalog_client.post(
        "/api/v1/users", {"users": [{"user_id": "u1", "gender": "robot", "birth_year": 1800}]}, format="json"
    )

    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"gender", "birth_year"}
    assert not AppUser.objects.exists()
