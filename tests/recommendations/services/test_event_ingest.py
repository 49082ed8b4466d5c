"""Event ingestion under concurrency: overlapping batches sent at once are stored exactly once, and none fails."""

from __future__ import annotations

import random
import threading
import uuid

import pytest
from django.db import connection, connections

from recommendations.models import AppUser, Event
from recommendations.services.event_ingest import event_batch_ingest
from tests.factories import ItemFactory

CLIENTS = 8


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_batches_in_different_orders_store_each_event_once_and_none_fails():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: there is no lock order to get wrong")
    items = [ItemFactory(external_id=f"item-{n}").external_id for n in range(20)]
    rng = random.Random(4)
    events = [
        {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "user_id": f"newcomer-{n % 60}",  # users recsite has not seen: each batch creates them too
            "item_id": rng.choice(items),
            "session_id": "s",
            "type": "view",
            "occurred_at": "2026-11-28T09:30:00+09:00",
        }
        for n in range(400)
    ]
    errors: list[BaseException] = []
    stored: list[int] = []
    start = threading.Barrier(CLIENTS)

    def client(seed: int) -> None:
        batch = events[:]
        random.Random(seed).shuffle(batch)  # the same events, each client in its own order
        try:
            start.wait()
            for offset in range(0, len(batch), 200):
                stored.append(event_batch_ingest(batch[offset : offset + 200]).stored)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(stored) == len(events) == Event.objects.count()
    assert AppUser.objects.filter(external_id__startswith="newcomer-").count() == 60
