"""Merchandiser flows in the admin: CSV upload with a dry run, export, NG from the item list, rule conflicts."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.models import Boost, NgItem, NgShop, Pin
from recommendations.models import Item
from tests.factories import ItemFactory, ShopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def items():
    return [ItemFactory(external_id=f"item-{n}") for n in range(3)]


def _upload(staff, content: str):
    return staff.post(
        "/admin/curation/ngitem/upload/", {"file": SimpleUploadedFile("ng.csv", content.encode(), "text/csv")}
    )


def test_upload_shows_row_errors_saves_nothing_then_confirms_a_clean_file(staff, items):
    page = staff.get("/admin/curation/ngitem/upload/").content.decode()
    assert "item_id,reason,expires_at,slots" in page

    bad = _upload(staff, "item_id,reason,expires_at,slots\nitem-0,fake,,\nitem-9,typo,,\n").content.decode()
    assert "1 row has problems (1 in all)" in bad and "no item with item_id &#x27;item-9&#x27;" in bad
    assert "<td>3</td>" in bad  # the bad row is named by its line in the file
    assert "confirm-upload" not in bad and not NgItem.objects.exists()

    good = _upload(staff, "item_id,reason,expires_at,slots\nitem-0,fake,,\nitem-1,recall,2099-01-01,items\n")
    page = good.content.decode()
    assert "Every row is fine: 2 new" in page and not NgItem.objects.exists()
    content = good.context["content"]
    done = staff.post("/admin/curation/ngitem/upload/", {"confirm": "yes", "content": content}, follow=True)
    assert "Saved 2 new and 0 changed NG items" in done.content.decode()
    assert set(NgItem.objects.values_list("item__external_id", "created_by")) == {
        ("item-0", "mika"),
        ("item-1", "mika"),
    }
    history = staff.get(f"/admin/curation/ngitem/{NgItem.objects.get(item__external_id='item-0').pk}/history/")
    assert history.status_code == 200 and "mika" in history.content.decode()


def test_not_utf8_and_a_wrong_header_are_explained(staff, items):
    latin = staff.post(
        "/admin/curation/ngitem/upload/",
        {"file": SimpleUploadedFile("ng.csv", "item_id,reason\nitem-0,caf\xe9\n".encode("latin-1"))},
    )
    assert "not text in UTF-8 or Shift_JIS (cp932)" in latin.content.decode()
    assert "missing column(s) reason" in _upload(staff, "item_id,why\nitem-0,x\n").content.decode()


def test_export_downloads_the_list(staff, items):
    NgItem.objects.create(item=items[0], reason="fake", created_by="mika")
    response = staff.get("/admin/curation/ngitem/export/")
    assert response["Content-Type"].startswith("text/csv")
    assert "item-0,fake" in response.content.decode()


def test_add_to_ng_list_from_the_item_list_asks_for_a_reason(staff, items):
    selected = {"action": "add_to_ng_list", "_selected_action": [items[0].pk, items[1].pk]}
    asked = staff.post("/admin/recommendations/item/", selected)
    assert "Add 2 items to the NG list" in asked.content.decode() and not NgItem.objects.exists()
    staff.post("/admin/recommendations/item/", {**selected, "apply": "yes", "reason": "brand complaint"})
    assert NgItem.objects.filter(reason="brand complaint", created_by="mika").count() == 2


def test_add_to_ng_list_from_the_shop_list(staff):
    shop = ShopFactory(external_id="shop-9")
    staff.post(
        "/admin/recommendations/shop/",
        {
            "action": "add_to_ng_list",
            "_selected_action": [shop.pk],
            "apply": "yes",
            "reason": "fraud",
            "slots": ["shops"],
        },
    )
    assert NgShop.objects.get().slots == ["shops"]


def test_pin_conflicts_are_warned_about(staff, items):
    Pin.objects.create(slot="items", item=items[1], position=1)
    NgItem.objects.create(item=items[0], reason="fake")
    response = staff.post(
        "/admin/curation/pin/add/", {"slot": "items", "item": items[0].pk, "position": 1, "segment": ""}, follow=True
    )
    text = response.content.decode()
    assert "is at position 1 too: it keeps the position and this one goes next" in text
    assert "will not be placed: item is on the NG list (fake)" in text
    assert Pin.objects.count() == 2  # warned, not refused: the merchandiser decides


def test_conflict_warnings_follow_the_ng_entrys_slots(staff, items):
    NgShop.objects.create(shop=items[0].shop, reason="counterfeit reports", slots=["shops"])
    NgItem.objects.create(item=items[1], reason="recall", slots=["items"])

    in_items = staff.post(
        "/admin/curation/pin/add/", {"slot": "items", "item": items[0].pk, "position": 1, "segment": ""}, follow=True
    )
    in_shops = staff.post(
        "/admin/curation/pin/add/",
        {"slot": "shops", "shop": items[0].shop.pk, "position": 1, "segment": ""},
        follow=True,
    )
    recalled = staff.post(
        "/admin/curation/pin/add/", {"slot": "items", "item": items[1].pk, "position": 2, "segment": ""}, follow=True
    )

    assert "will not be placed" not in in_items.content.decode()  # the shop is NG in the shops slot only
    assert "will not be placed: shop is on the NG list (counterfeit reports)" in in_shops.content.decode()
    assert "will not be placed: item is on the NG list (recall)" in recalled.content.decode()


def test_the_entry_form_refuses_a_past_expiry_as_the_api_does(staff, items):
    form = {
        "item": items[0].pk,
        "reason": "recalled",
        "expires_at_0": "2020-01-01",
        "expires_at_1": "00:00:00",
    }
    page = staff.post("/admin/curation/ngitem/add/", form)
    assert page.status_code == 200 and "is already past" in page.content.decode()
    assert not NgItem.objects.exists()

    form.update(expires_at_0="2099-01-01")
    assert staff.post("/admin/curation/ngitem/add/", form).status_code == 302
    assert NgItem.objects.get().created_by == "mika"


def test_a_large_file_is_summed_up_then_saved_whole_with_history_per_entry(staff, settings, tmp_path):
    from curation.models import NgCategory

    settings.MEDIA_ROOT = str(tmp_path)
    rows = 20_000
    shop = ShopFactory()
    Item.objects.bulk_create(
        [Item(external_id=f"bulk-{n}", shop=shop, title="x", category_path=f"Bulk > Category {n}") for n in range(rows)]
    )
    content = "category_path,reason,expires_at,slots\n" + "".join(
        f"Bulk > Category {n},recall {n},,\n" for n in range(rows)
    )
    page = staff.post(
        "/admin/curation/ngcategory/upload/",
        {"file": SimpleUploadedFile("ng.csv", content.encode(), "text/csv")},
    )
    text = page.content.decode()
    assert f"Every row is fine: {rows} new" in text and f"{rows} rows in the file" in text
    assert text.count("<td>Bulk &gt; Category") == 200 and len(page.content) < 200_000  # a summary, not every row
    assert not NgCategory.objects.exists()

    done = staff.post(
        "/admin/curation/ngcategory/upload/", {"confirm": "yes", "upload": page.context["upload"]}, follow=True
    )
    assert f"Saved {rows} new and 0 changed NG categories" in done.content.decode()
    assert NgCategory.objects.count() == rows
    assert NgCategory.history.filter(history_type="+").count() == rows
    assert set(NgCategory.history.values_list("history_change_reason", flat=True)) == {"mika"}
    # the kept file went with its confirmation: a second confirm saves nothing twice
    again = staff.post("/admin/curation/ngcategory/upload/", {"confirm": "yes", "upload": page.context["upload"]})
    assert "already saved or has expired" in again.content.decode()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    day=st.one_of(st.dates().map(str), st.text(max_size=12)),
    time=st.one_of(st.times().map(str), st.text(max_size=10)),
    reason=st.text(max_size=40),
    slots=st.lists(st.sampled_from(["items", "shops", "nope", "", '["items"]']), max_size=3),
)
def test_the_entry_form_never_fails_whatever_is_typed(staff, items, day, time, reason, slots):
    form = {"item": items[1].pk, "reason": reason, "slots": slots, "expires_at_0": day, "expires_at_1": time}
    page = staff.post("/admin/curation/ngitem/add/", form)
    assert page.status_code in (200, 302)  # the form again with its errors, or saved
    NgItem.objects.all().delete()


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    slot=st.sampled_from(["items", "shops", "features", ""]),
    number=st.one_of(st.integers(min_value=-(10**6), max_value=10**6).map(str), st.text(max_size=8)),
    segment=st.text(max_size=20),
    starts=st.one_of(st.dates().map(str), st.text(max_size=10)),
    target=st.sampled_from(["item", "shop", "both", "none"]),
)
def test_pin_and_boost_forms_never_fail_whatever_is_typed(staff, items, slot, number, segment, starts, target):
    picked = {
        "item": {"item": items[0].pk},
        "shop": {"shop": items[0].shop_id},
        "both": {"item": items[0].pk, "shop": items[0].shop_id},
        "none": {},
    }[target]
    common = {"slot": slot, "segment": segment, "starts_at_0": starts, "starts_at_1": "00:00:00", "note": "x"}
    pin = staff.post("/admin/curation/pin/add/", {**common, **picked, "position": number})
    boost = staff.post("/admin/curation/boost/add/", {**common, **picked, "factor": number, "category_path": ""})
    assert pin.status_code in (200, 302) and boost.status_code in (200, 302)
    Pin.objects.all().delete()
    Boost.objects.all().delete()


CELLS = st.one_of(
    st.text(max_size=15),
    st.sampled_from(["item-0", "item-1", "2099-01-01", "2026/12/31", "9999-12-31T23:59:59-14:00", '["items"]', "=1+1"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    header=st.sampled_from(["item_id,reason,expires_at,slots", "item_id,reason", "reason,item_id", "", "a,b,c"]),
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=5), max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp932", "latin-1"]),
    noise=st.binary(max_size=20),
)
def test_the_ng_upload_never_fails_whatever_file_is_sent(staff, items, header, rows, encoding, noise):
    buffer = io.StringIO()
    buffer.write(header + "\n")
    csv.writer(buffer).writerows(rows)
    content = buffer.getvalue().encode(encoding, errors="replace") + noise
    page = staff.post("/admin/curation/ngitem/upload/", {"file": SimpleUploadedFile("ng.csv", content, "text/csv")})
    assert page.status_code == 200  # the check's verdict, with its errors; nothing saved before confirming
    assert not NgItem.objects.exists()


def test_export_neutralises_formulas_and_uploading_it_back_changes_nothing(staff, items):
    reasons = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "plain"]
    for item, reason in zip(items + [ItemFactory(external_id=f"item-{n}") for n in (3, 4)], reasons, strict=True):
        NgItem.objects.create(item=item, reason=reason, created_by="mika")
    exported = staff.get("/admin/curation/ngitem/export/").content.decode()
    rows = list(csv.reader(io.StringIO(exported)))[1:]
    assert {row[1] for row in rows} == {"'" + r for r in reasons[:4]} | {"plain"}  # Excel shows them as text
    page = _upload(staff, exported)
    assert "Every row is fine: 0 new, 5 replacing current entries" in page.content.decode()
    staff.post("/admin/curation/ngitem/upload/", {"confirm": "yes", "upload": page.context["upload"]})
    assert set(NgItem.objects.values_list("reason", flat=True)) == set(reasons)


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig", "utf-8"])
def test_excel_files_in_shift_jis_or_utf_8_are_read_and_dates_may_use_slashes(staff, encoding):
    ItemFactory(external_id="品番-001")
    content = "item_id,reason,expires_at,slots\n品番-001,偽ブランド品の通報,2099/12/31,items\n".encode(encoding)
    page = staff.post("/admin/curation/ngitem/upload/", {"file": SimpleUploadedFile("ng.csv", content, "text/csv")})
    assert "Every row is fine: 1 new" in page.content.decode()
    staff.post("/admin/curation/ngitem/upload/", {"confirm": "yes", "upload": page.context["upload"]})
    entry = NgItem.objects.get()
    assert entry.reason == "偽ブランド品の通報" and entry.expires_at.isoformat() == "2099-12-31T15:00:00+00:00"


def test_exports_open_in_excel_with_japanese_intact(staff):
    NgItem.objects.create(item=ItemFactory(external_id="品番-001"), reason="偽ブランド品の通報", created_by="mika")
    utf8 = staff.get("/admin/curation/ngitem/export/")
    assert utf8.content.startswith("\ufeff".encode()) and "偽ブランド品の通報" in utf8.content.decode("utf-8-sig")
    sjis = staff.get("/admin/curation/ngitem/export/?encoding=cp932")
    assert "shift_jis" in sjis["Content-Type"] and "偽ブランド品の通報" in sjis.content.decode("cp932")


PIN_ADD = "/admin/curation/pin/add/"


def test_a_typo_in_a_segment_or_category_is_refused_with_suggestions_and_a_bury_needs_a_factor_above_0(staff, items):
    from recommendations.models import AppUser

    AppUser.objects.create(external_id="u-kanto", gender="female", birth_year=1995, region="Kanto")
    ItemFactory(category_path="Toys > Blocks")
    common = {"slot": "items", "note": "x", "starts_at_0": "", "starts_at_1": ""}
    pin = staff.post(
        "/admin/curation/pin/add/", {**common, "item": items[0].pk, "position": 1, "segment": "Female|25-34"}
    )
    assert pin.status_code == 302 and Pin.objects.get().segment == "female|25-34"  # stored as segment lists name it
    typo = staff.post(
        "/admin/curation/pin/add/", {**common, "item": items[1].pk, "position": 2, "segment": "femal|25-34"}
    )
    assert "No segment &#x27;femal|25-34&#x27; exists; did you mean &#x27;female|25-34&#x27;" in typo.content.decode()
    boost = staff.post("/admin/curation/boost/add/", {**common, "category_path": "Toyz", "factor": 2})
    assert "did you mean &#x27;Toys&#x27;" in boost.content.decode() and not Boost.objects.exists()
    zero = staff.post("/admin/curation/boost/add/", {**common, "category_path": "toys > blocks", "factor": 0})
    assert "The factor must be above 0" in zero.content.decode() and "Constraint" not in zero.content.decode()
    staff.post("/admin/curation/boost/add/", {**common, "category_path": "toys>blocks", "factor": 0.5})
    assert Boost.objects.get().category_path == "Toys > Blocks"


def test_a_file_with_lone_carriage_returns_is_read_line_by_line(staff, items):
    content = f"item_id,reason\r{items[0].external_id},recall\r".encode()
    page = staff.post("/admin/curation/ngitem/upload/", {"file": SimpleUploadedFile("ng.csv", content, "text/csv")})
    assert page.status_code == 200 and "Every row is fine: 1 new" in page.content.decode()
