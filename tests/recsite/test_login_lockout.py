"""Guessing an admin password: after 5 wrong ones that username is locked out from that address, even
with the right password, until an Operator unlocks it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def _sign_in(client: Client, password: str) -> int:
    return client.post(LOGIN, {"username": "mika", "password": password}).status_code


def test_five_wrong_passwords_lock_the_username_until_an_operator_unlocks_it():
    get_user_model().objects.create_user("mika", password="the-right-password", is_staff=True)
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    assert [_sign_in(guesser, f"guess-{n}") for n in range(5)][:4] == [200] * 4  # the form again, with its error
    locked = guesser.post(LOGIN, {"username": "mika", "password": "the-right-password"})
    assert locked.status_code == 429 and "Too many wrong passwords" in locked.content.decode()

    other_place = Client(REMOTE_ADDR="198.51.100.7")
    assert _sign_in(other_place, "the-right-password") == 302  # the real person elsewhere still gets in

    operator = get_user_model().objects.create_user("ops", is_staff=True)
    operator.groups.add(Group.objects.get(name="Operator"))
    admin = Client()
    admin.force_login(operator)
    attempts = admin.get("/admin/axes/accessattempt/")
    assert attempts.status_code == 200 and "mika" in attempts.content.decode()
    from axes.models import AccessAttempt

    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    admin.post("/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert _sign_in(guesser, "the-right-password") == 302
