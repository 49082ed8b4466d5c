import datetime as dt
import uuid

import pytest

from recommendations.models import AppUser, Event
from tests.factories import AppUserFactory, ItemFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/events"


def make_event(item_id: str, **overrides) -> dict:
    event = {
        "event_id": str(uuid.uuid4()),
        "user_id": "u-1",
        "session_id": "sess-1",
        "item_id": item_id,
        "type": "view",
        "occurred_at": "2026-11-20T09:30:00+09:00",
    }
    event.update(overrides)
    return event


def test_a_valid_batch_is_stored_with_every_field(events_client):
    item = ItemFactory()
    AppUserFactory(external_id="u-1")
    events = [make_event(item.external_id, type="cart_add", recommendation_id="rec-9"), make_event(item.external_id)]

    response = events_client.post(URL, {"events": events}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == {"stored": 2, "duplicates": 0, "users_created": 0}
    stored = Event.objects.get(event_id=events[0]["event_id"])
    assert stored.item == item
    assert stored.user.external_id == "u-1"
    assert stored.type == "cart_add"
    assert stored.recommendation_id == "rec-9"
    assert stored.session_id == "sess-1"
    assert stored.occurred_at == dt.datetime(2026, 11, 20, 0, 30, tzinfo=dt.UTC)


def test_a_retried_batch_stores_nothing_twice_and_counts_duplicates(events_client):
    item = ItemFactory()
    events = [make_event(item.external_id) for _ in range(3)]
    events_client.post(URL, {"events": events[:2]}, format="json")

    response = events_client.post(URL, {"events": events}, format="json")

    assert response.json() == {"stored": 1, "duplicates": 2, "users_created": 0}
    assert Event.objects.count() == 3


def test_an_event_repeated_inside_one_batch_is_stored_once(events_client):
    item = ItemFactory()
    event = make_event(item.external_id)

    response = events_client.post(URL, {"events": [event, event]}, format="json")

    assert response.json()["stored"] == 1
    assert response.json()["duplicates"] == 1


def test_an_unknown_user_is_created(events_client):
    item = ItemFactory()

    response = events_client.post(URL, {"events": [make_event(item.external_id, user_id="new-user")]}, format="json")

    assert response.json()["users_created"] == 1
    assert AppUser.objects.filter(external_id="new-user").exists()


def test_one_bad_event_rejects_the_whole_batch_and_names_index_and_field(events_client):
    item = ItemFactory()
    events = [
        make_event(item.external_id),
        make_event("no-such-item"),
        make_event(item.external_id, type="click", occurred_at="2026-11-20T09:30:00"),
        make_event(item.external_id, event_id="not-a-uuid", user_id=42),
    ]

    response = events_client.post(URL, {"events": events}, format="json")

    assert response.status_code == 400
    errors = {(e["index"], e["field"]): e["message"] for e in response.json()["errors"]}
    assert "unknown item 'no-such-item'" in errors[(1, "item_id")]
    assert "not one of" in errors[(2, "type")]
    assert "time zone" in errors[(2, "occurred_at")]
    assert "not a valid UUID" in errors[(3, "event_id")]
    assert "must be a string" in errors[(3, "user_id")]
    assert Event.objects.count() == 0
    assert not AppUser.objects.exists()


def test_missing_and_unknown_fields_are_named(events_client):
    item = ItemFactory()
    event = make_event(item.external_id, itemId="typo")
    del event["session_id"]

    response = events_client.post(URL, {"events": [event]}, format="json")

    errors = {(e["index"], e["field"]): e["message"] for e in response.json()["errors"]}
    assert errors[(0, "session_id")] == "this field is required"
    assert errors[(0, "itemId")].startswith("unknown field")


def test_events_from_the_far_future_are_rejected(events_client):
    item = ItemFactory()

    response = events_client.post(
        URL, {"events": [make_event(item.external_id, occurred_at="2099-01-01T00:00:00Z")]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "occurred_at"


def test_every_event_type_is_accepted(events_client):
    item = ItemFactory()
    kinds = ["view", "favorite", "cart_add", "purchase", "not_interested"]

    response = events_client.post(URL, {"events": [make_event(item.external_id, type=k) for k in kinds]}, format="json")

    assert response.json()["stored"] == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "events"), ({"events": []}, "events"), ({"events": "x"}, "events"), ({"events": [1], "x": 1}, "x")],
)
def test_malformed_bodies_get_a_400_naming_the_field(events_client, body, field):
    response = events_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]


def test_more_than_1000_events_are_refused(events_client):
    item = ItemFactory()

    response = events_client.post(URL, {"events": [make_event(item.external_id)] * 1001}, format="json")

    assert response.status_code == 400
    assert "at most 1000" in response.json()["errors"][0]["message"]


def test_ids_with_tabs_newlines_and_backslashes_are_stored_exactly(events_client):
    item = ItemFactory()
    session = 'tab\there\nnewline\\back"quote'

    events_client.post(
        URL, {"events": [make_event(item.external_id, session_id=session, user_id='u\\"1')]}, format="json"
    )

    stored = Event.objects.get()
    assert stored.session_id == session
    assert stored.user.external_id == 'u\\"1'


def test_a_batch_mixing_stored_and_new_events_stores_only_the_new(events_client):
    item = ItemFactory()
    old = [make_event(item.external_id) for _ in range(2)]
    events_client.post(URL, {"events": old}, format="json")
    new = [make_event(item.external_id) for _ in range(3)]

    response = events_client.post(URL, {"events": [*new[:1], *old, *new[1:], new[0]]}, format="json")

    assert response.json() == {"stored": 3, "duplicates": 3, "users_created": 0}
    assert Event.objects.count() == 5


def test_nul_characters_are_refused(events_client):
    item = ItemFactory()

    response = events_client.post(URL, {"events": [make_event(item.external_id, session_id="a\x00b")]}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "session_id"


def test_a_purchase_carries_its_value_currency_and_quantity(events_client):
    from decimal import Decimal

    item = ItemFactory()
    events = [
        make_event(item.external_id, type="purchase", value=4310, quantity=2),
        make_event(item.external_id, type="purchase", value="19.99", currency="USD"),
        make_event(item.external_id, type="purchase"),
    ]
    assert events_client.post(URL, {"events": events}, format="json").status_code == 200
    stored = {e.event_id: e for e in Event.objects.all()}
    first, second, third = (stored[uuid.UUID(e["event_id"])] for e in events)
    assert (first.value, first.currency, first.quantity) == (Decimal("4310.00"), "JPY", 2)  # the site's currency
    assert (second.value, second.currency, second.quantity) == (Decimal("19.99"), "USD", None)
    assert (third.value, third.currency) == (None, "")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"type": "view", "value": 100}, "value", "only a purchase carries a value, currency or quantity"),
        ({"type": "purchase", "value": -1}, "value", "must be zero or more"),
        ({"type": "purchase", "value": "1e3"}, "value", "is not a number like 4310"),
        ({"type": "purchase", "value": 10, "currency": "yen"}, "currency", "three-letter ISO 4217 code"),
        ({"type": "purchase", "currency": "JPY"}, "currency", "a currency needs a value"),
        ({"type": "purchase", "value": 10, "quantity": 0}, "quantity", "must be between 1 and 100,000"),
        ({"type": "purchase", "value": 10, "quantity": 1.5}, "quantity", "must be a whole number"),
    ],
)
def test_a_bad_purchase_value_is_refused_naming_the_field(events_client, overrides, field, message):
    item = ItemFactory()
    response = events_client.post(URL, {"events": [make_event(item.external_id, **overrides)]}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(e["field"] == field and message in e["message"] for e in errors), errors
    assert not Event.objects.exists()
