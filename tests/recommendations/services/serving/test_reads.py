"""Serving's per-request reads on PostgreSQL: prepared once per connection and planned once, not per request."""

from __future__ import annotations

import pytest
from django.db import connection

from recommendations.models import Variant
from recommendations.services.serving.pipeline import recommend
from tests.factories import AppUserFactory, ItemFactory
from tests.recommendations.services.serving.world import live_version, segment_list, user_list

pytestmark = pytest.mark.django_db


def test_the_users_read_keeps_one_plan_whatever_the_user(settings):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements and their plans are PostgreSQL's")
    settings.SERVING_READ_DATABASE = "default"
    items = [ItemFactory() for _ in range(8)]
    users = [AppUserFactory(external_id=f"user-{n}") for n in range(8)]
    segment_list(live_version("segment_popularity"), "all", [i.pk for i in items])
    version = live_version("item_knn")
    for user in users:
        user_list(version, user, [i.pk for i in items])
    Variant.objects.filter(slot__slot="items").update(algorithm="item_knn", fallbacks=["segment_popularity"], weight=1)

    for user in users:  # PostgreSQL's own rule would plan each of these afresh (custom plans) for a while
        assert recommend("items", user.external_id, limit=3, log=False).algorithm == "item_knn"

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE 'recsite_%%'"
        )
        plans = {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}
    users_read = [counts for statement, counts in plans.items() if "recommendations_appuser" in statement]
    assert users_read and all(generic >= 1 for generic, _custom in users_read)
    # planning the user's read took as long as running it, on every request (bench/serve.py)
    assert all(custom == 0 for _generic, custom in plans.values())
