"""The staff preview shows what the API serves, beside the other variants, with reasons for what is missing."""

from __future__ import annotations

import pytest

from curation.models import NgShop
from recommendations.models import Scope, SlotConfig, Variant, VariantPin
from tests.factories import AppUserFactory, EventFactory, ItemFactory, ShopFactory
from tests.recommendations.services.serving.world import live_version, segment_list, user_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    shops = [ShopFactory(external_id=f"shop-{n}", name=f"Shop {n}") for n in range(4)]
    items = [ItemFactory(external_id=f"item-{n}", shop=shops[n % 4], title=f"Thing {n}") for n in range(24)]
    user = AppUserFactory(external_id="alice")
    knn, ease = live_version("item_knn"), live_version("ease")
    user_list(knn, user, [i.pk for i in items])
    user_list(ease, user, [i.pk for i in reversed(items)])
    segment_list(knn, "all", [i.pk for i in items])
    EventFactory(user=user, item=items[3])
    return {"items": items, "shops": shops, "user": user}


def test_preview_agrees_with_the_api(staff, make_client, world):
    api = make_client(Scope.RECOMMENDATIONS_READ).get("/api/v1/users/alice/recommendations/items").json()
    page = staff.get("/admin/recommendations/appuser/preview/", {"user_id": "alice"})
    served = next(c for c in page.context["slots"][0].columns if c.served)
    assert [row["obj"].external_id for row in served.rows] == [e["item_id"] for e in api["items"]]
    assert served.variant == api["variant"]
    # the other variant is shown beside it
    assert {c.variant for c in page.context["slots"][0].columns} == {"A", "B"}


def test_preview_names_what_was_removed_and_why(staff, world):
    NgShop.objects.create(shop=world["shops"][0], reason="counterfeit reports", created_by="ken")
    text = staff.get("/admin/recommendations/appuser/preview/", {"user_id": "alice"}).content.decode()
    assert "removed: NG shop: counterfeit reports (added by ken)" in text
    assert "Thing 1" in text and "Shop 1" in text  # titles and shops, not bare ids
    assert "Recent events" in text and "Thing 3" in text


def test_staff_pin_a_user_to_a_variant_from_the_preview(staff, world):
    Variant.objects.filter(slot__slot="items", name="A").update(weight=1)
    Variant.objects.filter(slot__slot="items", name="B").update(weight=0)
    staff.post("/admin/recommendations/appuser/preview/", {"user_id": "alice", "slot": "items", "variant": "B"})
    assert VariantPin.objects.get(user=world["user"]).variant.name == "B"
    page = staff.get("/admin/recommendations/appuser/preview/", {"user_id": "alice"})
    served = next(c for c in page.context["slots"][0].columns if c.served)
    assert served.variant == "B" and "pinned to this user by staff" in served.result.trace.steps[0]
    staff.post("/admin/recommendations/appuser/preview/", {"user_id": "alice", "slot": "items", "variant": ""})
    assert not VariantPin.objects.exists()


def test_preview_of_an_unknown_user_is_the_cold_start_answer(staff, world):
    page = staff.get("/admin/recommendations/appuser/preview/", {"user_id": "nobody"})
    assert "unknown to recsite" in page.content.decode()
    assert page.context["slots"][0].columns[0].result.algorithm == "segment_popularity"


def test_preview_shows_features_and_similar_items_with_their_traces(staff, world):
    from curation.models import Feature
    from tests.recommendations.services.serving.world import neighbours

    Feature.objects.create(title="Bags week", slug="bags-week", status="published", rule_categories=["Fashion"])
    neighbours(live_version("segment_popularity"), world["items"][3], [world["items"][7].pk, world["items"][4].pk])
    page = staff.get("/admin/recommendations/appuser/preview/", {"user_id": "alice"})
    slots = {s.slot: s for s in page.context["slots"]}

    features = slots["features"].columns[0]
    assert [row["obj"].slug for row in features.rows] == ["bags-week"]
    assert any(step.startswith("candidates: 1 live feature(s), 1 with items") for step in features.result.trace.steps)
    similar = slots["similar"]
    assert similar.heading.startswith("Similar to Thing 3")
    assert similar.columns[0].rows[0]["obj"] == world["items"][7]
    assert any("co-visited" in step for step in similar.columns[0].result.trace.steps)
    # shops like the shop of what the user looked at last, as its shop page shows them
    alike = slots["similar_shops"]
    assert alike.heading == "Shops like Shop 3 (shop-3)"
    assert alike.columns[0].rows[0]["obj"] == world["shops"][0]  # Thing 4's shop, viewed with Thing 3
    assert alike.columns[0].rows[0]["title"] == "Shop 0"
    text = page.content.decode()
    assert "Bags week" in text and "Similar to Thing 3" in text and "Shops like Shop 3" in text


def test_choosing_a_user_from_the_autocomplete_previews_them_and_keeps_the_header(staff, world):
    user = world["user"]
    query = {"app_label": "recommendations", "model_name": "variantpin", "field_name": "user"}
    found = staff.get("/admin/autocomplete/", {"term": user.external_id[:4], **query}).json()["results"]
    chosen = next(r["id"] for r in found if r["text"] == str(user))
    page = staff.get("/admin/recommendations/appuser/preview/", {"user": chosen})
    html = page.content.decode()
    assert page.status_code == 200 and "Select a valid choice" not in html
    assert f'<h2 id="preview-user">{user.external_id}' in html
    assert "<strong>mika</strong>" in html and "Change password" in html  # the signed-in staff member's header


def test_why_not_answers_for_a_shown_a_removed_a_later_and_a_never_proposed_item(staff, world):
    items = world["items"]
    NgShop.objects.create(shop=world["shops"][0], reason="counterfeit reports", created_by="ken")
    outsider = ItemFactory(external_id="item-x", title="Walnut tray")
    SlotConfig.objects.filter(slot="items").update(per_shop_cap=0, size=5)
    Variant.objects.filter(slot__slot="items", name="A").update(weight=1)
    Variant.objects.filter(slot__slot="items", name="B").update(weight=0)

    def answer(item_id: str) -> str:
        page = staff.get("/admin/recommendations/appuser/preview/", {"user_id": "alice", "item_id": item_id})
        return " ".join(page.context["item_answer"].lines)

    assert answer("item-1").startswith("Thing 1 (item-1) is shown at rank 1 of Recommended items (variant A)")
    assert "is not shown in Recommended items (variant A): removed: NG shop: counterfeit reports" in answer("item-4")
    assert "on a later page, the first shows 5" in answer("item-23")
    assert "is not among the" in answer("item-x") and "Nothing blocks it" in answer("item-x")
    outsider.published = False
    outsider.save()
    assert "could not be shown in Recommended items whatever the model says: not servable" in answer("item-x")
    assert answer("no-such-item") == "No item 'no-such-item' in the catalogue."
    # the autocomplete sends the item's database number
    page = staff.get("/admin/recommendations/appuser/preview/", {"user_id": "alice", "item": items[1].pk})
    assert 'id="item-answer"' in page.content.decode()


def test_the_trace_names_shops_and_items_by_name_and_id(staff, world):
    SlotConfig.objects.filter(slot="items").update(per_shop_cap=1)
    text = staff.get("/admin/recommendations/appuser/preview/", {"user_id": "alice"}).content.decode()
    assert "Shop 1 (shop-1) already has 1 item(s) in the list" in text
    assert "[[" not in text
