"""What training reads from the event table."""

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_training_reads_every_event_of_the_window_exactly_as_stored():
    from recommendations.models import EventType
    from recommendations.services.training.data_load import training_frames
    from tests.factories import EventFactory, ItemFactory

    item = ItemFactory()
    now = timezone.now()
    stored = [
        EventFactory(item=item, type=kind, occurred_at=now - dt.timedelta(days=n, microseconds=n * 1001))
        for n, kind in enumerate(EventType.values)
    ]
    EventFactory(item=item, occurred_at=now - dt.timedelta(days=400))  # outside the training window

    events = training_frames(now=now).events

    got = {(r.user_id, r.item_id, str(r.type), r.occurred_at.to_pydatetime()) for r in events.itertuples()}
    assert got == {(e.user_id, e.item_id, e.type, e.occurred_at) for e in stored}
