import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from recommendations.models import Scope
from recommendations.services.api_keys import api_key_create
from recommendations.services.serving.item_flags import item_flags_reset
from recommendations.services.serving.neighbour_cache import neighbour_cache_reset
from recommendations.services.serving.state import serving_state_reset
from recsite.celery import app as celery_app

# No per-example deadline: CI machines are shared, and an example slowed by a neighbour is not a failure of
# the invariant a property test checks (they are not timed tests; speed lives in bench/).
hypothesis_settings.register_profile("recsite", deadline=None)
hypothesis_settings.load_profile("recsite")


@pytest.fixture(autouse=True)
def _isolated_runtime(settings):
    """Tasks run in-process, throttle counters and serving state start afresh, impressions are written at
    once and pages are in English in every test (one test runs a real worker; one the background writer)."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    settings.IMPRESSION_LOG_MODE = "inline"
    # a test's rows live in its open transaction, which other threads' connections cannot see
    settings.ROLLUP_WORKERS = 1
    # ...so a training heartbeat would find no run to renew and give the run up once a fit outlasts one beat
    # (tests/recommendations/services/training/test_lease.py commits its runs and beats fast on purpose)
    settings.TRAINING_HEARTBEAT_SECONDS = 3600
    settings.ITEM_FLAGS_REFRESH_SECONDS = 0
    # a replica connection cannot see a test's open transaction: tests/.../test_read_replica.py commits
    settings.SERVING_READ_DATABASE = "default"
    # English unless a test asks for Japanese (the site's default, tests/recsite/test_translations.py)
    settings.LANGUAGE_CODE = "en"
    cache.clear()
    serving_state_reset()
    item_flags_reset()
    neighbour_cache_reset()
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def make_client(db):
    """Return an API client authenticated with a fresh key holding the given scopes."""

    def make(*scopes: str, throttle_rate: str = "") -> APIClient:
        _key, plain = api_key_create(name="test app", scopes=list(scopes), throttle_rate=throttle_rate)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")
        return client

    return make


@pytest.fixture
def staff(client, db):
    """A test client logged in to the admin as superuser 'mika'."""
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("mika", "mika@example.com", "pw-for-tests-only"))
    return client


@pytest.fixture
def events_client(make_client):
    return make_client(Scope.EVENTS_WRITE)


@pytest.fixture
def catalog_client(make_client):
    return make_client(Scope.CATALOG_WRITE)
