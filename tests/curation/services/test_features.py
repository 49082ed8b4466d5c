"""Themed features: rule matching, NG and stock filters, schedule, per-user order, suggested drafts, admin."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from curation.models import Feature, FeatureItem, NgItem
from curation.selectors import FeatureRule, rule_matches
from curation.services.feature_suggestions import features_suggest
from recommendations.models import Scope
from tests.factories import AppUserFactory, EventFactory, ItemFactory, ShopFactory
from tests.recommendations.services.serving.world import live_version, neighbours

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    kitchen, garden = ShopFactory(external_id="kitchen-shop"), ShopFactory(external_id="garden-shop")
    return {
        "tray": ItemFactory(
            external_id="tray", title="Walnut tray", category_path="Home > Kitchen > Trays", price=3000, shop=kitchen
        ),
        "board": ItemFactory(
            external_id="board", title="Walnut board", category_path="Home > Kitchen", price=9000, shop=kitchen
        ),
        "pot": ItemFactory(external_id="pot", title="Clay pot", category_path="Home > Garden", price=2000, shop=garden),
        "old": ItemFactory(
            external_id="old", title="Walnut stool", category_path="Home > Kitchen", in_stock=False, shop=kitchen
        ),
        "kitchen": kitchen,
    }


def _ids(qs) -> set[str]:
    return {i.external_id for i in qs}


def test_rule_parts_all_apply_and_categories_include_subcategories(catalog):
    assert _ids(rule_matches(FeatureRule(categories=["Home > Kitchen"]))) == {"tray", "board"}  # sold out left out
    assert _ids(rule_matches(FeatureRule(keywords=["walnut", "clay"]))) == {"tray", "board", "pot"}
    assert _ids(rule_matches(FeatureRule(keywords=["walnut"], price_max=5000))) == {"tray"}
    assert _ids(rule_matches(FeatureRule(shops=[catalog["kitchen"].pk], price_min=5000))) == {"board"}
    assert not rule_matches(FeatureRule()).exists()


def test_min_popularity_counts_recent_events_and_orders_by_them(catalog):
    for _ in range(3):
        EventFactory(item=catalog["board"])
    EventFactory(item=catalog["tray"])
    EventFactory(item=catalog["tray"], occurred_at=timezone.now() - dt.timedelta(days=60))  # too old to count
    matches = list(rule_matches(FeatureRule(categories=["Home"], min_popularity=1)))
    assert [i.external_id for i in matches] == ["board", "tray"]


@pytest.fixture
def reader(make_client):
    return make_client(Scope.RECOMMENDATIONS_READ)


def test_features_endpoint_serves_live_features_filtered_and_ordered_for_the_user(reader, catalog):
    kitchen = Feature.objects.create(
        title="Kitchen wood", slug="kitchen-wood", status="published", rule_categories=["Home > Kitchen"]
    )
    garden = Feature.objects.create(
        title="Garden", slug="garden", status="published", rule_categories=["Home > Garden"]
    )
    Feature.objects.create(title="Draft", slug="draft", rule_categories=["Home"])
    Feature.objects.create(
        title="Over",
        slug="over",
        status="published",
        rule_categories=["Home"],
        ends_at=timezone.now() - dt.timedelta(days=1),
    )
    FeatureItem.objects.create(feature=garden, item=catalog["board"], position=0)  # hand-picked first
    NgItem.objects.create(item=catalog["tray"], reason="splinters", slots=["features"])
    user = AppUserFactory(external_id="gardener")
    EventFactory(user=user, item=catalog["pot"], type="purchase")

    body = reader.get("/api/v1/users/gardener/recommendations/features").json()
    assert [f["feature_id"] for f in body["features"]] == ["garden", "kitchen-wood"]  # the user's taste first
    garden_items = [i["item_id"] for i in body["features"][0]["items"]]
    assert garden_items == ["board", "pot"]
    assert [i["item_id"] for i in body["features"][1]["items"]] == ["board"]  # tray is NG for features
    assert kitchen.pk
    # an unknown user gets the same features, newest first
    assert len(reader.get("/api/v1/users/stranger/recommendations/features").json()["features"]) == 2


def test_suggestions_are_drafts_and_not_repeated(catalog):
    version = live_version("item_knn")
    neighbours(
        version, catalog["board"], [catalog["tray"].pk, catalog["pot"].pk, catalog["old"].pk, catalog["board"].pk]
    )
    user = AppUserFactory()
    for _ in range(25):
        EventFactory(user=user, item=catalog["board"], type="view", occurred_at=timezone.now() - dt.timedelta(days=1))
    drafts = features_suggest()
    assert drafts and all(f.status == Feature.Status.DRAFT for f in drafts)
    titles = {f.title for f in drafts}
    assert "Trending this week: Kitchen" in titles
    together = next(f for f in drafts if f.title.startswith("Often viewed with"))
    assert list(together.picks.values_list("item__external_id", flat=True))[:2] == ["board", "tray"]
    assert features_suggest() == []  # the same proposals are not made twice


def test_admin_shows_rule_matches_before_saving(staff, catalog):
    assert staff.get("/admin/curation/feature/add/").status_code == 200
    response = staff.get(
        "/admin/curation/feature/rule-check/", {"rule_categories": "Home > Kitchen", "rule_price_max": "5000"}
    )
    text = response.content.decode()
    assert "matches 1 published, in-stock item" in text and "Walnut tray" in text
    assert not Feature.objects.exists()
    bad = staff.get("/admin/curation/feature/rule-check/", {"rule_categories": "Home>Kitchn"})
    assert bad.status_code == 400 and "In categories: Select a valid choice." in bad.content.decode()


def test_admin_suggest_button_and_publish_action(staff, catalog):
    response = staff.post("/admin/curation/feature/suggest/", follow=True)
    assert "Nothing new to propose" in response.content.decode()
    feature = Feature.objects.create(title="Walnut", slug="walnut", rule_keywords=["walnut"])
    staff.post("/admin/curation/feature/", {"action": "publish", "_selected_action": [feature.pk]})
    feature.refresh_from_db()
    assert feature.status == "published"
    assert "Walnut tray" in staff.get(f"/admin/curation/feature/{feature.pk}/change/").content.decode()


def test_the_demo_command_publishes_the_first_proposals_so_the_shop_window_has_features(catalog, reader):
    from django.core.management import call_command

    version = live_version("item_knn")
    neighbours(version, catalog["board"], [catalog["tray"].pk, catalog["pot"].pk, catalog["board"].pk])
    user = AppUserFactory()
    for _ in range(25):
        EventFactory(user=user, item=catalog["board"], type="view", occurred_at=timezone.now() - dt.timedelta(days=1))
    call_command("suggest_features", publish=1, stdout=io.StringIO())
    assert Feature.objects.filter(status=Feature.Status.PUBLISHED).count() == 1
    assert reader.get("/api/v1/users/someone/recommendations/features").json()["features"]


def test_a_features_items_follow_the_users_own_model_after_the_hand_picked_ones(reader, catalog):
    from recommendations.models import Variant
    from tests.recommendations.services.serving.world import user_list

    home = Feature.objects.create(title="Home", slug="home", status="published", rule_categories=["Home"])
    FeatureItem.objects.create(feature=home, item=catalog["tray"], position=0)
    version = live_version("item_knn")
    Variant.objects.filter(slot__slot="features").update(algorithm="item_knn", fallbacks=[])
    user_list(version, AppUserFactory(external_id="cook"), [catalog["pot"].pk, catalog["board"].pk])
    body = reader.get("/api/v1/users/cook/recommendations/features").json()
    assert [i["item_id"] for i in body["features"][0]["items"]] == ["tray", "pot", "board"]
    from recommendations.services.serving.pipeline import recommend

    trace = " ".join(recommend("features", "cook", log=False).trace.steps)
    assert f"item_knn v{version.pk} for this user" in trace
