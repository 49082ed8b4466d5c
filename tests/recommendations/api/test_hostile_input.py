"""What a careless or hostile client sends to the write endpoints gets a 400 naming the field, never a
500, and the reads afterwards still work; rows stored before the bounds existed cannot take serving down."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from recommendations.models import Scope
from tests.factories import AppUserFactory, EventFactory, ItemFactory, NgItemFactory
from tests.recommendations.services.serving.world import live_version, neighbours, segment_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    items = [ItemFactory(external_id=f"item-{n}") for n in range(10)]
    AppUserFactory(external_id="alice")
    version = live_version("segment_popularity")
    segment_list(version, "all", [i.pk for i in items])
    neighbours(version, items[0], [items[1].pk])
    return items


@pytest.fixture
def client(make_client):
    return make_client(
        Scope.EVENTS_WRITE, Scope.CATALOG_WRITE, Scope.CURATION_WRITE, Scope.RECOMMENDATIONS_READ, Scope.USERS_ERASE
    )


def _event(**overrides) -> dict:
    return {
        "event_id": "0b0c6a64-8f0e-4c83-9a3a-55b3c1d2e001",
        "user_id": "alice",
        "session_id": "s",
        "item_id": "item-1",
        "type": "view",
        "occurred_at": "2026-11-28T09:30:00+09:00",
        **overrides,
    }


def _reads_still_work(client) -> None:
    for path in (
        "/api/v1/users/alice/recommendations/items",
        "/api/v1/users/alice/recommendations/shops",
        "/api/v1/users/alice/recommendations/features",
        "/api/v1/items/item-0/similar?user_id=alice",
        "/api/v1/ng/items",
    ):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("occurred_at", "field"),
    [
        ("0001-01-01T00:00:00+14:00", "occurred_at"),
        ("9999-12-31T23:59:59-14:00", "occurred_at"),
        ("1989-12-31T23:59:59Z", "occurred_at"),
        ("2999-01-01T00:00:00Z", "occurred_at"),
    ],
)
def test_event_times_out_of_range_are_400(client, world, occurred_at, field):
    response = client.post("/api/v1/events", {"events": [_event(occurred_at=occurred_at)]}, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    _reads_still_work(client)


@pytest.mark.parametrize(
    ("override", "field"),
    [({"user_id": "al\ud800ice"}, "user_id"), ({"session_id": "s\x00"}, "session_id")],
)
def test_odd_text_is_400_naming_the_field(client, world, override, field):
    body = json.dumps({"events": [_event(**override)]})  # escaped as \\ud800, as a client's JSON would be
    response = client.post("/api/v1/events", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == field


def test_json_nested_beyond_reason_is_400(client, world):
    body = '{"events": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post("/api/v1/events", body, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["message"]


def _shop_with(attributes_json: str) -> str:
    return '{"shops": [{"shop_id": "s-1", "name": "S", "attributes": ' + attributes_json + "}]}"


@pytest.mark.parametrize(
    ("attributes_json", "message"),
    [
        ('{"a": "\\u0000"}', "NUL"),
        ('{"a": "\\ud800"}', "surrogate"),
        ('{"a": ' * 20 + "1" + "}" * 20, "nested at most"),
    ],
)
def test_attributes_with_nul_odd_text_or_deep_nesting_are_400_naming_them(client, world, attributes_json, message):
    response = client.post("/api/v1/shops", _shop_with(attributes_json), content_type="application/json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "attributes" and message in error["message"]


def test_attributes_nested_thousands_deep_are_400(client, world):
    body = _shop_with('{"a": ' * 5000 + "1" + "}" * 5000)
    assert client.post("/api/v1/shops", body, content_type="application/json").status_code == 400


@pytest.mark.parametrize(
    "expires_at", ["9999-12-31T23:59:59-14:00", "9999-12-31", "0001-01-01T00:00:00+14:00", "3026-01-01"]
)
def test_ng_expiry_at_the_calendars_edge_is_400_and_serving_stays_up(client, world, expires_at):
    response = client.put("/api/v1/ng/items/item-3", {"reason": "x", "expires_at": expires_at}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "expires_at"
    _reads_still_work(client)


def test_report_dates_before_the_calendar_we_keep_are_400(make_client):
    response = make_client(Scope.REPORTS_READ).get("/api/v1/experiments/items/report", {"to": "0001-01-01"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "to"


def test_rows_stored_out_of_range_before_the_bounds_do_not_take_serving_down(client, world, staff):
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL stores times Python cannot read (1 BC, year 10000)")
    entry = NgItemFactory(item=world[5])
    event = EventFactory(user__external_id="bob", item=world[2])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE curation_ngitem SET expires_at = '10000-01-01 00:00:00+00' WHERE id = %s", [entry.pk])
        cursor.execute(
            "UPDATE recommendations_event SET occurred_at = '0001-12-31 10:00:00+00 BC' WHERE id = %s", [event.pk]
        )
    from recommendations.generation import generation_changed

    generation_changed()  # rows changed behind the ORM's back
    items = client.get("/api/v1/users/bob/recommendations/items").json()["items"]
    assert "item-5" not in {e["item_id"] for e in items}  # the NG entry still applies
    assert client.get("/api/v1/items/item-0/similar?user_id=bob").status_code == 200
    _reads_still_work(client)
    page = staff.get("/admin/recommendations/slotconfig/").content.decode()
    assert "1 event is dated outside 1990-01-01 to tomorrow" in page
    assert "NG items: 1 entry expires more than 100 years ahead" in page


def test_stored_rows_serving_cannot_use_are_left_out_and_shown_to_staff(client, world, staff):
    from recommendations.models import SegmentCandidates, UserCandidates, Variant

    alice = AppUserFactory(external_id="carol")
    UserCandidates.objects.create(
        version=live_version("item_knn"), user=alice, slot="items", ids=b"\x01\x02\x03", scores=b"\x00"
    )
    live = SegmentCandidates.objects.get(segment="all", slot="items").version
    SegmentCandidates.objects.create(version=live, segment="female", slot="items", ids=b"\x01", scores=b"")
    Variant.objects.filter(slot__slot="shops").update(fallbacks={"not": "a list"})
    from recommendations.generation import generation_changed

    generation_changed()
    assert client.get("/api/v1/users/carol/recommendations/items").status_code == 200
    _reads_still_work(client)
    page = staff.get("/admin/recommendations/slotconfig/").content.decode()
    assert "packed lists are damaged" in page and "fallbacks are not a list" in page


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/users/" + "u" * 129 + "/recommendations/items", "user_id"),
        ("/api/v1/users/%20%20/recommendations/shops", "user_id"),
        ("/api/v1/items/%0A/similar", "item_id"),
        ("/api/v1/users/al%00ice/recommendations/features", "user_id"),
    ],
)
def test_ids_in_the_path_are_checked_as_in_bodies(client, world, path, field):
    response = client.get(path)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert client.delete("/api/v1/users/" + "u" * 129).json()["errors"][0]["field"] == "user_id"


@pytest.mark.parametrize(
    ("path", "typo"),
    [
        ("/api/v1/users/alice/recommendations/items?limt=5", "limt"),
        ("/api/v1/items/item-0/similar?user=alice", "user"),
        ("/api/v1/ng/items?page=2", "page"),
    ],
)
def test_a_misspelt_query_parameter_is_400_naming_it(client, world, path, typo):
    response = client.get(path)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == typo and "is not a parameter of this endpoint" in error["message"]


@pytest.mark.parametrize(
    ("price", "stored"),
    [("4310.50", "4310.50"), (4310, "4310.00"), ("", None), (None, None), (0.004, "0.00")],
)
def test_prices_as_the_schema_states_them_are_stored(client, world, price, stored):
    row = {"item_id": "item-1", "price": price}
    assert client.post("/api/v1/items", {"items": [row]}, format="json").status_code == 200
    item = world[1].__class__.objects.get(external_id="item-1")
    assert (str(item.price) if item.price is not None else None) == stored


@pytest.mark.parametrize("price", ["-1", "1e3", " 12", "4,310", "\uff11\uff12", -0.5, 1e10, True, "NaN"])
def test_prices_the_schema_does_not_allow_are_400(client, world, price):
    response = client.post("/api/v1/items", {"items": [{"item_id": "item-1", "price": price}]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "price"
