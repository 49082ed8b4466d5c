"""Daily roll-ups: attribute each day's events to the impressions before them and store the counts.

A day is recomputed whole (its rows replaced in one transaction), so running it twice changes
nothing. `rollup_pending` recomputes only the days that received events or impressions since it
last ran; `rollup_days` rebuilds any range (manage.py rollup_metrics).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pandas as pd
from django.conf import settings
from django.db import connections, transaction
from django.db.models import Max
from django.utils import timezone

from recommendations.bulk_copy import copy_available, copy_rows, copy_text
from recommendations.engine.attribution import ATTRIBUTED_TYPES, attribute, daily_counts, daily_user_counts
from recommendations.models import Event, ExperimentDay, ExperimentUserDay, Impression, RollupWatermark, Slot
from recommendations.services.measurement.rollup_reads import events_between, impressions_between

WATERMARK = "experiments"


# slots whose pages show shops: an event is theirs only when it names their recommendation
SHOP_SLOTS = (Slot.SHOPS.value, Slot.SIMILAR_SHOPS.value)


def _window() -> dt.timedelta:
    return dt.timedelta(hours=settings.ATTRIBUTION_WINDOW_HOURS)


def _day_start(day: dt.date) -> dt.datetime:
    # experiment days are the staff's days (TIME_ZONE, Tokyo by default), as the `__date` lookups below count them
    return dt.datetime.combine(day, dt.time(), timezone.get_default_timezone())


def rollup_day(day: dt.date) -> int:
    """Recompute one day's rows; returns how many (slot, variant, algorithm) rows it stored."""
    start, end = _day_start(day), _day_start(day + dt.timedelta(days=1))
    impressions = impressions_between(start - _window(), end)  # the window reaches into the day before
    events = events_between(start, end, ATTRIBUTED_TYPES)
    attributed = attribute(events, impressions, pd.Timedelta(_window()), SHOP_SLOTS)
    served_today = impressions[impressions["served_at"] >= pd.Timestamp(start)] if len(impressions) else impressions
    counts = daily_counts(attributed, served_today)
    now = timezone.now()
    rows = [
        ExperimentDay(day=day, computed_at=now, **{k: _stored(k, v) for k, v in record.items()})
        for record in counts.to_dict("records")
    ]
    per_user = daily_user_counts(attributed, served_today).rename(columns={"user_id": "user_key"})
    with transaction.atomic():
        ExperimentDay.objects.filter(day=day).delete()
        ExperimentDay.objects.bulk_create(rows)
        ExperimentUserDay.objects.filter(day=day).delete()
        _user_days_store(day, per_user)
    return len(rows)


def _user_days_store(day: dt.date, per_user: pd.DataFrame) -> None:
    """The day's per-user rows: COPY on PostgreSQL (tens of thousands a day at scale), else bulk_create."""
    columns = ["slot", "variant", "user_key", "lists", *[f"{kind}_events" for kind in ATTRIBUTED_TYPES], "revenue"]
    if per_user.empty:
        return
    if copy_available():
        # built column by column (vectorised): any text is escaped for COPY, money goes to the cent
        fields = [
            per_user["slot"].astype(str).map(copy_text),
            per_user["variant"].astype(str).map(copy_text),
            *[per_user[c].astype("int64").astype(str) for c in columns[2:-1]],
            per_user["revenue"].map("{:.2f}".format),
        ]
        lines = fields[0].radd(f"{day.isoformat()}\t")
        for field in fields[1:]:
            lines = lines + "\t" + field
        copy_rows(ExperimentUserDay, ["day", *columns], lines.tolist())
        return
    ExperimentUserDay.objects.bulk_create(
        [ExperimentUserDay(day=day, **{k: _stored(k, v) for k, v in r.items()}) for r in per_user.to_dict("records")],
        batch_size=5000,
    )


def _stored(name: str, value: object) -> object:
    """A roll-up column's value as the model stores it: text, money to the cent, or a count."""
    if isinstance(value, str):
        return value
    return Decimal(f"{value:.2f}") if name == "revenue" else int(value)


def rollup_days(first: dt.date, last: dt.date) -> int:
    """Recompute every day from `first` to `last` inclusive; returns the rows stored.

    On PostgreSQL, ROLLUP_WORKERS days at a time, each in its own thread and connection: while one thread
    waits for the database to read or write a day, another attributes its own (days are independent)."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    workers = settings.ROLLUP_WORKERS if copy_available() else 1
    if workers <= 1 or len(days) < 2:
        return sum(rollup_day(day) for day in days)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(_rollup_day_in_thread, days))


def _rollup_day_in_thread(day: dt.date) -> int:
    try:
        return rollup_day(day)
    finally:
        connections.close_all()  # this thread's own connection, not the caller's


def rollup_pending() -> list[dt.date]:
    """Recompute the days with events received or impressions served since the last run; returns them."""
    mark = RollupWatermark.objects.filter(name=WATERMARK).first()
    # read up to a little before now: rows stamped earlier but committed later are not skipped
    until = timezone.now() - dt.timedelta(seconds=5)
    since = mark.until if mark else _day_start(dt.date(2000, 1, 1))
    days: set[dt.date] = set()
    touched = Event.objects.filter(received_at__gte=since, received_at__lt=until, type__in=ATTRIBUTED_TYPES)
    days |= set(touched.values_list("occurred_at__date", flat=True).distinct())
    served = Impression.objects.filter(served_at__gte=since, served_at__lt=until)
    for day in served.values_list("served_at__date", flat=True).distinct():
        days |= {day, day + dt.timedelta(days=1)}  # the next day's events may follow these impressions
    today = timezone.localdate()
    days = {d for d in days if d <= today}
    for day in sorted(days):
        rollup_day(day)
    RollupWatermark.objects.update_or_create(name=WATERMARK, defaults={"until": until})
    return sorted(days)


def rollup_range_default() -> tuple[dt.date, dt.date] | None:
    """The days with any impression, for a full rebuild."""
    span = Impression.objects.aggregate(last=Max("served_at"))
    first = Impression.objects.order_by("served_at").values_list("served_at", flat=True).first()
    if first is None:
        return None
    return timezone.localtime(first).date(), timezone.localtime(span["last"] + _window()).date()
