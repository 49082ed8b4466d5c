import pytest

from recommendations.models import AppUser, Event, Scope
from tests.factories import AppUserFactory, EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def erase_client(make_client):
    return make_client(Scope.USERS_ERASE)


def test_erasing_a_user_removes_them_and_their_events(erase_client):
    user = AppUserFactory(external_id="gone")
    EventFactory.create_batch(3, user=user)
    keep = EventFactory()

    response = erase_client.delete("/api/v1/users/gone")

    assert response.status_code == 200
    assert response.json() == {"user_id": "gone", "erased": {"event": 3, "appuser": 1}}
    assert not AppUser.objects.filter(external_id="gone").exists()
    assert list(Event.objects.all()) == [keep]


def test_erasing_an_unknown_user_is_404(erase_client):
    response = erase_client.delete("/api/v1/users/never-seen")

    assert response.status_code == 404
    assert "never-seen" in response.json()["message"]


def test_a_stock_feed_key_cannot_erase_users(catalog_client):
    AppUserFactory(external_id="kept")
    response = catalog_client.delete("/api/v1/users/kept")
    assert response.status_code == 403 and "users:erase" in response.json()["message"]
    assert AppUser.objects.filter(external_id="kept").exists()
