"""Roll-ups from impressions and events in the database: counts, idempotency, incremental days, the report."""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
import pytest
from django.db.models import F

from recommendations.models import Event, ExperimentDay, Impression, RollupWatermark
from recommendations.services.measurement.report import experiment_report
from recommendations.services.measurement.rollup import rollup_day, rollup_days, rollup_pending
from tests.factories import AppUserFactory, EventFactory, ItemFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)
NOON = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


def _impression(user, variant: str, items: list, at: dt.datetime, rid: uuid.UUID | None = None) -> Impression:
    return Impression.objects.create(
        recommendation_id=rid or uuid.uuid4(),
        user=user,
        slot="items",
        variant=variant,
        algorithm="als" if variant == "A" else "ease",
        keys=np.asarray([i.pk for i in items], dtype="<i8").tobytes(),
        served_at=at,
    )


@pytest.fixture
def timeline():
    items = [ItemFactory() for _ in range(4)]
    ann, bob, cid = AppUserFactory(), AppUserFactory(), AppUserFactory()
    shown = _impression(ann, "A", items[:2], NOON)
    _impression(bob, "B", items[2:], NOON)
    _impression(cid, "B", items[2:], NOON)
    EventFactory(user=ann, item=items[0], type="view", occurred_at=NOON + dt.timedelta(minutes=5))
    EventFactory(
        user=ann, item=items[1], type="cart_add", occurred_at=NOON + dt.timedelta(minutes=9),
        recommendation_id=str(shown.recommendation_id),
    )  # fmt: skip
    EventFactory(user=bob, item=items[2], type="view", occurred_at=NOON + dt.timedelta(hours=1))
    EventFactory(user=bob, item=items[0], type="view", occurred_at=NOON + dt.timedelta(hours=1))  # never shown to bob
    Event.objects.update(received_at=F("occurred_at"))  # received as they happened, days ago
    return items


def test_a_day_rolls_up_per_variant(timeline):
    assert rollup_day(DAY) == 2
    a = ExperimentDay.objects.get(day=DAY, variant="A")
    b = ExperimentDay.objects.get(day=DAY, variant="B")
    assert (a.lists, a.users, a.items_shown, a.view_users, a.cart_add_users) == (1, 1, 2, 1, 1)
    assert (b.lists, b.users, b.view_events, b.view_users, b.cart_add_users) == (2, 2, 1, 1, 0)
    assert a.algorithm == "als" and b.algorithm == "ease"


def test_running_twice_changes_nothing(timeline):
    rollup_days(DAY, DAY + dt.timedelta(days=1))
    first = list(ExperimentDay.objects.order_by("variant").values(*[f.name for f in ExperimentDay._meta.fields][2:-1]))
    rollup_days(DAY, DAY + dt.timedelta(days=1))
    again = list(ExperimentDay.objects.order_by("variant").values(*[f.name for f in ExperimentDay._meta.fields][2:-1]))
    assert first == again and len(again) == 2


def test_pending_recomputes_only_days_with_new_data(timeline, monkeypatch):
    from django.utils import timezone

    assert DAY in rollup_pending()
    assert RollupWatermark.objects.get().until
    assert rollup_pending() == []  # nothing new since
    EventFactory(user=AppUserFactory(), item=timeline[0], type="view", occurred_at=NOON - dt.timedelta(days=3))
    later = timezone.now() + dt.timedelta(minutes=1)  # the next run, once the new event is safely past
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert rollup_pending() == [DAY - dt.timedelta(days=3)]


def test_report_compares_variants_on_user_days():
    for day in range(3):
        ExperimentDay.objects.create(
            day=DAY + dt.timedelta(days=day), slot="items", variant="A", algorithm="als",
            lists=400, users=400, view_users=200, cart_add_users=40, view_events=260, cart_add_events=45,
        )  # fmt: skip
        ExperimentDay.objects.create(
            day=DAY + dt.timedelta(days=day), slot="items", variant="B", algorithm="ease",
            lists=400, users=400, view_users=200, cart_add_users=72, view_events=255, cart_add_events=80,
        )  # fmt: skip
    report = experiment_report("items", DAY, DAY + dt.timedelta(days=2))
    cart = next(c for c in report["comparisons"] if c["metric"] == "cart_add_rate_per_user")
    assert cart["units_a"] == 1200 and cart["rate_b"] == pytest.approx(0.18)
    assert cart["significant"] and cart["verdict"].startswith("B's cart-add rate is higher than A's by 8.0 points")
    view = next(c for c in report["comparisons"] if c["metric"] == "view_rate_per_user")
    assert view["verdict"].startswith("No clear difference")
    assert not report["sample_ratio"]["mismatch"]
    assert len(report["by_day"]) == 6


def test_report_flags_sample_ratio_mismatch():
    ExperimentDay.objects.create(day=DAY, slot="items", variant="A", algorithm="als", users=5600, lists=5600)
    ExperimentDay.objects.create(day=DAY, slot="items", variant="B", algorithm="ease", users=4400, lists=4400)
    report = experiment_report("items", DAY, DAY)
    assert report["sample_ratio"]["mismatch"] and "Sample ratio mismatch" in report["sample_ratio"]["message"]


def test_a_page_served_before_the_user_existed_counts_once_their_events_make_them_a_user():
    items = [ItemFactory() for _ in range(2)]
    for ref in ("newcomer", "passer-by"):
        Impression.objects.create(
            recommendation_id=uuid.uuid4(), user=None, user_ref=ref, slot="items", variant="A", algorithm="als",
            keys=np.asarray([i.pk for i in items], dtype="<i8").tobytes(), served_at=NOON,
        )  # fmt: skip
    newcomer = AppUserFactory(external_id="newcomer")  # their first event created them
    EventFactory(user=newcomer, item=items[0], type="view", occurred_at=NOON + dt.timedelta(minutes=5))
    rollup_day(DAY)
    a = ExperimentDay.objects.get(day=DAY, variant="A")
    assert (a.lists, a.users, a.view_users) == (2, 2, 1)  # the passer-by is a user served, with no events


def test_experiment_days_are_the_staffs_days():
    items = [ItemFactory()]
    after_midnight_in_tokyo = dt.datetime(2026, 11, 20, 15, 10, tzinfo=dt.UTC)  # 00:10 on the 21st in Tokyo
    _impression(AppUserFactory(), "A", items, after_midnight_in_tokyo)
    rollup_day(DAY)
    rollup_day(DAY + dt.timedelta(days=1))
    assert not ExperimentDay.objects.filter(day=DAY).exists()
    assert ExperimentDay.objects.get(day=DAY + dt.timedelta(days=1)).lists == 1
