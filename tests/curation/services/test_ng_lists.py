"""NG lists through the service, the CSV format and the sync API; each change recorded in the history."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from curation.models import NgCategory, NgItem, NgShop
from curation.selectors import ng_csv_export
from curation.services.ng_lists import ng_csv_rows, ng_rows_apply, ng_rows_check
from recommendations.errors import ValidationFailed
from recommendations.models import Scope
from recommendations.services.serving.pipeline import recommend
from tests.factories import AppUserFactory, ItemFactory, ShopFactory
from tests.recommendations.services.serving.world import live_version, user_list

pytestmark = pytest.mark.django_db

CSV = """item_id,reason,expires_at,slots
item-a,counterfeit reports,,
item-b,recall,2099-01-31,items|features
"""


@pytest.fixture
def items():
    return [ItemFactory(external_id=f"item-{c}") for c in "abc"]


def test_a_clean_csv_is_checked_then_applied(items):
    rows = ng_csv_rows("items", CSV)
    check = ng_rows_check("items", rows)
    assert check.ok and check.new == 2 and not NgItem.objects.exists()  # checking writes nothing
    ng_rows_apply("items", rows, by="mika")
    b = NgItem.objects.get(item__external_id="item-b")
    assert b.slots == ["features", "items"] and b.created_by == "mika"
    # a date means until the end of that day where the staff are (TIME_ZONE, Tokyo by default)
    assert b.expires_at == dt.datetime(2099, 2, 1, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.mark.parametrize("written", ["2099/1/31", "2099/01/31", "2099-01-31"])
def test_a_date_as_excel_writes_it_ends_at_local_midnight(items, written, settings):
    ng_rows_apply("items", [{"item_id": "item-a", "reason": "recall", "expires_at": written}], by="mika")
    assert NgItem.objects.get().expires_at == dt.datetime(2099, 1, 31, 15, tzinfo=dt.UTC)
    settings.TIME_ZONE = "UTC"
    ng_rows_apply("items", [{"item_id": "item-a", "reason": "recall", "expires_at": written}], by="mika")
    assert NgItem.objects.get().expires_at == dt.datetime(2099, 2, 1, tzinfo=dt.UTC)


def test_a_bad_csv_names_every_bad_row_and_saves_nothing(items):
    content = CSV + "item-zzz,unknown item,,\nitem-a,twice,,\nitem-c,bad date,next tuesday,\nitem-c,,,\n"
    rows = ng_csv_rows("items", content)
    with pytest.raises(ValidationFailed) as failed:
        ng_rows_apply("items", rows, by="mika")
    problems = {(e.index + 2, e.field): e.message for e in failed.value.errors}  # +2: the file's line numbers
    assert "no item with item_id 'item-zzz'" in problems[(4, "item_id")]
    assert "appears twice" in problems[(5, "item_id")]
    assert "not a date" in problems[(6, "expires_at")]
    assert (7, "reason") in problems
    assert not NgItem.objects.exists()


def test_a_wrong_header_is_refused():
    with pytest.raises(ValidationFailed) as failed:
        ng_csv_rows("items", "id,why\nitem-a,x\n")
    assert "missing column(s) item_id, reason" in failed.value.message


def test_a_past_expiry_and_unknown_slot_are_refused(items):
    check = ng_rows_check("items", [{"item_id": "item-a", "reason": "x", "expires_at": "2001-01-01", "slots": "home"}])
    assert {e.field for e in check.errors} == {"expires_at", "slots"}


def test_export_is_the_upload_format_plus_who_and_whether_it_applies(items):
    ng_rows_apply("items", ng_csv_rows("items", CSV), by="mika")
    exported = ng_csv_export("items")
    assert exported.splitlines()[0] == "item_id,reason,expires_at,slots,created_by,created_at,active"
    assert "item-b,recall,2099-02-01T00:00:00+09:00,features|items,mika," in exported  # Tokyo time
    # an exported file can be edited and uploaded again as it is
    again = ng_rows_check("items", ng_csv_rows("items", exported))
    assert again.ok and again.changed == 2 and again.new == 0


def test_every_change_is_in_the_history(items):
    ng_rows_apply("items", ng_csv_rows("items", CSV), by="mika")
    ng_rows_apply("items", [{"item_id": "item-a", "reason": "confirmed counterfeit"}], by="ken")
    history = NgItem.history.filter(item__external_id="item-a").order_by("history_date")
    assert [(h.reason, h.history_type, h.history_change_reason) for h in history] == [
        ("counterfeit reports", "+", "mika"),
        ("confirmed counterfeit", "~", "ken"),
    ]


@pytest.fixture
def sync(make_client):
    return make_client(Scope.CURATION_WRITE)


def test_sync_api_puts_lists_and_deletes_attributed_to_the_key(sync, items):
    response = sync.put("/api/v1/ng/items/item-a", {"reason": "trust & safety #881"}, format="json")
    assert response.status_code == 201 and response.json()["created"] is True
    again = sync.put("/api/v1/ng/items/item-a", {"reason": "still bad", "expires_at": "2099-12-31"}, format="json")
    assert (
        again.status_code == 200 and again.json()["expires_at"] == "2099-12-31T15:00:00+00:00"
    )  # the API answers in UTC
    listed = sync.get("/api/v1/ng/items").json()
    assert listed["count"] == 1 and listed["results"][0]["reason"] == "still bad"
    assert listed["results"][0]["created_by"] == "API key 'test app'"
    assert sync.delete("/api/v1/ng/items/item-a").status_code == 200
    assert not NgItem.objects.exists()
    reasons = list(NgItem.history.order_by("history_date").values_list("history_type", "history_change_reason"))
    assert reasons == [("+", "API key 'test app'"), ("~", "API key 'test app'"), ("-", "API key 'test app'")]


def test_sync_api_errors_name_the_problem(sync, items):
    assert sync.put("/api/v1/ng/items/nope", {"reason": "x"}, format="json").status_code == 404
    bad = sync.put("/api/v1/ng/items/item-a", {"expires_at": "soon"}, format="json")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"reason", "expires_at"}
    assert sync.delete("/api/v1/ng/items/item-b").status_code == 404
    assert sync.get("/api/v1/ng/items", {"limit": "lots"}).status_code == 400


def test_sync_api_needs_its_scope(make_client, items):
    response = make_client(Scope.RECOMMENDATIONS_READ).put("/api/v1/ng/items/item-a", {"reason": "x"}, format="json")
    assert response.status_code == 403 and "curation:write" in response.json()["message"]


def test_ng_shop_via_the_api_takes_effect_at_the_next_request(sync):
    shop = ShopFactory(external_id="shop-x")
    items = [ItemFactory(shop=shop) for _ in range(2)] + [ItemFactory() for _ in range(2)]
    user = AppUserFactory(external_id="alice")
    user_list(live_version("item_knn"), user, [i.pk for i in items])
    from recommendations.models import Variant

    Variant.objects.filter(slot__slot="items").update(algorithm="item_knn")
    assert items[0].pk in [e.key for e in recommend("items", "alice", log=False).entries]
    assert sync.put("/api/v1/ng/shops/shop-x", {"reason": "fraud"}, format="json").status_code == 201
    keys = [e.key for e in recommend("items", "alice", log=False).entries]
    assert items[0].pk not in keys and items[1].pk not in keys and items[2].pk in keys
    assert NgShop.objects.get().created_by == "API key 'test app'"


def test_ng_categories_from_a_file_are_stored_in_the_catalogues_spelling():
    ItemFactory(category_path="Health > Supplements > Vitamins")
    ItemFactory(category_path="Fashion > Ｔシャツ")
    content = "category_path,reason\nhealth>supplements,regulated\nFashion > Tシャツ,counterfeits\n"
    ng_rows_apply("categories", ng_csv_rows("categories", content), by="mika")
    assert set(NgCategory.objects.values_list("category_path", flat=True)) == {
        "Health > Supplements",
        "Fashion > Ｔシャツ",
    }


def test_a_category_the_catalogue_lacks_is_refused_with_the_closest_names():
    ItemFactory(category_path="Beauty > Skincare")
    rows = ng_csv_rows("categories", "category_path,reason\nBeauty > Skincar,typo\n")
    with pytest.raises(ValidationFailed) as refused:
        ng_rows_apply("categories", rows, by="mika")
    [error] = refused.value.errors
    assert error.field == "category_path" and "did you mean 'Beauty > Skincare'?" in error.message
    assert not NgCategory.objects.exists()
