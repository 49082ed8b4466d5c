"""What an operator sees of a running recsite: /metrics in Prometheus's format (summed over gunicorn's
workers), a request id on every answer, and JSON log lines carrying it and the recommendation served."""

from __future__ import annotations

import http.client
import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from recommendations.models import Scope
from tests.factories import AppUserFactory, ItemFactory
from tests.recommendations.services.serving.world import live_version, segment_list

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def world():
    items = [ItemFactory(external_id=f"item-{n}") for n in range(8)]
    AppUserFactory(external_id="alice")
    segment_list(live_version("segment_popularity"), "all", [i.pk for i in items])
    return items


def test_metrics_count_what_was_served_ingested_and_rejected(make_client, client, world):
    reader, writer = make_client(Scope.RECOMMENDATIONS_READ), make_client(Scope.EVENTS_WRITE)
    before = _scrape(client)
    body = reader.get("/api/v1/users/alice/recommendations/items", {"limit": 3}).json()
    event = {"event_id": str(uuid.uuid4()), "user_id": "alice", "session_id": "s-1", "item_id": "item-1",
             "type": "view", "occurred_at": "2026-11-20T09:30:00+09:00"}  # fmt: skip
    for _sent_again in range(2):
        answer = writer.post("/api/v1/events", {"events": [event]}, format="json")
        assert answer.status_code == 200, answer.json()
    catalog = make_client(Scope.CATALOG_WRITE)
    shops = [{"shop_id": "shop-new", "name": "New shop"}, {"shop_id": "shop-bad"}]
    assert catalog.post("/api/v1/shops", {"shops": shops[:1]}, format="json").status_code == 200
    assert catalog.post("/api/v1/shops", {"shops": shops[1:]}, format="json").status_code == 400
    bad = dict(event, event_id=str(uuid.uuid4()), type="teleport")
    assert writer.post("/api/v1/events", {"events": [bad]}, format="json").status_code == 400
    after = _scrape(client)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    served = {"slot": "items", "variant": body["variant"], "algorithm": body["algorithm"]}
    assert grew("recsite_recommendations_total", **served) == 1
    assert grew("recsite_recommendation_seconds_count", **served) == 1
    # the variant's chain starts with an algorithm that has no list yet: segment popularity stood in
    assert grew("recsite_recommendation_fallbacks_total", **served, reason="chain") == 1
    route = "api/v1/users/<str:user_id>/recommendations/items"
    assert grew("recsite_http_requests_total", route=route, method="GET", status="200") == 1
    assert grew("recsite_http_request_seconds_count", route=route) == 1
    assert grew("recsite_events_stored_total", path="api") == 1
    assert grew("recsite_events_duplicates_total") == 1
    assert grew("recsite_events_rejected_total", field="type") == 1
    assert grew("recsite_catalog_rows_total", kind="shops", outcome="created") == 1
    assert grew("recsite_catalog_rejected_total", kind="shops", field="name") == 1
    # a made-up path is counted under one series, not one per path a client tries
    client.get(f"/no/such/{uuid.uuid4()}")
    assert _value(_scrape(client), "recsite_http_requests_total", route="unmatched", method="GET", status="404") >= 1


def test_a_staff_preview_is_not_counted_as_served(staff, client, world):
    served = {"slot": "items", "variant": "A", "algorithm": "segment_popularity"}
    before = {v: _value(_scrape(client), "recsite_recommendations_total", **dict(served, variant=v)) for v in "AB"}
    assert staff.get("/admin/recommendations/appuser/preview/", {"user_id": "alice"}).status_code == 200
    after = _scrape(client)
    assert all(_value(after, "recsite_recommendations_total", **dict(served, variant=v)) == before[v] for v in "AB")


def test_the_age_of_each_live_version_is_read_when_scraped(client, world):
    age = _value(_scrape(client), "recsite_live_version_age_seconds", algorithm="segment_popularity")
    assert 0 <= age < 60


def test_a_metrics_token_keeps_strangers_out(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert _scrape(client, HTTP_AUTHORIZATION="Bearer s3cret")


def test_every_answer_carries_a_request_id_and_a_strange_one_is_replaced(client):
    assert client.get("/healthz/live", HTTP_X_REQUEST_ID="app-7f3a.1").headers["X-Request-ID"] == "app-7f3a.1"
    for hostile in ("x" * 65, "a b", "line\nbreak", "<script>"):
        given = client.get("/healthz/live", HTTP_X_REQUEST_ID=hostile).headers["X-Request-ID"]
        assert given != hostile and len(given) == 32
    assert len(client.get("/healthz/live").headers["X-Request-ID"]) == 32


def test_a_log_line_carries_the_request_id_and_the_recommendation_served(make_client, world, monkeypatch, settings):
    from recommendations.services.serving import pipeline

    if settings.LOG_FORMAT != "json":
        pytest.skip("LOG_FORMAT is not json in this environment: the lines are text")

    logged = pipeline.impression_log

    def impression_log(row: dict) -> None:  # a line logged after the page was made, as a warning would be
        logging.getLogger("recommendations.test").warning("impression of %s items", len(row["keys"]))
        logged(row)

    monkeypatch.setattr(pipeline, "impression_log", impression_log)
    handler = next(h for h in logging.getLogger().handlers if h.__class__ is logging.StreamHandler)
    stream = io.StringIO()
    monkeypatch.setattr(handler, "stream", stream)
    reader = make_client(Scope.RECOMMENDATIONS_READ)
    response = reader.get("/api/v1/users/alice/recommendations/items", {"limit": 2}, HTTP_X_REQUEST_ID="req-42")
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if "impression of" in line]
    assert lines == [
        {
            "level": "WARNING",
            "logger": "recommendations.test",
            "message": "impression of 2 items",
            "request_id": "req-42",
            "recommendation_id": response.json()["recommendation_id"],
            "time": lines[0]["time"],
        }
    ]
    assert lines[0]["time"].endswith("+00:00")  # ISO 8601, UTC


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_workers_are_added_up(tmp_path):
    """Requests spread over two gunicorn workers; /metrics counts them all, whichever worker answers."""
    port = _free_port()
    env = dict(
        {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"},
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",  # empty: /healthz/live and /metrics need no table
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        DJANGO_DEBUG="true",
        PYTHONWARNINGS="ignore",
        LOG_LEVEL="ERROR",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "recsite.wsgi", "-c", "gunicorn.conf.py", "-w", "2",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(port, "/healthz/live")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        # counted from here: a start-up probe that timed out may still have been answered and counted
        before = _liveness_count(port)
        for _ in range(40):
            assert _get(port, "/healthz/live")[0] == 200
        assert _liveness_count(port) - before == 40
        assert len(list((tmp_path / "metrics").glob("counter_*.db"))) == 2  # each worker wrote its own file
    finally:
        server.terminate()
        server.wait(timeout=30)


def _liveness_count(port: int) -> float:
    """The /healthz/live requests /metrics counts, every worker's added up."""
    status, text = _get(port, "/metrics")
    assert status == 200
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "recsite_http_requests_total" and sample.labels["route"] == "healthz/live"
    )


def _get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()
