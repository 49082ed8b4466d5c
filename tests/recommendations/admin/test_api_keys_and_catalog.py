import re

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from recommendations.models import ApiKey
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-for-tests-only")
    client.force_login(admin)
    return client


def test_staff_create_a_key_in_the_admin_and_see_it_once(staff_client):
    response = staff_client.post(
        "/admin/recommendations/apikey/add/",
        {"name": "ios app", "scopes": ["events:write"], "throttle_rate": "", "expiry_date": ""},
        follow=True,
    )

    page = response.content.decode()
    match = re.search(r"The API key for ios app is: ([\w.]+)\.", page)
    assert match, page
    plain = match.group(1)
    key = ApiKey.objects.get(name="ios app")
    assert key.scopes == ["events:write"]
    assert plain not in key.hashed_key
    assert key.created_by.username == "boss"
    # the key shown works against the API
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")
    assert api.post("/api/v1/events", {}, format="json").status_code == 400
    # and is not shown again
    assert plain not in staff_client.get(f"/admin/recommendations/apikey/{key.pk}/change/").content.decode()


def test_a_bad_throttle_rate_is_refused_in_the_admin(staff_client):
    response = staff_client.post(
        "/admin/recommendations/apikey/add/", {"name": "x", "scopes": ["events:write"], "throttle_rate": "lots"}
    )

    assert response.status_code == 200
    assert "is not like" in response.content.decode()
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("model", ["shop", "item", "appuser", "event", "apikey"])
def test_every_list_page_opens(staff_client, model):
    EventFactory()

    assert staff_client.get(f"/admin/recommendations/{model}/").status_code == 200


def test_events_are_read_only_in_the_admin(staff_client):
    event = EventFactory()

    page = staff_client.get(f"/admin/recommendations/event/{event.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert staff_client.get("/admin/recommendations/event/add/").status_code == 403


def test_the_admin_needs_a_login(client):
    response = client.get("/admin/recommendations/event/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
