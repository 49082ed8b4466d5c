"""Impressions written off the request path survive a database outage: kept in the buffer and written
at the next flush once the database is back, none dropped."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from recommendations.models import Impression, Scope
from recommendations.services.serving import impressions
from tests.factories import AppUserFactory, ItemFactory
from tests.recommendations.services.serving.world import live_version, segment_list

pytestmark = pytest.mark.django_db


def test_impressions_wait_in_the_buffer_while_the_database_is_down(make_client, settings, monkeypatch):
    settings.IMPRESSION_LOG_MODE = "background"
    settings.IMPRESSION_FLUSH_SECONDS = 3600  # the writer thread must not race the test's flushes
    items = [ItemFactory() for _ in range(5)]
    AppUserFactory(external_id="alice")
    segment_list(live_version("segment_popularity"), "all", [i.pk for i in items])
    client = make_client(Scope.RECOMMENDATIONS_READ)
    for _ in range(3):
        assert client.get("/api/v1/users/alice/recommendations/items").status_code == 200

    real_write = impressions.impressions_write

    def database_down(rows):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(impressions, "impressions_write", database_down)
    with pytest.raises(OperationalError):
        impressions.impressions_flush()
    monkeypatch.setattr(impressions, "impressions_write", real_write)
    try:
        assert impressions.impressions_flush() == 3
        assert Impression.objects.count() == 3
    finally:
        impressions.impressions_stop()
