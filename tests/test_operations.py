import datetime as dt
import os
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from recommendations.models import ApiKey, AppUser, Event, Item, Shop
from recommendations.tasks import events_prune_task
from recsite.celery import app as celery_app
from tests.factories import EventFactory


@pytest.mark.django_db
def test_healthz_is_503_naming_the_broker_when_it_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_old_events_are_pruned_and_recent_ones_kept():
    old = EventFactory(occurred_at=timezone.now() - dt.timedelta(days=500))
    recent = EventFactory()

    assert events_prune_task.delay(retention_days=400).get() == 1

    assert list(Event.objects.all()) == [recent]
    assert not Event.objects.filter(pk=old.pk).exists()


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
    assert client.login(username="admin", password=password)
    assert ApiKey.objects.filter(name="demo app", revoked=False).count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_a_task_from_the_broker():
    """Proves the broker round trip CI sets up: enqueue on Redis, a worker picks it up, the database changes."""
    if not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("CELERY_BROKER_URL is not set: no broker to run a real worker against (CI sets it)")
    from celery.contrib.testing.worker import start_worker

    old = EventFactory(occurred_at=timezone.now() - dt.timedelta(days=500))
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        events_prune_task.delay(retention_days=400)
        deadline = time.monotonic() + 30
        while Event.objects.filter(pk=old.pk).exists() and time.monotonic() < deadline:
            time.sleep(0.2)

    assert not Event.objects.filter(pk=old.pk).exists()
