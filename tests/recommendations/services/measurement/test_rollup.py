"""Roll-ups from impressions and events in the database: counts, idempotency, incremental days, the report."""

from __future__ import annotations

import datetime as dt
import math
import uuid

import numpy as np
import pytest
from django.db.models import F

from recommendations.engine.experiment_stats import users_needed
from recommendations.models import Event, ExperimentDay, ExperimentUserDay, Impression, RollupWatermark
from recommendations.services.measurement.report import experiment_report
from recommendations.services.measurement.rollup import rollup_day, rollup_days, rollup_pending
from tests.factories import AppUserFactory, EventFactory, ItemFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)
NOON = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


def _impression(
    user, variant: str, items: list, at: dt.datetime, rid: uuid.UUID | None = None, algorithm: str = ""
) -> Impression:
    return Impression.objects.create(
        recommendation_id=rid or uuid.uuid4(),
        user=user,
        slot="items",
        variant=variant,
        algorithm=algorithm or ("als" if variant == "A" else "ease"),
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


def _users(variant: str, count: int, *, days: int = 1, start: int = 0, **hits: int) -> None:
    """`count` users of `variant`, each served on `days` days; the first hits[kind] of them had that event."""
    rows = []
    for n in range(start, start + count):
        for day in range(days):
            events = {f"{kind}_events": int(day == 0 and n - start < k) for kind, k in hits.items()}
            rows.append(
                ExperimentUserDay(
                    day=DAY + dt.timedelta(days=day), slot="items", variant=variant, user_key=n, lists=1, **events
                )
            )
    ExperimentUserDay.objects.bulk_create(rows)


def test_report_compares_variants_per_user_each_counted_once():
    _users("A", 1200, days=3, view=600, cart_add=120)
    _users("B", 1200, days=3, start=10_000, view=600, cart_add=216)
    ExperimentDay.objects.create(day=DAY, slot="items", variant="A", algorithm="als", lists=1200, users=1200)
    report = experiment_report("items", DAY, DAY + dt.timedelta(days=2))
    cart = next(c for c in report["comparisons"] if c["metric"] == "cart_add_rate_per_user")
    assert cart["units_a"] == 1200 and cart["rate_b"] == pytest.approx(0.18)  # users, not 3,600 user-days
    assert cart["significant"] and cart["verdict"].startswith("B's cart-add rate is higher than A's by 8.0 points")
    assert cart["p_adjusted"] >= cart["p_value"]
    # a 10% relative change of A's 10% (1 point) needs users_needed(0.10, 0.01) each; 400 a day arrive
    assert cart["days_to_detect_target"] == math.ceil((users_needed(0.10, 0.01) - 1200) / 400)
    view = next(c for c in report["comparisons"] if c["metric"] == "view_rate_per_user")
    assert view["verdict"].startswith("No clear difference")
    assert {c["metric"] for c in report["comparisons"]} >= {"purchases_per_user"}
    assert not report["sample_ratio"]["mismatch"] and report["sample_ratio"]["users"] == {"A": 1200, "B": 1200}


def test_report_flags_sample_ratio_mismatch_on_users():
    _users("A", 5600)
    _users("B", 4400, start=10_000)
    report = experiment_report("items", DAY, DAY)
    assert report["sample_ratio"]["mismatch"] and "Sample ratio mismatch" in report["sample_ratio"]["message"]


def test_users_coming_back_more_often_in_one_variant_are_no_sample_ratio_mismatch():
    """50/50 users; B's come back on more days (10% more user-days): the split is fine."""
    _users("A", 5000, days=10)
    _users("B", 5000, days=11, start=10_000)
    report = experiment_report("items", DAY, DAY + dt.timedelta(days=10))
    assert not report["sample_ratio"]["mismatch"] and report["sample_ratio"]["p_value"] == pytest.approx(1.0)


def test_a_user_served_by_two_algorithms_of_one_variant_counts_once():
    user, items = AppUserFactory(), [ItemFactory()]
    _impression(user, "A", items, NOON, algorithm="personalize")
    _impression(user, "A", items, NOON + dt.timedelta(hours=1), algorithm="popularity")
    rollup_day(DAY)
    assert ExperimentUserDay.objects.get(day=DAY, variant="A").lists == 2
    report = experiment_report("items", DAY, DAY)
    assert report["sample_ratio"]["users"] == {"A": 1}
    # the drill-down still shows each algorithm of the chain, in user-days
    assert [(a["algorithm"], a["lists"], a["users"]) for a in report["by_algorithm"]] == [
        ("personalize", 1, 1),
        ("popularity", 1, 1),
    ]


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


def test_revenue_is_the_value_of_attributed_purchases_in_the_sites_currency(timeline):
    from decimal import Decimal

    ann = Impression.objects.get(variant="A").user
    bob = Impression.objects.filter(variant="B").order_by("pk").first().user
    later = NOON + dt.timedelta(minutes=30)
    EventFactory(user=ann, item=timeline[1], type="purchase", occurred_at=later, value=Decimal("4310"), currency="JPY")
    EventFactory(user=ann, item=timeline[0], type="purchase", occurred_at=later, value=Decimal("20"), currency="USD")
    EventFactory(
        user=bob, item=timeline[2], type="purchase", occurred_at=later, value=Decimal("1200.50"), currency="JPY"
    )
    rollup_day(DAY)
    assert ExperimentDay.objects.get(day=DAY, variant="A").revenue == Decimal("4310.00")  # the dollars left out
    assert ExperimentUserDay.objects.get(day=DAY, user_key=bob.pk).revenue == Decimal("1200.50")
    report = experiment_report("items", DAY, DAY)
    assert {v["variant"]: v["revenue"] for v in report["variants"]} == {"A": 4310.0, "B": 1200.5}
    assert {c["metric"] for c in report["comparisons"]} == set()  # one user in A: too few to compare at all


def test_revenue_is_compared_with_cuped_when_users_bought_before_the_report():
    from decimal import Decimal

    rng = np.random.default_rng(9)
    users = [AppUserFactory() for _ in range(240)]
    item = ItemFactory()
    rows = []
    for n, user in enumerate(users):
        spent_before = float(rng.lognormal(7, 1))
        EventFactory(
            user=user, item=item, type="purchase", value=Decimal(f"{spent_before:.2f}"), currency="JPY",
            occurred_at=NOON - dt.timedelta(days=10),
        )  # fmt: skip
        revenue = 0.8 * spent_before + float(rng.normal(0, 100))
        rows.append(
            ExperimentUserDay(
                day=DAY, slot="items", variant="AB"[n % 2], user_key=user.pk, lists=1, purchase_events=1,
                revenue=Decimal(f"{max(revenue, 0):.2f}"),
            )
        )  # fmt: skip
    ExperimentUserDay.objects.bulk_create(rows)
    report = experiment_report("items", DAY, DAY)
    revenue = next(c for c in report["comparisons"] if c["metric"] == "revenue_per_user")
    assert revenue["variance_reduction"] > 0.5  # most of the spread was who spends more anyway
    shown = {v: np.mean([float(r.revenue) for r in rows if r.variant == v]) for v in "AB"}
    assert (revenue["rate_a"], revenue["rate_b"]) == (pytest.approx(shown["A"]), pytest.approx(shown["B"]))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rebuild_in_parallel_stores_what_one_day_at_a_time_does(settings, timeline):
    """On PostgreSQL a rebuild computes ROLLUP_WORKERS days at once, each in its own connection: the rows are
    the same as computing the days one by one."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("parallel rebuilds run on PostgreSQL only (SQLite computes one day at a time)")
    later = [AppUserFactory() for _ in range(3)]
    for n, user in enumerate(later):
        _impression(user, "AB"[n % 2], timeline[:2], NOON + dt.timedelta(days=n + 1))
        EventFactory(user=user, item=timeline[0], type="view", occurred_at=NOON + dt.timedelta(days=n + 1, hours=1))

    def stored() -> tuple[list, list]:
        days = ExperimentDay.objects.order_by("day", "variant", "algorithm")
        users = ExperimentUserDay.objects.order_by("day", "variant", "user_key")
        return (
            list(days.values_list("day", "variant", "algorithm", "users", "view_events", "cart_add_events")),
            list(users.values_list("day", "variant", "user_key", "lists", "view_events")),
        )

    settings.ROLLUP_WORKERS = 1
    rollup_days(DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=4))
    one_by_one = stored()
    ExperimentDay.objects.all().delete()
    ExperimentUserDay.objects.all().delete()
    settings.ROLLUP_WORKERS = 3
    rollup_days(DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=4))
    assert stored() == one_by_one
    assert len(one_by_one[0]) >= 5  # the timeline's day and each later user's day


def _user_days(variant: str, users: int, turned_away: int, day: dt.date = DAY) -> list[ExperimentUserDay]:
    return [
        ExperimentUserDay(
            day=day, slot="items", variant=variant, user_key=(1 if variant == "A" else 100_000) + n, lists=1,
            view_events=n % 3 == 0, not_interested_events=int(n < turned_away),
        )
        for n in range(users)
    ]  # fmt: skip


def test_a_variant_that_makes_users_turn_items_away_is_flagged_on_the_guardrail():
    ExperimentUserDay.objects.bulk_create(_user_days("A", 400, 12) + _user_days("B", 400, 48))
    report = experiment_report("items", DAY, DAY)
    (check,) = report["guardrails"]
    assert check["metric"] == "not_interested_rate_per_user" and check["worse"] == "B"
    assert (check["rate_a"], check["rate_b"]) == (pytest.approx(0.03), pytest.approx(0.12))
    assert check["verdict"].startswith("B worsens the not-interested rate: 12.0% of its users")
    # guardrails are not among the Holm-adjusted comparisons
    assert all(not c["metric"].startswith("not_interested") for c in report["comparisons"])


def test_no_guardrail_is_flagged_without_a_clear_difference():
    ExperimentUserDay.objects.bulk_create(_user_days("A", 400, 12) + _user_days("B", 400, 14))
    (check,) = experiment_report("items", DAY, DAY)["guardrails"]
    assert check["worse"] is None and check["verdict"].startswith("Neither A nor B worsens")


def test_daily_series_count_each_user_once_a_day_with_a_band_around_each_rate():
    rows = _user_days("A", 200, 0) + _user_days("B", 150, 0) + _user_days("A", 100, 0, DAY + dt.timedelta(days=1))
    for row in rows[:20]:
        row.revenue = 1000
    ExperimentUserDay.objects.bulk_create(rows)
    daily = experiment_report("items", DAY, DAY + dt.timedelta(days=1))["daily"]
    assert [(d["day"], d["variant"], d["users"]) for d in daily] == [
        (str(DAY), "A", 200), (str(DAY), "B", 150), (str(DAY + dt.timedelta(days=1)), "A", 100),
    ]  # fmt: skip
    first = daily[0]
    low, high = first["view_ci"]
    assert first["view_rate_per_user"] == pytest.approx(67 / 200) and low < 67 / 200 < high
    assert first["revenue_per_user"] == pytest.approx(100.0)  # 20 users spent 1,000 each, over 200
    low, high = first["revenue_per_user_ci"]
    assert low < 100.0 < high and low > 0


def test_new_items_at_exploration_positions_are_counted_apart(timeline):
    items = timeline
    ann = AppUserFactory()
    page = _impression(ann, "A", items, NOON + dt.timedelta(hours=1))
    page.explored = np.asarray([items[3].pk], dtype="<i8").tobytes()
    page.save()
    later = NOON + dt.timedelta(hours=2)  # still the same day in Tokyo
    EventFactory(user=ann, item=items[3], type="view", occurred_at=later)
    EventFactory(user=ann, item=items[3], type="purchase", occurred_at=later, value=1200)
    EventFactory(user=ann, item=items[1], type="view", occurred_at=later)  # a model's position: not explored
    Event.objects.update(received_at=F("occurred_at"))
    rollup_day(DAY)
    a = ExperimentDay.objects.get(day=DAY, variant="A")
    assert (a.explored_shown, a.explored_view_events, a.explored_purchase_events) == (1, 1, 1)
    variant = next(v for v in experiment_report("items", DAY, DAY)["variants"] if v["variant"] == "A")
    assert variant["exploration"]["view_rate"] == 1.0 and variant["exploration"]["purchase_rate"] == 1.0
    # the rest of A's list: 5 items shown at a model's positions (2, then 3), 2 views
    assert variant["exploration"]["other_view_rate"] == pytest.approx(2 / 5)
