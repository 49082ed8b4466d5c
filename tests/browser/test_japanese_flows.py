"""The admin as its daily users meet it: in Japanese, in Chromium with the ja-JP locale, signed in with
their roles. A merchandiser uploads an NG list saved by Excel (Shift_JIS) with a typo, is told the
closest category, fixes it and sees the items gone from the preview with the reason; an analyst finds a
user through the autocomplete, asks why an item is not in their list and pins them to a variant.

Every page they use is saved to artifacts/ja-*.png (README, "Screenshots").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from recommendations.models import ExperimentUserDay, Variant
from recsite.roles import roles_sync
from tests.browser.conftest import ARTIFACTS, CHROMIUM
from tests.factories import (
    ApiKeyFactory,
    AppUserFactory,
    BoostFactory,
    ExperimentDayFactory,
    FeatureFactory,
    ItemFactory,
    NgItemFactory,
    NgShopFactory,
    PinFactory,
    ShopFactory,
)
from tests.recommendations.services.serving.world import live_version, segment_list, user_list

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed (.ci/run installs it)"),
]
PASSWORD = "a-long-test-password"
FITS = """() => [...document.querySelectorAll("#result_list, .inline-related table")]
    .every(table => table.scrollWidth <= table.parentElement.clientWidth + 1)"""


@pytest.fixture
def shop_world(live_server, settings, monkeypatch):
    """A small Japanese marketplace: three shops, kitchen goods and handkerchiefs with pictures, a user
    'alice' whose lists come from two variants, and a week of experiment figures."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls are still plain sync code
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.LANGUAGE_CODE = "ja"
    roles_sync()
    shops = [
        ShopFactory(external_id=f"shop-{n}", name=name)
        for n, name in enumerate(["木工房さくら", "藍染 あおい", "陶房みずき"])
    ]
    items = []
    for n in range(12):
        kitchen = n % 2 == 0
        items.append(
            ItemFactory(
                external_id=f"item-{n}",
                shop=shops[n % 3],
                title=f"くるみのトレー {n}" if kitchen else f"藍染めハンカチ {n}",
                category_path="ホーム > キッチン" if kitchen else "ファッション > 小物",
                price=3200 + 100 * n,
                image_url=f"{live_server.url}/demo-images/{'home' if kitchen else 'fashion'}/item-{n}.svg",
                created_at=timezone.now() - dt.timedelta(days=60),
            )
        )
    outsider = ItemFactory(  # listed today: new
        external_id="item-x",
        shop=shops[2],
        title="栗のまな板",
        category_path="ホーム > キッチン",
        image_url=f"{live_server.url}/demo-images/home/chestnut-board.svg",
    )
    alice = AppUserFactory(external_id="alice", gender="female", birth_year=1990, region="東京都")
    knn, ease = live_version("item_knn"), live_version("ease")
    user_list(knn, alice, [i.pk for i in items])
    user_list(ease, alice, [i.pk for i in reversed(items)])
    segment_list(knn, "all", [i.pk for i in items])
    Variant.objects.filter(slot__slot="items", name="A").update(algorithm="item_knn", weight=1)
    Variant.objects.filter(slot__slot="items", name="B").update(algorithm="ease", weight=1)
    FeatureFactory(
        title="秋のキッチン特集", slug="autumn-kitchen", status="published", rule_categories=["ホーム > キッチン"]
    )
    today = timezone.localdate()
    for day in range(7):
        for variant, algorithm, rate in (("A", "item_knn", 0.10), ("B", "ease", 0.13)):
            users = 400 + 7 * day
            ExperimentDayFactory(
                day=today - dt.timedelta(days=day),
                variant=variant,
                algorithm=algorithm,
                lists=users,
                pages=users + 40,
                items_shown=users * 10,
                users=users,
                view_events=int(users * rate * 1.6),
                view_users=int(users * rate),
                view_items=int(users * rate * 1.2),
                cart_add_events=int(users * rate * 0.3),
                cart_add_users=int(users * rate * 0.25),
                cart_add_items=int(users * rate * 0.25),
            )
    rows = []
    for variant, offset, viewers, carts in (("A", 0, 300, 60), ("B", 10_000, 360, 84)):
        for n in range(1000):
            rows.append(
                ExperimentUserDay(
                    day=today - dt.timedelta(days=n % 7), slot="items", variant=variant, user_key=offset + n, lists=1,
                    view_events=int(n < viewers), cart_add_events=int(n < carts), purchase_events=int(n < carts // 2),
                )
            )  # fmt: skip
    ExperimentUserDay.objects.bulk_create(rows)
    return {"items": items, "outsider": outsider}


def _person(name: str, role: str):
    person = get_user_model().objects.create_user(name, f"{name}@example.com", PASSWORD, is_staff=True)
    person.groups.add(Group.objects.get(name=role))
    return person


def _signed_in(browser, live_server, name: str):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    return page


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ja-{name}.png"), full_page=True)


def test_merchandiser_fixes_a_typo_in_an_excel_upload_and_sees_the_items_gone(
    live_server, browser, db_closed_after, shop_world, tmp_path
):
    _person("hanako", "Merchandiser")
    page = _signed_in(browser, live_server, "hanako")
    assert page.locator("html").get_attribute("lang") == "ja"
    _shot(page, "01-index")

    page.goto(f"{live_server.url}/admin/curation/ngcategory/")
    page.click("text=CSV をアップロード")
    until = (timezone.localdate() + dt.timedelta(days=30)).strftime("%Y/%m/%d")
    typo = tmp_path / "ng-typo.csv"  # as Excel saves "CSV (comma delimited)" on a Japanese PC
    typo.write_bytes(
        f"category_path,reason,expires_at,slots\nホーム>キッチソ,景品表示法の確認中,{until},\n".encode("cp932")
    )
    page.set_input_files("#id_file", str(typo))
    page.click("#check-upload")
    assert "何も保存されていません" in page.inner_text("#upload-errors")
    assert "もしかして 'ホーム > キッチン' ですか？" in page.inner_text("#upload-preview")
    assert page.locator("#confirm-upload").count() == 0
    _shot(page, "02-ng-upload-typo")

    fixed = tmp_path / "ng-fixed.csv"
    fixed.write_bytes(
        f"category_path,reason,expires_at,slots\nホーム > キッチン,景品表示法の確認中,{until},\n".encode("cp932")
    )
    page.set_input_files("#id_file", str(fixed))
    page.click("#check-upload")
    assert "すべての行に問題はありません" in page.inner_text("#upload-ok")
    _shot(page, "03-ng-upload-checked")
    page.click("#confirm-upload")
    assert "を保存しました" in page.inner_text(".messagelist")
    _shot(page, "04-ng-categories")

    page.goto(f"{live_server.url}/admin/recommendations/appuser/preview/?user_id=alice")
    served = page.locator("#slot-items .preview-column.served")
    shown = served.locator(".preview-entries").inner_text()
    assert "藍染めハンカチ 1" in shown and "くるみのトレー" not in shown
    removed = served.locator(".preview-removed").inner_text()
    assert "除外：NG カテゴリ: 景品表示法の確認中（hanako が追加）" in removed
    first_image = served.locator(".preview-entry img").first
    assert first_image.evaluate("img => img.complete && img.naturalWidth > 0")  # the demo picture loaded
    _shot(page, "05-preview-after-ng")


def test_merchandiser_turns_on_variety_new_items_and_rotation_and_sees_them_in_the_preview(
    live_server, browser, db_closed_after, shop_world
):
    _person("hanako", "Merchandiser")
    page = _signed_in(browser, live_server, "hanako")
    page.goto(f"{live_server.url}/admin/recommendations/slotconfig/")
    page.click("text=おすすめ商品")
    assert page.locator("#id_experiment").count() == 0  # the experiment stays with the operators
    assert "新着商品" in page.inner_text("#content") and "ローテーション" in page.inner_text("#content")
    page.fill("#id_per_shop_cap", "0")
    page.fill("#id_per_category_cap", "4")
    page.fill("#id_exploration_share", "25")
    page.fill("#id_fatigue_shows", "3")
    _shot(page, "09-slot-variety-new-items")
    page.click("input[name=_save]")
    assert "変更しました" in page.inner_text(".messagelist")
    _shot(page, "10-slots-list")

    page.goto(f"{live_server.url}/admin/recommendations/appuser/preview/?user_id=alice")
    served = page.locator("#slot-items .preview-column.served")
    entries = served.locator(".preview-entry")
    fourth = entries.nth(3).inner_text()
    assert "栗のまな板" in fourth and "探索" in fourth and "出品" in fourth  # the new item at position 4
    assert "探索: 先頭 3 件より後の 25% の位置" in served.inner_text()
    removed = served.locator(".preview-removed").inner_text()
    assert "カテゴリ ホーム の商品はすでにリストに 4 件あります" in removed
    _shot(page, "11-preview-exploration-and-cap")


def test_analyst_finds_a_user_asks_why_not_and_pins_them_to_a_variant(
    live_server, browser, db_closed_after, shop_world
):
    _person("ken", "Analyst")
    page = _signed_in(browser, live_server, "ken")
    page.goto(f"{live_server.url}/admin/recommendations/appuser/preview/")

    page.click("#id_user + .select2 .select2-selection")
    page.fill(".select2-search__field", "ali")
    page.click(".select2-results__option:has-text('alice')")
    page.click("#id_item + .select2 .select2-selection")
    page.fill(".select2-search__field", "栗")
    page.click(".select2-results__option:has-text('栗のまな板')")
    _shot(page, "06-preview-autocomplete")
    page.click("#preview-form input[type=submit]")

    assert page.inner_text("#preview-user").startswith("alice — 女性, 1990 年生まれ, 東京都")
    answer = page.inner_text("#item-answer")
    assert "栗のまな板（item-x）は、バリアント" in answer and "固定表示かブーストで表示できます" in answer
    assert "[[" not in page.inner_text("#content")  # the trace names shops and items, not database keys
    _shot(page, "07-why-not")

    other = page.locator("#slot-items .preview-column:not(.served)")
    variant = other.get_attribute("data-variant")
    other.locator("input[type=submit]").click()
    pinned = f"alice にはおすすめ商品のバリアント {variant} が表示されるようになりました。"
    assert pinned[1:] in page.inner_text(".messagelist")  # the admin writes a message's first letter capital
    assert page.locator("#slot-items .preview-column.served").get_attribute("data-variant") == variant
    _shot(page, "08-pinned-to-variant")


@pytest.mark.parametrize(
    ("role", "pages"),
    [
        (
            "Merchandiser",
            {
                "ng-items": "/admin/curation/ngitem/",
                "ng-item-add": "/admin/curation/ngitem/add/",
                "ng-upload": "/admin/curation/ngitem/upload/",
                "ng-shops": "/admin/curation/ngshop/",
                "pins": "/admin/curation/pin/",
                "pin-add": "/admin/curation/pin/add/",
                "boosts": "/admin/curation/boost/",
                "boost-add": "/admin/curation/boost/add/",
                "features": "/admin/curation/feature/",
                "feature-add": "/admin/curation/feature/add/",
                "items": "/admin/recommendations/item/",
                "shops": "/admin/recommendations/shop/",
                "users": "/admin/recommendations/appuser/",
            },
        ),
        (
            "Analyst",
            {
                "experiment-dashboard": "/admin/recommendations/slotconfig/items/dashboard/",
                "training-runs": "/admin/recommendations/trainingrun/",
                "model-versions": "/admin/recommendations/modelversion/",
                "algorithm-settings": "/admin/recommendations/algorithmsetting/",
                "events": "/admin/recommendations/event/",
            },
        ),
        (
            "Operator",
            {
                "slots": "/admin/recommendations/slotconfig/",
                "api-keys": "/admin/recommendations/apikey/",
                "api-key-add": "/admin/recommendations/apikey/add/",
            },
        ),
    ],
)
def test_every_page_each_role_uses_is_in_japanese(live_server, browser, db_closed_after, shop_world, role, pages):
    from recommendations.models import AlgorithmSetting, SlotConfig

    items = shop_world["items"]
    soon = timezone.now() + dt.timedelta(days=14)
    NgItemFactory(item=items[1], reason="ブランドからの申し入れ", created_by="hanako", expires_at=soon)
    NgShopFactory(shop=items[2].shop, reason="休業中", created_by="hanako")
    PinFactory(item=items[3], position=1, segment="female", note="冬のセール", created_by="hanako")
    BoostFactory(item=None, shop=items[0].shop, factor=1.5, note="新規出店", created_by="hanako")
    ApiKeyFactory(name="iOS アプリ", scopes=["recommendations:read", "events:write"], expiry_date=soon)
    _person("staff", role)
    page = _signed_in(browser, live_server, "staff")
    extra = {}
    if role == "Analyst":
        extra["algorithm-als"] = (
            f"/admin/recommendations/algorithmsetting/{AlgorithmSetting.objects.get(algorithm='als').pk}/change/"
        )
    if role == "Operator":
        extra["slot-items"] = f"/admin/recommendations/slotconfig/{SlotConfig.objects.get(slot='items').pk}/change/"
    for name, path in {**pages, **extra}.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == "ja", path
        _shot(page, f"page-{name}")
        # every column on screen at 1,366 px: neither the page nor a list's table scrolls sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, path
        assert page.evaluate(FITS), f"{path}: the list's last columns are off-screen"
