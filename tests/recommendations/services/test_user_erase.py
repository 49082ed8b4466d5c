import datetime as dt

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


USER = "erase-me-7f3a"


def _tables_naming(text: str) -> list[str]:
    """Every text or JSON column of every table that holds `text`, as 'table.column'."""
    from django.apps import apps
    from django.db import models

    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField)):
                lookup = f"{field.name}__contains"
            elif isinstance(field, models.JSONField):
                lookup = f"{field.name}__icontains"
            else:
                continue
            try:
                if model.objects.filter(**{lookup: text}).exists():
                    found.append(f"{model._meta.db_table}.{field.column}")
            except Exception:  # a JSON lookup the backend cannot do on this column
                continue
    return found


def _cache_naming(text: str) -> list[str]:
    from django.core.cache import cache

    if hasattr(cache, "_cache"):  # the in-process cache: values are pickled bytes
        return [key for key, value in cache._cache.items() if text.encode() in value]
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    return [key.decode() for key in redis.scan_iter() if text.encode() in (redis.get(key) or b"") + key]


def test_an_erased_user_is_nowhere_afterwards(
    make_client, staff, settings, django_capture_on_commit_callbacks, monkeypatch
):
    """Served before they were known and after, paged, pinned to a variant, edited in the admin, exported
    to Personalize: after the erasure no table, cache entry or exported file names them."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from moto import mock_aws

    from recommendations.integrations import personalize as gateway
    from recommendations.services.personalize.export import datasets_export
    from recommendations.services.serving.impressions import impressions_flush
    from tests.factories import ItemFactory
    from tests.recommendations.services.serving.world import live_version, segment_list

    settings.PERSONALIZE_BUCKET, settings.PERSONALIZE_PREFIX = "bucket", "shop1"
    items = [ItemFactory(external_id=f"item-{n}") for n in range(6)]
    segment_list(live_version("segment_popularity"), "all", [i.pk for i in items])
    app = make_client(Scope.RECOMMENDATIONS_READ, Scope.CATALOG_WRITE, Scope.EVENTS_WRITE, Scope.USERS_ERASE)
    served = app.get(f"/api/v1/users/{USER}/recommendations/items?limit=2").json()  # not a user yet
    app.post("/api/v1/users", {"users": [{"user_id": USER, "region": "Tokyo"}]}, format="json")
    event = {"event_id": "0b0c6a64-8f0e-4c83-9a3a-55b3c1d2e0aa", "user_id": USER, "session_id": f"{USER}-s",
             "item_id": "item-1", "type": "purchase", "occurred_at": "2026-11-30T09:00:00+09:00",
             "recommendation_id": served["recommendation_id"]}  # fmt: skip
    assert app.post("/api/v1/events", {"events": [event]}, format="json").status_code == 200
    first = app.get(f"/api/v1/users/{USER}/recommendations/items?limit=2").json()
    app.get(
        f"/api/v1/users/{USER}/recommendations/items?limit=2&offset=2&recommendation_id={first['recommendation_id']}"
    )
    impressions_flush()
    user = AppUser.objects.get(external_id=USER)
    from django.utils import timezone

    from recommendations.models import ExperimentUserDay
    from recommendations.services.measurement.rollup import rollup_day
    from recommendations.services.measurement.rollup_reads import stranger_key

    ExperimentUserDay.objects.create(day=dt.date(2026, 11, 1), slot="items", variant="A", user_key=stranger_key(USER))
    rollup_day(timezone.localdate())  # their days served and their purchase, in the per-user roll-up
    assert ExperimentUserDay.objects.filter(user_key=user.pk).exists()
    staff.post("/admin/recommendations/appuser/preview/", {"user_id": USER, "slot": "items", "variant": "A"})
    LogEntry.objects.create(  # as the admin logs a change to the user
        user=get_user_model().objects.get(username="mika"),
        content_type=ContentType.objects.get_for_model(AppUser),
        object_id=str(user.pk),
        object_repr=str(user),
        action_flag=CHANGE,
        change_message="Changed region.",
    )
    assert _tables_naming(USER) and _cache_naming(USER)

    with mock_aws():
        import boto3

        s3 = boto3.client("s3", region_name="ap-northeast-1")
        s3.create_bucket(Bucket="bucket", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"})
        gateway.clients_set(gateway.Clients(personalize=None, runtime=None, events=None, s3=s3))
        try:
            datasets_export(incremental=False)
            with django_capture_on_commit_callbacks(execute=True):
                erased = app.delete(f"/api/v1/users/{USER}")
            assert erased.status_code == 200 and erased.json()["erased"]["impression"] == 3
            files = [o["Key"] for o in s3.list_objects_v2(Bucket="bucket")["Contents"]]
            naming = [k for k in files if USER.encode() in s3.get_object(Bucket="bucket", Key=k)["Body"].read()]
        finally:
            gateway.clients_set(None)
    assert naming == []
    assert _tables_naming(USER) == []
    assert _cache_naming(USER) == []
    assert not ExperimentUserDay.objects.filter(user_key__in=[user.pk, stranger_key(USER)]).exists()
