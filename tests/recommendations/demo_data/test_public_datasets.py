import pytest
from django.core.management import call_command

from recommendations.models import AppUser, Event, Item, Shop
from tests.paths import SHARED_DATA

DATA = SHARED_DATA
pytestmark = [pytest.mark.django_db, pytest.mark.dataset]


def need(name):
    if not (DATA / name).is_dir():
        pytest.skip(f"public data set {name} not found at {DATA / name} (it lives in ../shared/data beside the repo)")
    return DATA / name


def test_movielens_100k_loads_whole_and_reloading_stores_nothing_twice(capsys):
    path = need("ml-100k")

    call_command("load_dataset", "ml-100k", path=path, verbosity=0)
    call_command("load_dataset", "ml-100k", path=path, verbosity=0)

    assert (Item.objects.count(), AppUser.objects.count(), Event.objects.count()) == (1682, 943, 100_000)
    assert "0 events stored, 100000 already there" in capsys.readouterr().out
    toy_story = Item.objects.get(external_id="ml-1")
    assert toy_story.title == "Toy Story (1995)"
    assert toy_story.attributes["genres"] == ["Animation", "Children's", "Comedy"]
    user = AppUser.objects.get(external_id="ml-1")
    assert (user.gender, user.birth_year, user.attributes["occupation"]) == ("male", 1974, "technician")


def test_olist_sellers_become_shops_and_order_lines_purchases():
    path = need("olist")

    call_command("load_dataset", "olist", path=path, verbosity=0)

    assert Shop.objects.count() == 3095
    assert Item.objects.count() == 3132
    assert AppUser.objects.count() == 3998
    assert set(Event.objects.values_list("type", flat=True)) == {"purchase"}
    # canceled and unavailable orders are not purchases
    assert 4300 < Event.objects.count() < 4519
