"""manage.py generate_demo and demo_access."""

import pytest
from django.core.management import call_command

from recommendations.models import ApiKey, AppUser, Event, Item, Shop


@pytest.mark.django_db
def test_generate_demo_builds_a_small_marketplace_once(capsys):
    call_command("generate_demo", shops=5, items=60, users=40, days=7, seed=1, verbosity=0)
    counts = (Shop.objects.count(), Item.objects.count(), AppUser.objects.count(), Event.objects.count())
    call_command("generate_demo", shops=5, items=60, users=40, days=7, seed=1, verbosity=0)

    assert counts[:3] == (5, 60, 40) and counts[3] > 100
    assert Event.objects.count() == counts[3]
    assert "already here" in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_access_prints_a_working_login_and_key(capsys, client):
    call_command("demo_access")
    call_command("demo_access")  # a second run revokes the first key

    out = capsys.readouterr().out
    password = out.split("Password: ")[-1].split()[0]
    signed_in = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": password})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert ApiKey.objects.filter(name="demo app", revoked=False).count() == 1
