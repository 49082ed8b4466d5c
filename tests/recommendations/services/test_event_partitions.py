"""Events partitioned by month on PostgreSQL: months made ahead, old events moved into their month when it is
made, retention by dropping whole months, an event id stored once, and every read served by an index of
each partition or by pruning partitions away (checked with EXPLAIN)."""

import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations.models import Event, EventType
from recommendations.services.event_partitions import (
    DEFAULT,
    events_partitioned,
    month_after,
    month_start,
    partition_create,
    partition_name,
    partitions_ensure,
    partitions_existing,
)
from recommendations.services.event_retention import events_prune
from recommendations.services.event_store import events_insert
from recommendations.services.serving.reads.user import shown_unopened, user_activity
from tests.factories import AppUserFactory, EventFactory, ItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("events are partitioned on PostgreSQL only; SQLite keeps one table")


def _partition_of(event: Event) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {Event._meta.db_table} WHERE id = %s", [event.pk])
        return cursor.fetchone()[0]


def test_this_month_and_the_next_ones_have_partitions_and_more_are_made_as_time_passes(settings):
    now = timezone.now()
    months = partitions_existing()
    month = month_start(now)
    for _ in range(settings.EVENT_PARTITION_MONTHS_AHEAD + 1):
        assert month in months
        month = month_after(month)
    assert events_partitioned() and partitions_ensure(now) == []  # nothing missing

    later = now + dt.timedelta(days=31 * 6)
    made = partitions_ensure(later)

    assert partition_name(month_start(later)) in made
    event = EventFactory(occurred_at=later)
    assert _partition_of(event) == partition_name(month_start(later))


def test_a_late_event_of_an_earlier_month_gets_its_month_made_by_the_daily_task():
    late = EventFactory(occurred_at=timezone.now() - dt.timedelta(days=70))
    month = month_start(late.occurred_at)
    assert month not in partitions_existing() and _partition_of(late) == DEFAULT

    assert partition_name(month) in partitions_ensure()

    assert _partition_of(late) == partition_name(month)


def test_an_event_from_a_month_without_a_partition_waits_in_the_default_one_and_moves_when_it_is_made():
    old = dt.datetime(2019, 3, 5, 12, tzinfo=dt.UTC)
    event = EventFactory(occurred_at=old)
    assert _partition_of(event) == DEFAULT

    assert partition_create(dt.date(2019, 3, 1)) == 1

    assert _partition_of(event) == partition_name(dt.date(2019, 3, 1))
    assert Event.objects.get(pk=event.pk).occurred_at == old


def test_retention_drops_whole_months_and_deletes_what_is_left_of_the_oldest(settings):
    now = timezone.now()
    old_month = month_start(now - dt.timedelta(days=500))
    partition_create(old_month)
    long_ago = dt.datetime(old_month.year, old_month.month, 10, tzinfo=dt.UTC)
    for _ in range(3):
        EventFactory(occurred_at=long_ago)
    just_too_old = EventFactory(occurred_at=now - dt.timedelta(days=401))
    kept = EventFactory(occurred_at=now - dt.timedelta(days=399))

    assert events_prune(retention_days=400) == 4

    assert old_month not in partitions_existing()  # dropped, not emptied row by row
    assert not Event.objects.filter(pk=just_too_old.pk).exists()
    assert Event.objects.filter(pk=kept.pk).exists()


def test_an_event_id_is_stored_once_even_when_sent_again_with_another_time():
    user, item = AppUserFactory(), ItemFactory()
    event_id = uuid.uuid4()
    now = timezone.now()

    def row(occurred_at: dt.datetime) -> tuple:
        return (event_id, user.pk, item.pk, "s", "view", occurred_at, "", now, None, "", None)

    assert events_insert([row(now - dt.timedelta(minutes=1))]) == 1
    assert events_insert([row(now - dt.timedelta(minutes=1))]) == 0  # the retry
    assert events_insert([row(now - dt.timedelta(days=40))]) == 0  # another month, another partition
    assert Event.objects.filter(event_id=event_id).count() == 1


def _plan(sql: str, params: list | tuple = ()) -> str:
    """EXPLAIN with sequential scans made a last resort: a Seq Scan left in the plan means no index serves."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


def _queryset_plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    return _plan(sql, params)


@pytest.fixture
def years_of_partitions():
    """Partitions from several years back, so pruning shows."""
    for month in (dt.date(2015, 1, 1), dt.date(2015, 2, 1)):
        partition_create(month)
    EventFactory(occurred_at=dt.datetime(2015, 1, 20, tzinfo=dt.UTC))
    EventFactory()


def test_ingest_looks_ids_up_by_index_in_every_partition(years_of_partitions):
    plan = _queryset_plan(Event.objects.filter(event_id__any_of=[uuid.uuid4(), uuid.uuid4()]))
    assert "Seq Scan" not in plan and partition_name(dt.date(2015, 1, 1)) in plan


def test_training_and_roll_ups_read_only_the_partitions_of_their_window(years_of_partitions):
    now = timezone.now()
    training = Event.objects.filter(occurred_at__gte=now - dt.timedelta(days=365), occurred_at__lte=now)
    roll_up = Event.objects.filter(
        occurred_at__gte=now - dt.timedelta(days=1), occurred_at__lt=now, type__in=[EventType.PURCHASE]
    )
    for queryset in (training, roll_up):
        plan = _queryset_plan(queryset.values_list("user_id", "item_id"))
        assert partition_name(dt.date(2015, 1, 1)) not in plan  # pruned
        assert partition_name(month_start(now)) in plan


def test_roll_ups_find_newly_received_events_by_index(years_of_partitions):
    now = timezone.now()
    received = Event.objects.filter(received_at__gte=now - dt.timedelta(minutes=15), received_at__lt=now)
    plan = _queryset_plan(received.values_list("occurred_at__date"))
    assert "Seq Scan" not in plan and "Bitmap Index Scan" in plan  # the BRIN index on received_at


def test_serving_reads_the_users_events_by_index_in_every_partition(years_of_partitions):
    user = AppUserFactory()
    now = timezone.now()
    with CaptureQueriesContext(connection) as captured:
        user_activity(user.pk, now - dt.timedelta(minutes=30), "s-1")
        shown_unopened(user.pk, "items", now - dt.timedelta(days=7))
    events_reads = [q["sql"] for q in captured if Event._meta.db_table in q["sql"]]
    assert events_reads
    for sql in events_reads:
        plan = _plan(sql)
        assert "Seq Scan" not in plan, plan
