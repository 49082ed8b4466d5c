"""Staff are told how many stored rows hold a time outside what recsite now accepts, per kind."""

from __future__ import annotations

import datetime as dt

import pytest

from recommendations.services.stored_times import times_out_of_range
from tests.factories import EventFactory, ItemFactory, NgShopFactory

pytestmark = pytest.mark.django_db

# the factories stamp rows with the real clock, so "now" is the real one: a fixed date fails once it is past
NOW = dt.datetime.now(dt.UTC)


def test_nothing_is_said_when_every_time_is_in_range():
    EventFactory(occurred_at=NOW - dt.timedelta(days=3))
    NgShopFactory(expires_at=NOW + dt.timedelta(days=3650))
    assert times_out_of_range(NOW) == []


def test_each_kind_out_of_range_is_counted_once():
    EventFactory.create_batch(2, occurred_at=dt.datetime(1985, 5, 1, tzinfo=dt.UTC))
    EventFactory(occurred_at=NOW + dt.timedelta(days=3))
    ItemFactory(created_at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    NgShopFactory(expires_at=NOW + dt.timedelta(days=365 * 150))
    problems = times_out_of_range(NOW)
    assert problems[0].startswith("3 events are dated outside 1990-01-01 to tomorrow")
    assert "1 item has a creation date outside" in problems[1]
    assert problems[2].startswith("NG shops: 1 entry expires more than 100 years ahead")
    assert len(problems) == 3
