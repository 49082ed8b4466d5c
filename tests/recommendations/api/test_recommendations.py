"""The recommendation endpoints through HTTP: parameters, scopes, unknown users, impressions."""

from __future__ import annotations

import pytest

from recommendations.models import AppUser, Impression, Scope, Variant
from recommendations.services.serving import impressions
from tests.factories import AppUserFactory, ItemFactory, ShopFactory
from tests.recommendations.services.serving.world import live_version, neighbours, segment_list, user_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make_client):
    return make_client(Scope.RECOMMENDATIONS_READ)


@pytest.fixture
def world():
    shops = [ShopFactory(external_id=f"shop-{s}") for s in range(3)]
    items = [ItemFactory(external_id=f"item-{n}", shop=shops[n % 3]) for n in range(30)]
    user = AppUserFactory(external_id="alice")
    version = live_version("item_knn")
    user_list(version, user, [i.pk for i in items])
    user_list(version, user, [s.pk for s in shops], slot="shops")
    segment_list(version, "all", [i.pk for i in reversed(items)])
    segment_list(version, "all", [s.pk for s in shops], slot="shops")
    neighbours(version, items[0], [items[9].pk, items[12].pk])
    Variant.objects.filter(slot__slot__in=["items", "shops"]).update(algorithm="item_knn")
    return {"items": items, "user": user, "version": version}


def test_items_for_a_known_user(reader, world):
    response = reader.get("/api/v1/users/alice/recommendations/items", {"limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["slot"] == "items" and body["algorithm"] == "item_knn"
    assert body["model_version"] == world["version"].pk and body["variant"] in {"A", "B"}
    assert [e["rank"] for e in body["items"]] == [1, 2, 3]
    assert body["items"][0] == {"item_id": "item-0", "rank": 1, "score": 30.0, "source": "item_knn"}


def test_shops_for_a_known_user(reader, world):
    body = reader.get("/api/v1/users/alice/recommendations/shops").json()
    assert [e["shop_id"] for e in body["items"]] == ["shop-0", "shop-1", "shop-2"]


def test_unknown_user_gets_popularity_not_404(reader, world):
    response = reader.get("/api/v1/users/stranger/recommendations/items", {"limit": 2})
    assert response.status_code == 200
    assert [e["item_id"] for e in response.json()["items"]] == ["item-29", "item-28"]


def test_second_page_with_recommendation_id(reader, world):
    first = reader.get("/api/v1/users/alice/recommendations/items", {"limit": 2}).json()
    second = reader.get(
        "/api/v1/users/alice/recommendations/items",
        {"limit": 2, "offset": 2, "recommendation_id": first["recommendation_id"]},
    ).json()
    assert second["recommendation_id"] == first["recommendation_id"]
    assert [e["rank"] for e in second["items"]] == [3, 4]


def test_another_users_or_a_made_up_recommendation_id_starts_a_new_list(reader, world):
    """A list id names whose list it is: paging with another user's id, another slot's or one made up gets a
    freshly ranked first page under a new id, so nothing is shown or credited under a list not made for them."""
    AppUserFactory(external_id="bob")
    bobs = reader.get("/api/v1/users/bob/recommendations/items", {"limit": 2}).json()["recommendation_id"]
    shops = reader.get("/api/v1/users/alice/recommendations/shops", {"limit": 2}).json()["recommendation_id"]
    for foreign in (bobs, shops, "6f1e0c1a-5d4b-4f7e-9a53-0d8f6c2b9e11"):
        answer = reader.get(
            "/api/v1/users/alice/recommendations/items", {"limit": 2, "offset": 2, "recommendation_id": foreign}
        )
        assert answer.status_code == 200
        body = answer.json()
        assert body["recommendation_id"] != foreign, foreign
        assert [e["rank"] for e in body["items"]] == [3, 4]  # the page asked for, of a list ranked for alice
        assert not Impression.objects.filter(
            recommendation_id=foreign, slot="items", user__external_id="alice"
        ).exists()
        assert Impression.objects.filter(recommendation_id=body["recommendation_id"]).exists()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"recommendation_id": "not-a-uuid"}, "recommendation_id"),
    ],
)
def test_bad_parameters_are_named(reader, world, params, field):
    response = reader.get("/api/v1/users/alice/recommendations/items", params)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_scope_is_required(make_client, world):
    response = make_client(Scope.EVENTS_WRITE).get("/api/v1/users/alice/recommendations/items")
    assert response.status_code == 403
    assert "recommendations:read" in response.json()["message"]


def test_no_key_is_401(client, world):
    assert client.get("/api/v1/users/alice/recommendations/items").status_code == 401


def test_each_served_page_is_recorded_as_an_impression(reader, world):
    body = reader.get("/api/v1/users/alice/recommendations/items", {"limit": 3}).json()
    impression = Impression.objects.get()
    assert str(impression.recommendation_id) == body["recommendation_id"]
    assert impression.user == world["user"] and impression.slot == "items"
    assert impression.variant == body["variant"] and impression.model_version_id == world["version"].pk
    assert impression.shown == [world["items"][i].pk for i in range(3)]


def test_an_unknown_users_page_is_logged_without_creating_the_user(reader, world):
    for _ in range(3):
        reader.get("/api/v1/users/newcomer/recommendations/items", {"limit": 3})
    assert set(Impression.objects.values_list("user", "user_ref")) == {(None, "newcomer")}
    assert not AppUser.objects.filter(external_id="newcomer").exists()  # a read key cannot fill the user table


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_background_mode_writes_impressions_off_the_request(reader, world, settings):
    settings.IMPRESSION_LOG_MODE = "background"
    settings.IMPRESSION_FLUSH_SECONDS = 3600  # the thread must not race the test's explicit flush
    reader.get("/api/v1/users/alice/recommendations/items", {"limit": 3})
    assert Impression.objects.count() == 0  # the request only buffered it
    assert impressions.impressions_flush() == 1
    assert Impression.objects.count() == 1
    impressions.impressions_stop()  # the writer thread's connection would keep the test database open


def test_features_is_an_empty_list_until_features_exist(reader, world):
    body = reader.get("/api/v1/users/alice/recommendations/features").json()
    assert body["features"] == [] and body["slot"] == "features"


def test_similar_items_from_covisitation_then_same_category(reader, world):
    response = reader.get("/api/v1/items/item-0/similar", {"limit": 5})
    assert response.status_code == 200
    ids = [e["item_id"] for e in response.json()["items"]]
    assert ids[:2] == ["item-9", "item-12"] and "item-0" not in ids and len(ids) == 5
    assert response.json()["items"][2]["source"] == "popularity"


def test_similar_items_of_an_unknown_item_is_404(reader, world):
    response = reader.get("/api/v1/items/nope/similar")
    assert response.status_code == 404
    assert "nope" in response.json()["message"]


def test_shops_come_under_shops_with_items_kept_for_v1_clients(reader, world):
    body = reader.get("/api/v1/users/alice/recommendations/shops").json()
    assert [e["shop_id"] for e in body["shops"]] == ["shop-0", "shop-1", "shop-2"]
    assert body["items"] == body["shops"]


def test_similar_items_for_a_user_are_an_impression_and_page_by_recommendation_id(reader, world):
    first = reader.get("/api/v1/items/item-0/similar", {"limit": 2, "user_id": "alice"}).json()
    impression = Impression.objects.get()
    assert impression.slot == "similar" and impression.user == world["user"]
    assert impression.shown == [world["items"][9].pk, world["items"][12].pk]
    assert str(impression.recommendation_id) == first["recommendation_id"]

    second = reader.get(
        "/api/v1/items/item-0/similar",
        {"limit": 2, "offset": 2, "user_id": "alice", "recommendation_id": first["recommendation_id"]},
    ).json()
    assert second["recommendation_id"] == first["recommendation_id"]
    assert [e["rank"] for e in second["items"]] == [3, 4]
    assert not {e["item_id"] for e in second["items"]} & {e["item_id"] for e in first["items"]}
    assert Impression.objects.count() == 2


def test_similar_items_without_a_user_log_no_impression(reader, world):
    assert reader.get("/api/v1/items/item-0/similar", {"limit": 2}).status_code == 200
    assert not Impression.objects.exists()


def test_features_log_the_items_they_showed(reader, world):
    from curation.models import Feature

    Feature.objects.create(title="Bags", slug="bags", status="published", rule_categories=["Fashion"])
    body = reader.get("/api/v1/users/alice/recommendations/features").json()
    assert [f["feature_id"] for f in body["features"]] == ["bags"]
    shown_ids = [i["item_id"] for i in body["features"][0]["items"]]
    impression = Impression.objects.get()
    assert impression.slot == "features" and str(impression.recommendation_id) == body["recommendation_id"]
    by_pk = {i.pk: i.external_id for i in world["items"]}
    assert [by_pk[k] for k in impression.shown] == shown_ids


@pytest.mark.parametrize("path", ["/api/v1/users/alice/recommendations/brands", "/api/v1/no-such-thing"])
def test_an_unknown_slot_or_path_is_a_json_404(reader, world, path):
    response = reader.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


def test_a_slot_missing_from_the_admin_is_a_503_with_retry_after(reader, world):
    from recommendations.models import SlotConfig

    SlotConfig.objects.filter(slot="shops").delete()
    response = reader.get("/api/v1/users/alice/recommendations/shops")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert "Slots" in response.json()["message"] and response.json()["code"] == "unavailable"
