import pytest

from recommendations.models import AppUser, Event
from tests.factories import AppUserFactory, EventFactory

pytestmark = pytest.mark.django_db


def test_erasing_a_user_removes_them_and_their_events(catalog_client):
    user = AppUserFactory(external_id="gone")
    EventFactory.create_batch(3, user=user)
    keep = EventFactory()

    response = catalog_client.delete("/api/v1/users/gone")

    assert response.status_code == 200
    assert response.json() == {"user_id": "gone", "erased": {"event": 3, "appuser": 1}}
    assert not AppUser.objects.filter(external_id="gone").exists()
    assert list(Event.objects.all()) == [keep]


def test_erasing_an_unknown_user_is_404(catalog_client):
    response = catalog_client.delete("/api/v1/users/never-seen")

    assert response.status_code == 404
    assert "never-seen" in response.json()["message"]
