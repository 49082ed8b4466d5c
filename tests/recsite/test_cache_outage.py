"""With Redis down (nothing listening), serving and ingestion keep answering 200: cache calls fall through,
throttling counts per worker, and /healthz names the cache while /healthz/ready keeps the instance in."""

from __future__ import annotations

import pytest

from recommendations.models import Event, Scope
from tests.factories import AppUserFactory, ItemFactory
from tests.recommendations.services.serving.world import live_version, segment_list

pytestmark = pytest.mark.django_db

REDIS_DOWN = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
    }
}


@pytest.fixture
def redis_down(settings):
    settings.CACHES = REDIS_DOWN


@pytest.fixture
def world():
    items = [ItemFactory(external_id=f"item-{n}") for n in range(6)]
    AppUserFactory(external_id="alice")
    segment_list(live_version("segment_popularity"), "all", [i.pk for i in items])


def test_serving_and_ingestion_answer_while_redis_is_down(make_client, world, redis_down):
    client = make_client(Scope.RECOMMENDATIONS_READ, Scope.EVENTS_WRITE, throttle_rate="3/minute")
    first = client.get("/api/v1/users/alice/recommendations/items", {"limit": 3})
    assert first.status_code == 200 and len(first.json()["items"]) == 3
    # paging needs the stored list: it is ranked again under the same id instead
    again = client.get(
        "/api/v1/users/alice/recommendations/items",
        {"limit": 3, "offset": 3, "recommendation_id": first.json()["recommendation_id"]},
    )
    assert again.status_code == 200 and again.json()["recommendation_id"] == first.json()["recommendation_id"]
    event = {
        "event_id": "0b0c6a64-8f0e-4c83-9a3a-55b3c1d2e001",
        "user_id": "alice",
        "session_id": "s",
        "item_id": "item-1",
        "type": "view",
        "occurred_at": "2026-11-28T09:30:00+09:00",
    }
    assert client.post("/api/v1/events", {"events": [event]}, format="json").json()["stored"] == 1
    assert Event.objects.count() == 1
    # the key's rate still holds, counted in this worker
    assert client.get("/api/v1/users/alice/recommendations/items").status_code == 429


def test_healthz_names_the_cache_and_ready_stays_ok(client, redis_down):
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["checks"]["cache"]["ok"] is False and health.json()["checks"]["database"]["ok"] is True
    assert client.get("/healthz/ready").status_code == 200
    assert client.get("/healthz/live").status_code == 200
