"""Nothing planted in the shared cache runs: values are msgpack, and a pickle written there is a miss."""

from __future__ import annotations

import os
import pickle

import pytest
from django.core.cache import cache

from recommendations.models import Scope
from recommendations.services.serving.impressions import impressions_flush
from recommendations.services.serving.paging import LIST_KEY
from tests.factories import ItemFactory
from tests.planted_pickle import RAN, Planted
from tests.recommendations.services.serving.world import live_version, segment_list

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set: the cache is in-process here"),
]


def test_a_pickle_planted_in_a_serving_key_is_a_miss_and_never_runs(make_client):
    from django_redis import get_redis_connection

    items = [ItemFactory(external_id=f"item-{n}") for n in range(5)]
    segment_list(live_version("segment_popularity"), "all", [i.pk for i in items])
    client = make_client(Scope.RECOMMENDATIONS_READ)
    first = client.get("/api/v1/users/u-1/recommendations/items?limit=2").json()
    impressions_flush()  # the list is stored with the page's impression
    key = LIST_KEY.format(first["recommendation_id"])
    assert cache.get(key) is not None  # the first page's list is stored (as msgpack)
    get_redis_connection("default").set(cache.make_key(key), pickle.dumps(Planted()))

    assert cache.get(key) is None
    later = client.get(
        f"/api/v1/users/u-1/recommendations/items?limit=2&offset=2&recommendation_id={first['recommendation_id']}"
    )
    assert later.status_code == 200 and RAN == []
