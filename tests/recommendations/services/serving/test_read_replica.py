"""Serving's per-request reads go to the read replica when one is configured (DATABASE_REPLICA_URL), and to
the primary for a while when the replica fails: the app still gets the user's own list."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connections
from django.test.utils import CaptureQueriesContext

from recommendations.models import Variant
from recommendations.services.serving.pipeline import recommend
from recommendations.services.serving.reads.statements import replica_rest_reset
from tests.factories import AppUserFactory, ItemFactory
from tests.recommendations.services.serving.world import live_version, segment_list, user_list

pytestmark = [
    pytest.mark.skipif(
        "replica" not in django_settings.DATABASES,
        reason="DATABASE_REPLICA_URL is not set: no replica to read from (CI points it at the test database)",
    ),
    # committed rows: the replica's own connection cannot see an open transaction of the primary's
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"]),
]


@pytest.fixture
def world(settings):
    settings.SERVING_READ_DATABASE = "replica"
    replica_rest_reset()
    items = [ItemFactory(external_id=f"item-{n}") for n in range(12)]
    alice = AppUserFactory(external_id="alice")
    segment_list(live_version("segment_popularity"), "all", [i.pk for i in items])
    user_list(live_version("item_knn"), alice, [i.pk for i in reversed(items)])
    Variant.objects.filter(slot__slot="items").update(algorithm="item_knn", fallbacks=["segment_popularity"], weight=1)
    yield items
    replica_rest_reset()


def _ids(result) -> list[str]:
    return [result.external_ids[e.key] for e in result.entries]


def test_the_users_list_and_the_page_check_are_read_from_the_replica(world):
    recommend("items", "alice", limit=3, log=False)  # the serving state is built (from the primary)
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        result = recommend("items", "alice", limit=3, log=False)
    assert result.algorithm == "item_knn" and _ids(result) == ["item-11", "item-10", "item-9"]
    # prepared statements: the user's (named by their id) and the page's live check (named by its keys)
    on_replica = [q["sql"] for q in replica.captured_queries]
    page = "ARRAY[" + ",".join(str(world[n].pk) for n in (11, 10, 9)) + "]"
    assert any("'alice'" in sql for sql in on_replica) and any(page in sql for sql in on_replica)
    assert not [q["sql"] for q in primary.captured_queries if "EXECUTE" in q["sql"]]


def test_a_replica_that_fails_is_left_for_the_primary_and_asked_again_later(world, monkeypatch, settings):
    recommend("items", "alice", limit=3, log=False)
    replica = connections["replica"]
    tried = []

    def refuse(*args, **kwargs):
        tried.append(1)
        raise OperationalError("could not connect to server: Connection refused (replica)")

    monkeypatch.setattr(replica, "cursor", refuse)
    result = recommend("items", "alice", limit=3, log=False)
    assert result.algorithm == "item_knn" and _ids(result) == ["item-11", "item-10", "item-9"]  # from the primary
    assert len(tried) == 1
    recommend("items", "alice", limit=3, log=False)
    assert len(tried) == 1  # resting: not asked again within REPLICA_RETRY_SECONDS
    monkeypatch.undo()
    replica_rest_reset()  # the rest is over
    with CaptureQueriesContext(connections["replica"]) as back:
        assert _ids(recommend("items", "alice", limit=3, log=False)) == ["item-11", "item-10", "item-9"]
    assert back.captured_queries
