import datetime as dt
import time

import pytest
from rest_framework.test import APIClient

from recommendations.models import ApiKey, Scope
from recommendations.services.api_keys import api_key_create
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def test_no_key_is_401_with_instructions():
    response = APIClient().post("/api/v1/events", {"events": []}, format="json")

    assert response.status_code == 401
    assert "Api-Key" in response.json()["message"]
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("header", ["Api-Key nope.nope", "Api-Key", "Bearer abc"])
def test_a_wrong_key_is_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert client.post("/api/v1/events", {"events": []}, format="json").status_code == 401


def test_a_revoked_key_is_401():
    key, plain = api_key_create(name="old", scopes=[Scope.EVENTS_WRITE])
    key.revoked = True
    key.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")

    assert client.post("/api/v1/events", {"events": []}, format="json").status_code == 401


def test_a_key_revoked_while_in_use_fails_at_the_next_request():
    key, plain = api_key_create(name="app", scopes=[Scope.EVENTS_WRITE])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")
    assert client.post("/api/v1/events", {"events": []}, format="json").status_code == 400  # known and verified

    key.revoked = True
    key.save()

    assert client.post("/api/v1/events", {"events": []}, format="json").status_code == 401


def test_a_key_without_the_scope_is_403_naming_the_scope(make_client):
    client = make_client(Scope.RECOMMENDATIONS_READ)

    response = client.post("/api/v1/events", {"events": []}, format="json")

    assert response.status_code == 403
    assert "events:write" in response.json()["message"]


def test_keys_are_stored_hashed():
    key, plain = api_key_create(name="app", scopes=[Scope.EVENTS_WRITE])

    stored = ApiKey.objects.get(pk=key.pk)
    assert plain not in stored.hashed_key
    assert stored.hashed_key.startswith("sha512$$")


def test_unknown_scopes_are_refused():
    from recommendations.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        api_key_create(name="app", scopes=["everything"])


def test_requests_over_the_keys_rate_get_429_with_retry_after(make_client):
    item = ItemFactory()
    client = make_client(Scope.CATALOG_WRITE, throttle_rate="3/minute")
    body = {"items": [{"item_id": item.external_id, "in_stock": True}]}

    statuses = [client.post("/api/v1/items", body, format="json").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    last = client.post("/api/v1/items", body, format="json")
    assert int(last["Retry-After"]) >= 1


def test_throttling_is_per_key(make_client):
    item = ItemFactory()
    body = {"items": [{"item_id": item.external_id, "in_stock": True}]}
    busy = make_client(Scope.CATALOG_WRITE, throttle_rate="1/minute")
    other = make_client(Scope.CATALOG_WRITE, throttle_rate="1/minute")
    busy.post("/api/v1/items", body, format="json")

    assert busy.post("/api/v1/items", body, format="json").status_code == 429
    assert other.post("/api/v1/items", body, format="json").status_code == 200


def test_the_schema_documents_every_endpoint_and_the_key_header(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/events", "/api/v1/shops", "/api/v1/items", "/api/v1/users", "/api/v1/users/{user_id}"} <= set(
        schema["paths"]
    )
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"]["name"] == "Authorization"


def test_the_docs_page_is_served_from_our_own_static_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def test_the_documented_fields_match_what_the_services_validate():
    from recommendations.api import serializers as s
    from recommendations.services.catalog_upsert import ITEMS, SHOPS, USERS
    from recommendations.services.event_ingest import EVENT_FIELDS

    assert set(s.EventRowSerializer().fields) == set(EVENT_FIELDS)
    assert set(s.ShopRowSerializer().fields) == set(SHOPS.fields)
    assert set(s.ItemRowSerializer().fields) == set(ITEMS.fields)
    assert set(s.UserRowSerializer().fields) == set(USERS.fields)


@pytest.mark.parametrize("change", [{"revoked": True}, {"expiry_date": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}])
def test_a_key_revoked_or_expired_by_sql_stops_within_the_recheck_interval(settings, change):
    settings.API_KEY_RECHECK_SECONDS = 0.2
    key, plain = api_key_create(name="app", scopes=[Scope.RECOMMENDATIONS_READ])
    ItemFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")
    assert client.get("/api/v1/users/u-1/recommendations/items").status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(**change)  # no signal, no generation change: as SQL would
    time.sleep(0.3)
    assert client.get("/api/v1/users/u-1/recommendations/items").status_code == 401


def test_an_address_guessing_keys_gets_429_even_for_a_good_key(settings):
    settings.API_AUTH_FAILURES_PER_MINUTE = 5
    _key, plain = api_key_create(name="app", scopes=[Scope.RECOMMENDATIONS_READ])
    guesser = APIClient(REMOTE_ADDR="203.0.113.9")
    statuses = []
    for n in range(7):
        guesser.credentials(HTTP_AUTHORIZATION=f"Api-Key guess.{n}")
        statuses.append(guesser.get("/api/v1/users/u-1/recommendations/items").status_code)
    assert statuses == [401] * 5 + [429] * 2
    guesser.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")
    blocked = guesser.get("/api/v1/users/u-1/recommendations/items")
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) <= 60
    other = APIClient(REMOTE_ADDR="198.51.100.7")
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")
    assert other.get("/api/v1/users/u-1/recommendations/items").status_code == 200


def test_a_missing_scope_is_named_but_the_key_is_not():
    _key, plain = api_key_create(name="stock feed of ACME", scopes=[Scope.CATALOG_WRITE])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")
    message = client.delete("/api/v1/users/u-1").json()["message"]
    assert "users:erase" in message and "ACME" not in message
