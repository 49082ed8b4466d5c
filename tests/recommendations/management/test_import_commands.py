import textwrap

import pytest
from django.core.management import CommandError, call_command

from recommendations.models import AppUser, Event, Item, Shop
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def test_catalog_files_in_personalize_format_are_imported(tmp_path, capsys):
    shops = write(
        tmp_path,
        "shops.csv",
        """
        SHOP_ID,NAME,REGION
        s1,Kobo Hinata,Kanto
    """,
    )
    items = write(
        tmp_path,
        "items.csv",
        """
        ITEM_ID,SHOP_ID,TITLE,CATEGORY_L1,CATEGORY_L2,PRICE,IN_STOCK,CREATION_TIMESTAMP,COLOR
        i1,s1,Linen tote,Fashion,Bags,3200,false,1764288000,natural
        i2,s1,Mug,Home & Living,,1800,,,
    """,
    )
    users = write(
        tmp_path,
        "users.csv",
        """
        USER_ID,GENDER,BIRTH_YEAR,REGION,OCCUPATION
        u1,F,1990,Kansai,nurse
    """,
    )

    call_command("import_catalog", shops=shops, items=items, users=users, verbosity=0)

    assert "4 rows read: 4 created, 0 updated" in capsys.readouterr().out
    assert Shop.objects.get().attributes == {"region": "Kanto"}
    i1 = Item.objects.get(external_id="i1")
    assert (i1.category_path, i1.in_stock, i1.attributes) == ("Fashion > Bags", False, {"color": "natural"})
    assert i1.created_at.year == 2025
    assert Item.objects.get(external_id="i2").in_stock is True
    u1 = AppUser.objects.get()
    assert (u1.gender, u1.birth_year, u1.attributes) == ("female", 1990, {"occupation": "nurse"})


def test_a_bad_catalog_file_imports_nothing_and_names_rows(tmp_path, capsys):
    shops = write(
        tmp_path,
        "shops.csv",
        """
        SHOP_ID,NAME
        s1,Good shop
    """,
    )
    items = write(
        tmp_path,
        "items.csv",
        """
        ITEM_ID,SHOP_ID,TITLE,PRICE,IN_STOCK
        i1,s1,Fine,100,true
        i2,ghost,No shop,100,true
        i3,s1,Bad price,abc,maybe
    """,
    )

    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_catalog", shops=shops, items=items, verbosity=0)

    err = capsys.readouterr().err
    assert "items.csv, row 3, SHOP_ID: unknown shop 'ghost'" in err
    assert "items.csv, row 4, PRICE" in err
    assert "items.csv, row 4, IN_STOCK: 'maybe' is not true or false" in err
    assert not Shop.objects.exists()
    assert not Item.objects.exists()


def test_a_catalog_file_missing_its_id_column_is_refused(tmp_path, capsys):
    items = write(tmp_path, "items.csv", "TITLE\nx\n")

    with pytest.raises(CommandError):
        call_command("import_catalog", items=items, verbosity=0)

    assert "row 1: missing column ITEM_ID" in capsys.readouterr().err


def test_events_are_imported_in_chunks_and_reimporting_stores_nothing_twice(tmp_path, capsys):
    item = ItemFactory(external_id="i1")
    lines = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,SESSION_ID"]
    lines += [f"u{n % 7},i1,{1764288000 + n},{'View' if n % 2 else 'purchase'},s{n % 3}" for n in range(25)]
    path = write(tmp_path, "interactions.csv", "\n".join(lines) + "\n")

    call_command("import_events", path, chunk_size=10, verbosity=0)
    first = capsys.readouterr().out
    call_command("import_events", path, chunk_size=10, verbosity=0)
    second = capsys.readouterr().out

    assert "25 rows read: 25 stored, 0 duplicates, 0 rejected, 7 new users" in first
    assert "25 rows read: 0 stored, 25 duplicates" in second
    assert Event.objects.filter(item=item).count() == 25
    assert set(Event.objects.values_list("type", flat=True)) == {"view", "purchase"}


def test_a_bad_events_file_stores_nothing_and_lists_rows(tmp_path, capsys):
    ItemFactory(external_id="i1")
    path = write(
        tmp_path,
        "interactions.csv",
        """
        USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE
        u1,i1,1764288000,view
        u1,nope,1764288001,view
        u1,i1,yesterday,view
        u1,i1,1764288003,click
        u1,i1,1764288004,cart_add
    """,
    )

    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_events", path, chunk_size=2, verbosity=0)

    err = capsys.readouterr().err
    assert "row 3, ITEM_ID: unknown item 'nope'" in err
    assert "row 4, TIMESTAMP" in err
    assert "row 5, EVENT_TYPE" in err
    assert not Event.objects.exists()
    assert not AppUser.objects.exists()


def test_skip_invalid_stores_the_good_rows_and_reports_the_rest(tmp_path, capsys):
    ItemFactory(external_id="i1")
    path = write(
        tmp_path,
        "interactions.csv",
        """
        USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE
        u1,i1,1764288000,view
        u1,nope,1764288001,view
        u1,i1,1764288002,favorite
    """,
    )

    call_command("import_events", path, skip_invalid=True, verbosity=0)

    captured = capsys.readouterr()
    assert "3 rows read: 2 stored, 0 duplicates, 1 rejected" in captured.out
    assert "row 3, ITEM_ID" in captured.err
    assert Event.objects.count() == 2


def test_create_api_key_prints_the_key_alone_on_the_last_line(capsys):
    from recommendations.models import ApiKey

    call_command("create_api_key", "mobile app", scopes=["events:write", "recommendations:read"])

    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    key = ApiKey.objects.get_from_key(last_line)
    assert key.name == "mobile app"
    assert key.scopes == ["events:write", "recommendations:read"]


def test_event_value_is_a_purchase_value_and_ignored_on_other_events(tmp_path):
    from decimal import Decimal

    ItemFactory(external_id="i1")
    events = write(
        tmp_path,
        "interactions.csv",
        """
        USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE
        u1,i1,1764288000,purchase,4310
        u1,i1,1764288001,view,5
    """,
    )
    call_command("import_events", events, verbosity=0)
    assert dict(Event.objects.values_list("type", "value")) == {"purchase": Decimal("4310.00"), "view": None}
