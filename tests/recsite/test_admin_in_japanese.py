"""Every admin page a merchandiser or staff member opens, in Japanese: no English sentence is left on
it. Data values (ids, product names) are Japanese or digits here, so any English word found is the
product's own text that missed the catalogue."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse

from recommendations.models import AlgorithmSetting, SlotConfig
from tests import factories

pytestmark = pytest.mark.django_db

# Words that stay as they are in Japanese text: names of things, units, formats
KEPT = {
    "NG",
    "CSV",
    "API",
    "JSON",
    "URL",
    "ID",
    "NDCG",
    "Excel",
    "UTF",
    "BOM",
    "recsite",
    "Personalize",
    "Amazon",
    "AWS",
    "Celery",
    "SVG",
    "Django",
    "SKU",
    "Shift_JIS",
    "cp932",
    "BM25",
    "warp",
    "bpr",
    "logistic",
    "kos",
    "ISO",
    "JPY",
    "ALS",
    "BPR",
    "EASE",
    "LightFM",
    "kNN",
    "CPU",
    "true",
    "false",
    "null",
    "https",
    "http",
    "www",
    "com",
    "example",
    "jpg",
    "png",
    "svg",
    "manage",
    "py",
    "docs",
    "md",
    "api",
    "v1",
    "admin",
    "Tokyo",
    "Asia",
    "UTC",
    "JST",
    "p",
    "CI",
    "A",
    "B",
    "x",
    "v",
    "s",
    "ms",
    "English",
    "ARN",
    "ACTIVE",
    "int64",
    "S3",
    # algorithm and source names, as the API reports them
    "popularity",
    "trending",
    "segment_popularity",
    "item_knn",
    "item_knn_bm",
    "als",
    "ease",
    "lightfm",
    "ranker",
    "covisitation",
    "session",
    "pinned",
    "feature",
    "personalize",
    # the admin user and data ids of this test
    "mika",
    "default",
    "aki",
    "Kanto",
    "female",
    # Django's own Japanese for the two-box picker names the keys ("Control", "Command" on a "Mac")
    "Control",
    "Command",
    "Mac",
}
WORD = re.compile(r"[A-Za-z][A-Za-z_'’-]{2,}")


class _Text(HTMLParser):
    """The text a reader sees: no scripts, styles, hidden inputs or attribute values, but titles and
    placeholder and button texts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "code", "pre", "textarea", "select"):
            self._skip += 1
        values = dict(attrs)
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.parts.append(values.get("value") or "")
        for name in ("title", "placeholder"):
            if values.get(name):
                self.parts.append(values[name])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "pre", "textarea", "select") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def english_words(html: str, data: set[str] = frozenset()) -> set[str]:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    # e-mail addresses, file names, API scopes (events:write), rates (600/minute), generated ids and keys
    text = re.sub(r"[\w.+-]+@[\w.-]+|[\w/]+\.(?:py|md|csv)\b|\w+:\w+|\w*/\w+|\S*\d\S*", " ", text)
    kept = {k.lower() for k in KEPT | set(data)}
    return {w for w in WORD.findall(text) if w.lower() not in kept}


@pytest.fixture
def world(settings):
    settings.LANGUAGE_CODE = "ja"
    shop = factories.ShopFactory(name="木工房さくら")
    item = factories.ItemFactory(shop=shop, title="くるみのトレー", category_path="ホーム > キッチン")
    user = factories.AppUserFactory()
    factories.EventFactory(user=user, item=item)
    run = factories.TrainingRunFactory()
    factories.ModelVersionFactory(run=run)
    key = factories.ApiKeyFactory(name="アプリ")
    factories.NgItemFactory(item=item, reason="回収")
    factories.NgShopFactory(shop=shop, reason="偽物の報告")
    factories.NgCategoryFactory(category_path="ホーム > キッチン", reason="法令")
    factories.PinFactory(item=item, note="")
    factories.BoostFactory(item=item, note="")
    factories.FeatureFactory(title="秋の特集", slug="aki", description="")
    factories.ImpressionFactory(user=user)
    return {"item": item, "user": user, "data": {key.prefix}}  # a random key prefix may hold no digit


def _pages(world: dict) -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label in ("auth", "django_celery_beat", "axes"):
            continue  # translated by their own packages (Django's and celery-beat's ja), or hidden
        name = f"admin:{opts.app_label}_{opts.model_name}"
        urls.append(reverse(f"{name}_changelist"))
        first = model.objects.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"{name}_change", args=[first.pk]))
    urls.append(reverse("admin:recommendations_preview") + f"?user_id={world['user'].external_id}")
    urls.append(reverse("admin:recommendations_experiment_dashboard", args=["items"]))
    urls.append(reverse("admin:curation_feature_add"))
    urls.append(reverse("admin:curation_ngitem_add"))
    urls.append(reverse("admin:curation_ngitem_upload"))
    return urls


def test_no_english_is_left_on_the_admin_in_japanese(staff, world):
    assert AlgorithmSetting.objects.exists() and SlotConfig.objects.exists()
    leftovers = {}
    for url in _pages(world):
        page = staff.get(url, HTTP_ACCEPT_LANGUAGE="ja")
        assert page.status_code == 200, url
        words = english_words(page.content.decode(), world["data"])
        if words:
            leftovers[url] = sorted(words)
    assert leftovers == {}
