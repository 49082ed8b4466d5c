"""The feature form and its "Check the rule" button, typed into as a merchandiser might: whatever goes in,
the answer is the form (or the check) with its errors, or the saved feature, never a server error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.models import Feature
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db

NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999999", "1,000", "\uff11\uff12", " 5 ", "0.001"]),
    st.text(max_size=8),
)
CATEGORIES = st.lists(
    st.one_of(st.sampled_from(["Home > Kitchen", "Home", "home>kitchen", "Toyz", ""]), st.text(max_size=12)),
    max_size=3,
)
KEYWORDS = st.one_of(st.text(max_size=30), st.sampled_from(["walnut\n\uff34シャツ", "a、b,c", "\x00", ""]))
DATES = st.one_of(st.dates().map(str), st.text(max_size=10))


@pytest.fixture
def item():
    return ItemFactory(external_id="item-1", category_path="Home > Kitchen", title="walnut tray")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    title=st.text(max_size=30),
    slug=st.text(max_size=20),
    url=st.one_of(st.just(""), st.text(max_size=20), st.just("https://example.com/a.jpg")),
    status=st.sampled_from(["draft", "published", "nope", ""]),
    starts=DATES,
    ends=DATES,
    categories=CATEGORIES,
    keywords=KEYWORDS,
    price_min=NUMBERS,
    price_max=NUMBERS,
    popularity=NUMBERS,
    position=NUMBERS,
)
def test_the_feature_form_never_fails_whatever_is_typed(
    staff,
    item,
    title,
    slug,
    url,
    status,
    starts,
    ends,
    categories,
    keywords,
    price_min,
    price_max,
    popularity,
    position,
):
    form = {
        "title": title,
        "slug": slug,
        "description": "",
        "cover_image_url": url,
        "status": status,
        "starts_at_0": starts,
        "starts_at_1": "00:00:00",
        "ends_at_0": ends,
        "ends_at_1": "00:00:00",
        "rule_categories": categories,
        "rule_keywords": keywords,
        "rule_price_min": price_min,
        "rule_price_max": price_max,
        "rule_min_popularity": popularity,
        "picks-TOTAL_FORMS": "1",
        "picks-INITIAL_FORMS": "0",
        "picks-0-item": item.pk,
        "picks-0-position": position,
    }
    page = staff.post("/admin/curation/feature/add/", form)
    assert page.status_code in (200, 302)
    Feature.objects.all().delete()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    categories=CATEGORIES,
    keywords=KEYWORDS,
    price_min=NUMBERS,
    price_max=NUMBERS,
    popularity=NUMBERS,
    shops=st.lists(st.one_of(st.integers(min_value=-(10**20), max_value=10**20).map(str), st.text(max_size=5))),
)
def test_checking_a_rule_never_fails_whatever_is_typed(
    staff, item, categories, keywords, price_min, price_max, popularity, shops
):
    query = {
        "rule_categories": categories,
        "rule_keywords": keywords,
        "rule_price_min": price_min,
        "rule_price_max": price_max,
        "rule_min_popularity": popularity,
        "rule_shops": shops,
    }
    answer = staff.get("/admin/curation/feature/rule-check/", query)
    assert answer.status_code in (200, 400)
    if answer.status_code == 400:
        assert 'class="errornote"' in answer.content.decode()  # says which field is wrong


def test_categories_are_chosen_from_the_catalogue_and_keywords_typed_one_per_line(staff, item):
    ItemFactory(category_path="Fashion > Tops", title="Tシャツ 白")
    page = staff.get("/admin/curation/feature/add/").content.decode()
    assert '<option value="Home &gt; Kitchen">' in page and '<option value="Home">' in page  # levels above too
    form = {
        "title": "Kitchen and tees",
        "slug": "kitchen-tees",
        "status": "draft",
        "rule_categories": ["Home > Kitchen", "Toyz"],
        "rule_keywords": "walnut\n\uff34シャツ、 walnut",
        "rule_min_popularity": "0",
        "max_items": "40",
        "picks-TOTAL_FORMS": "0",
        "picks-INITIAL_FORMS": "0",
    }
    refused = staff.post("/admin/curation/feature/add/", form)
    assert "Select a valid choice. Toyz is not one of the available choices." in refused.content.decode()
    assert not Feature.objects.exists()

    saved = staff.post("/admin/curation/feature/add/", {**form, "rule_categories": ["Home > Kitchen", "Fashion"]})
    assert saved.status_code == 302
    feature = Feature.objects.get()
    assert feature.rule_categories == ["Home > Kitchen", "Fashion"]
    assert feature.rule_keywords == ["walnut", "Tシャツ"]  # NFKC, split on lines and 、, once each
    full_width_walnut = "\uff57\uff41\uff4c\uff4e\uff55\uff54"
    check = staff.get(
        "/admin/curation/feature/rule-check/", {"rule_keywords": full_width_walnut, "rule_min_popularity": "0"}
    )
    assert "walnut tray" in check.content.decode()  # a full-width keyword finds the half-width title


def test_a_shop_key_past_what_a_database_holds_is_not_a_valid_choice(staff, item):
    check = staff.get("/admin/curation/feature/rule-check/", {"rule_shops": [str(10**30)], "rule_min_popularity": "0"})
    assert check.status_code == 400 and "Select a valid choice" in check.content.decode()
