"""While the database is down, recommendations come from the popular list each worker holds, filtered by
the NG lists it holds; ingestion answers 503 with Retry-After, and the retried batch is stored once."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from curation.models import NgItem
from recommendations.models import Event, Scope
from tests.factories import AppUserFactory, ItemFactory, ShopFactory
from tests.recommendations.services.serving.world import live_version, segment_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    shops = [ShopFactory(external_id=f"shop-{n}") for n in range(3)]
    items = [ItemFactory(external_id=f"item-{n}", shop=shops[n % 3]) for n in range(12)]
    AppUserFactory(external_id="alice")
    version = live_version("segment_popularity")
    segment_list(version, "all", [i.pk for i in items])
    segment_list(version, "all", [s.pk for s in shops], slot="shops")
    NgItem.objects.create(item=items[1], reason="counterfeit")
    return items


@pytest.fixture
def database_down(monkeypatch):
    """Call it to make every new query fail as a stopped PostgreSQL does."""

    def stop() -> None:
        def refuse(self, *args, **kwargs):
            raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

        monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)

    return stop


def test_items_and_shops_come_from_memory_with_ng_still_applied(make_client, world, database_down):
    client = make_client(Scope.RECOMMENDATIONS_READ)
    assert client.get("/api/v1/users/alice/recommendations/items").status_code == 200  # state and key in memory

    database_down()
    response = client.get("/api/v1/users/alice/recommendations/items", {"limit": 5})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["algorithm"] == "popularity"
    assert [e["item_id"] for e in body["items"]] == ["item-0", "item-2", "item-3", "item-4", "item-5"]  # no NG item-1
    shops = client.get("/api/v1/users/alice/recommendations/shops").json()
    assert [e["shop_id"] for e in shops["shops"]] == ["shop-0", "shop-1", "shop-2"]
    assert client.get("/api/v1/items/item-0/similar").status_code == 200


def test_fields_asked_for_while_the_database_is_down_come_as_null(make_client, world, database_down):
    client = make_client(Scope.RECOMMENDATIONS_READ)
    assert client.get("/api/v1/users/alice/recommendations/items").status_code == 200
    database_down()
    response = client.get("/api/v1/users/alice/recommendations/items", {"limit": 2, "fields": "title,price"})
    assert response.status_code == 200, response.json()
    first = response.json()["items"][0]
    assert (first["item_id"], first["source"], first["title"], first["price"]) == ("item-0", "popularity", None, None)


def test_the_preview_trace_says_why(world, database_down):
    from recommendations.services.serving.pipeline import recommend

    recommend("items", "alice", log=False)
    database_down()
    result = recommend("items", "alice", log=False)
    assert any(step.startswith("outage: database unreachable") for step in result.trace.steps)


def test_features_need_the_database_and_say_when_to_retry(make_client, world, database_down):
    client = make_client(Scope.RECOMMENDATIONS_READ)
    client.get("/api/v1/users/alice/recommendations/features")
    database_down()
    response = client.get("/api/v1/users/alice/recommendations/features")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0


def test_events_sent_while_the_database_is_down_are_503_then_stored_once_on_retry(
    make_client, world, database_down, monkeypatch
):
    client = make_client(Scope.EVENTS_WRITE)
    batch = {
        "events": [
            {
                "event_id": "0b0c6a64-8f0e-4c83-9a3a-55b3c1d2e001",
                "user_id": "alice",
                "session_id": "s",
                "item_id": "item-3",
                "type": "view",
                "occurred_at": "2026-11-28T09:30:00+09:00",
            }
        ]
    }
    assert client.post("/api/v1/events", {"events": []}, format="json").status_code == 400  # key remembered
    database_down()
    refused = client.post("/api/v1/events", batch, format="json")
    assert refused.status_code == 503 and refused["Retry-After"] == "5"
    assert refused.json()["code"] == "unavailable" and "nothing was changed" in refused.json()["message"]
    monkeypatch.undo()
    assert client.post("/api/v1/events", batch, format="json").json()["stored"] == 1
    assert client.post("/api/v1/events", batch, format="json").json()["stored"] == 0
    assert Event.objects.count() == 1
