"""Slots, variants and NG entries edited in the admin change what the API serves at the next request."""

from __future__ import annotations

import pytest

from curation.models import NgItem
from recommendations.models import Impression, SlotConfig, Variant
from recommendations.services.serving.pipeline import recommend
from tests.factories import AppUserFactory, ItemFactory
from tests.recommendations.admin.slot_form import SLOT_SETTINGS
from tests.recommendations.services.serving.world import live_version, user_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(staff):
    return staff


@pytest.mark.parametrize(
    "url",
    [
        "/admin/recommendations/slotconfig/",
        "/admin/recommendations/variantpin/",
        "/admin/recommendations/impression/",
        "/admin/curation/ngitem/",
        "/admin/curation/ngshop/",
        "/admin/curation/pin/",
        "/admin/curation/boost/",
        "/admin/curation/ngitem/add/",
    ],
)
def test_pages_open(staff_client, url):
    assert staff_client.get(url).status_code == 200


def test_slot_size_and_variant_weights_are_edited_in_the_admin(staff_client):
    items = [ItemFactory() for _ in range(12)]
    user = AppUserFactory(external_id="alice")
    for algorithm in ("als", "ease"):
        user_list(live_version(algorithm), user, [i.pk for i in items])
    slot = SlotConfig.objects.get(slot="items")
    a, b = slot.variants.order_by("name")
    page = staff_client.get(f"/admin/recommendations/slotconfig/{slot.pk}/change/").content.decode()
    assert "als v" in page  # where each variant serves from
    form = {
        "size": 5,
        "per_shop_cap": 0,
        **SLOT_SETTINGS,
        "experiment": "winter",
        "variants-TOTAL_FORMS": 2,
        "variants-INITIAL_FORMS": 2,
        "variants-MIN_NUM_FORMS": 0,
        "variants-MAX_NUM_FORMS": 1000,
    }
    for n, (variant, weight) in enumerate(((a, 0), (b, 1))):
        form |= {
            f"variants-{n}-id": variant.pk,
            f"variants-{n}-slot": slot.pk,
            f"variants-{n}-name": variant.name,
            f"variants-{n}-algorithm": variant.algorithm,
            f"variants-{n}-fallbacks_0": "popularity",
            f"variants-{n}-weight": weight,
        }
    response = staff_client.post(f"/admin/recommendations/slotconfig/{slot.pk}/change/", form)
    assert response.status_code == 302
    result = recommend("items", "alice")
    assert len(result.entries) == 5 and result.variant == "B" and result.algorithm == "ease"


def test_fallbacks_are_chosen_in_order_and_an_unknown_or_repeated_one_is_refused(staff_client):
    slot = SlotConfig.objects.get(slot="shops")
    variant = slot.variants.get()
    form = dict(
        {
            "size": 10,
            "per_shop_cap": 0,
            **SLOT_SETTINGS,
            "experiment": "default",
            "variants-TOTAL_FORMS": 1,
            "variants-INITIAL_FORMS": 1,
            "variants-MIN_NUM_FORMS": 0,
            "variants-MAX_NUM_FORMS": 1000,
            "variants-0-id": variant.pk,
            "variants-0-slot": slot.pk,
            "variants-0-name": "A",
            "variants-0-algorithm": "ease",
            "variants-0-weight": 1,
        }
    )
    url = f"/admin/recommendations/slotconfig/{slot.pk}/change/"
    page = staff_client.get(url).content.decode()
    assert 'name="variants-0-fallbacks_0"' in page and "<textarea" not in page.split('id="variants-group"')[1]
    for chain, problem in [
        ({"variants-0-fallbacks_0": "magic"}, "Select a valid choice. magic is not one of the available choices."),
        (
            {"variants-0-fallbacks_0": "popularity", "variants-0-fallbacks_1": "popularity"},
            "popularity appears more than once in the chain.",
        ),
    ]:
        response = staff_client.post(url, {**form, **chain})
        assert response.status_code == 200
        assert problem in response.content.decode()
        assert Variant.objects.get(pk=variant.pk).fallbacks == ["segment_popularity", "popularity"]
    # blanks between steps are skipped, the order kept
    chain = {"variants-0-fallbacks_0": "popularity", "variants-0-fallbacks_2": "segment_popularity"}
    assert staff_client.post(url, {**form, **chain}).status_code == 302
    assert Variant.objects.get(pk=variant.pk).fallbacks == ["popularity", "segment_popularity"]


def test_ng_item_added_in_the_admin_is_attributed_and_applies_at_once(staff_client):
    items = [ItemFactory() for _ in range(3)]
    user = AppUserFactory(external_id="alice")
    user_list(live_version("item_knn"), user, [i.pk for i in items])
    Variant.objects.filter(slot__slot="items").update(algorithm="item_knn")
    assert recommend("items", "alice", log=False).entries[0].key == items[0].pk
    response = staff_client.post("/admin/curation/ngitem/add/", {"item": items[0].pk, "reason": "counterfeit reports"})
    assert response.status_code == 302
    assert NgItem.objects.get().created_by == "mika"
    result = recommend("items", "alice", log=False)
    assert items[0].pk not in [e.key for e in result.entries]
    assert result.trace.removed[items[0].pk] == "removed: NG item: counterfeit reports (added by mika)"
    assert not Impression.objects.exists()  # log=False, as the preview calls it


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("exploration_share", "80", "Ensure this value is less than or equal to 50."),
        ("fatigue_days", "0", "Ensure this value is greater than or equal to 1."),
        ("new_item_days", "-3", "Ensure this value is greater than or equal to"),
        ("per_category_cap", "x", "Enter a whole number."),
    ],
)
def test_a_bad_variety_or_exploration_setting_is_named_and_nothing_is_saved(staff_client, field, value, message):
    slot = SlotConfig.objects.get(slot="items")
    url = f"/admin/recommendations/slotconfig/{slot.pk}/change/"
    form = {
        "size": 20,
        "per_shop_cap": 2,
        "experiment": "default",
        **SLOT_SETTINGS,
        field: value,
        "variants-TOTAL_FORMS": 0,
        "variants-INITIAL_FORMS": 0,
        "variants-MIN_NUM_FORMS": 0,
        "variants-MAX_NUM_FORMS": 1000,
    }
    response = staff_client.post(url, form)
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field][0]
    slot.refresh_from_db()
    assert (slot.exploration_share, slot.fatigue_days, slot.new_item_days) == (0, 7, 7)
