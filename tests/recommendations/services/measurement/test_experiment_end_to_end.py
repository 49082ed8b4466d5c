"""Traffic where variant B truly serves better lists: the report, the API and the dashboard say B wins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from curation.models import Feature
from recommendations.models import ExperimentDay, Scope, Shop, SlotConfig, Variant
from tests.factories import AppUserFactory, EventFactory, ItemFactory, ShopFactory
from tests.recommendations.services.serving.world import live_version, segment_list, user_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def experiment():
    """300 users who like Kitchen; A (item_knn) lists Garden items, B (ease) lists Kitchen items."""
    shops = [ShopFactory() for _ in range(10)]
    kitchen = [ItemFactory(category_path="Home > Kitchen", shop=shops[n % 10]) for n in range(20)]
    garden = [ItemFactory(category_path="Home > Garden", shop=shops[n % 10]) for n in range(20)]
    knn, ease = live_version("item_knn"), live_version("ease")
    old = timezone.now() - dt.timedelta(days=30)
    for n in range(300):
        user = AppUserFactory(external_id=f"u{n}")
        EventFactory(user=user, item=kitchen[n % 20], type="purchase", occurred_at=old)
        user_list(knn, user, [i.pk for i in garden])
        user_list(ease, user, [i.pk for i in kitchen])
    SlotConfig.objects.filter(slot="items").update(per_shop_cap=0)
    Variant.objects.filter(slot__slot="items", name="A").update(algorithm="item_knn", weight=1)
    Variant.objects.filter(slot__slot="items", name="B").update(algorithm="ease", weight=1)


def test_simulated_traffic_shows_b_winning_everywhere(experiment, make_client, client):
    call_command("simulate_traffic", users=300, days=3, slot="items", verbosity=0)
    today = timezone.now().date()
    report = (
        make_client(Scope.REPORTS_READ)
        .get("/api/v1/experiments/items/report", {"from": str(today - dt.timedelta(days=3)), "to": str(today)})
        .json()
    )
    views = next(c for c in report["comparisons"] if c["metric"] == "view_rate_per_user")
    assert views["a"] == "A" and views["b"] == "B"
    assert views["ci_low"] > 0, views  # B's lists are what these users like
    assert views["verdict"].startswith("B's view rate is higher than A's")
    carts = next(c for c in report["comparisons"] if c["metric"] == "cart_add_rate_per_user")
    assert carts["difference"] > 0
    assert not report["sample_ratio"]["mismatch"]  # the hash split 50/50 as weighted
    (guardrail,) = report["guardrails"]  # A shows these users Garden items, which some turn away
    assert guardrail["rate_a"] > guardrail["rate_b"] and guardrail["worse"] == "A", guardrail
    assert {d["variant"] for d in report["daily"]} == {"A", "B"} and all(
        d["view_ci"][0] <= d["view_rate_per_user"] <= d["view_ci"][1] for d in report["daily"]
    )

    client.force_login(get_user_model().objects.create_superuser("mika", "m@example.com", "pw-for-tests-only"))
    page = client.get("/admin/recommendations/slotconfig/items/dashboard/", {"from": str(today - dt.timedelta(days=3))})
    text = page.content.decode()
    assert page.status_code == 200 and "B&#x27;s view rate is higher than A&#x27;s" in text and "<svg" in text
    assert '<tr class="worse">' in text and "A worsens the not-interested rate" in text
    assert 'fill-opacity="0.15"' in text  # the charts' bands
    exported = client.get(
        "/admin/recommendations/slotconfig/items/dashboard/",
        {"from": str(today - dt.timedelta(days=3)), "format": "csv"},
    )
    assert exported.content.decode("utf-8").startswith("\ufeffday,variant,lists,")  # the BOM Excel needs
    exported_text = exported.content.decode("utf-8")
    assert "a,b,metric,units_a" in exported_text and "revenue_per_user" in exported_text  # the comparisons too
    assert "not_interested_rate_per_user" in exported_text and ",worse,verdict" in exported_text  # guardrails
    assert "view_ci_low,view_ci_high" in exported_text  # and the charts' series with their bands


def test_report_api_parameters_and_scope(make_client):
    reader = make_client(Scope.REPORTS_READ)
    assert reader.get("/api/v1/experiments/items/report").status_code == 200
    bad = reader.get("/api/v1/experiments/items/report", {"from": "yesterday"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "from"
    assert reader.get("/api/v1/experiments/nope/report").status_code == 400
    assert make_client(Scope.RECOMMENDATIONS_READ).get("/api/v1/experiments/items/report").status_code == 403


def test_the_demo_traffic_reaches_every_slot_so_every_dashboard_has_data(experiment):
    """Shops are reacted to through their items, features through the items they show."""
    Feature.objects.create(title="Kitchen", slug="kitchen", status="published", rule_categories=["Home > Kitchen"])
    shops_version = live_version("segment_popularity")
    segment_list(shops_version, "all", list(Shop.objects.values_list("pk", flat=True)), slot="shops")
    Variant.objects.filter(slot__slot="shops").update(algorithm="segment_popularity")
    call_command("simulate_traffic", users=120, days=2, verbosity=0)
    reached = {
        slot: sum(ExperimentDay.objects.filter(slot=slot).values_list("view_users", flat=True))
        for slot in ("items", "shops", "features")
    }
    assert all(users > 0 for users in reached.values()), reached
