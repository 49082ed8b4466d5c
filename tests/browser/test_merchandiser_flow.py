"""A merchandiser in a real browser (Debian's chromium, driven by Playwright) against the live server:
upload an NG file with a bad row, fix it, confirm, then see the NG item gone in the preview, with why.

Saves a screenshot of the preview to artifacts/preview.png (README, "Screenshots").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from recommendations.models import Variant
from tests.browser.conftest import ARTIFACTS, CHROMIUM
from tests.factories import AppUserFactory, ItemFactory, ShopFactory
from tests.recommendations.services.serving.world import live_version, segment_list, user_list

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed (.ci/run installs it)"),
]


def test_ng_upload_with_a_bad_row_then_the_preview(live_server, browser, db_closed_after, tmp_path, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are still plain sync code
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    get_user_model().objects.create_superuser("mika", "mika@example.com", "a-long-test-password")
    shops = [ShopFactory(external_id=f"shop-{n}", name=f"Shop {n}") for n in range(3)]
    items = [
        ItemFactory(external_id=f"item-{n}", shop=shops[n % 3], title=f"Walnut tray {n}", image_url="")
        for n in range(12)
    ]
    alice = AppUserFactory(external_id="alice")
    version = live_version("item_knn")
    user_list(version, alice, [i.pk for i in items])
    segment_list(version, "all", [i.pk for i in items])
    Variant.objects.filter(slot__slot="items").update(algorithm="item_knn")

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    violations = []  # the Content-Security-Policy must refuse nothing these pages need
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "mika")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/curation/ngitem/")
    page.click("text=Upload CSV")

    bad = tmp_path / "ng.csv"
    bad.write_text("item_id,reason,expires_at,slots\nitem-0,counterfeit reports,,\nitem-99,typo,,\n")
    page.set_input_files("#id_file", str(bad))
    page.click("#check-upload")
    assert "nothing has been saved" in page.inner_text("#upload-errors")
    assert "no item with item_id 'item-99'" in page.inner_text("#upload-preview")
    assert page.locator("#confirm-upload").count() == 0

    good = tmp_path / "ng-fixed.csv"
    good.write_text("item_id,reason,expires_at,slots\nitem-0,counterfeit reports,,\n")
    page.set_input_files("#id_file", str(good))
    page.click("#check-upload")
    assert "Every row is fine: 1 new" in page.inner_text("#upload-ok")
    page.click("#confirm-upload")
    assert "Saved 1 new and 0 changed NG items" in page.inner_text(".messagelist")

    page.goto(f"{live_server.url}/admin/recommendations/appuser/preview/?user_id=alice")
    served = page.locator("#slot-items .preview-column.served")
    assert "Walnut tray 1" in served.inner_text()
    assert "Walnut tray 0" not in served.locator(".preview-entries").inner_text()
    assert "removed: NG item: counterfeit reports (added by mika)" in served.locator(".preview-removed").inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "preview.png"), full_page=True)
    assert (ARTIFACTS / "preview.png").stat().st_size > 10_000
    assert violations == []


def test_every_page_works_under_the_content_security_policy(live_server, browser, db_closed_after, monkeypatch):
    """The CSP refuses inline scripts without the page's nonce: the admin's own scripts, the feature form's
    rule check, the Personalize confirmation and the API docs must still run, with no violation reported."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    get_user_model().objects.create_superuser("mika", "mika@example.com", "a-long-test-password")
    ItemFactory(external_id="item-1", title="Walnut tray", category_path="Home > Kitchen", image_url="")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "mika")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")

    page.goto(f"{live_server.url}/admin/curation/feature/add/")
    page.type("#id_title", "Kitchen week")
    assert page.input_value("#id_slug") == "kitchen-week", violations  # the admin's prepopulate script ran
    page.select_option("#id_rule_categories_from", "Home > Kitchen")
    page.click("#id_rule_categories_add")
    page.click("#check-rule")
    page.wait_for_selector("#rule-check-result #rule-match-count")
    assert "matches 1 published, in-stock item" in page.inner_text("#rule-check-result")

    page.goto(f"{live_server.url}/admin/recommendations/trainingrun/")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#personalize-train")
    assert asked and "AWS bills" in asked[0]

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("redoc h1, #redoc-container h1, .api-content h1", timeout=15_000)
    assert violations == []
