"""Daily roll-ups: attribute each day's events to the impressions before them and store the counts.

A day is recomputed whole (its rows replaced in one transaction), so running it twice changes
nothing. `rollup_pending` recomputes only the days that received events or impressions since it
last ran; `rollup_days` rebuilds any range (manage.py rollup_metrics).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from recommendations.bulk_copy import copy_available, copy_rows, copy_text
from recommendations.engine.attribution import EVENT_TYPES, attribute, daily_counts, daily_user_counts
from recommendations.models import AppUser, Event, ExperimentDay, ExperimentUserDay, Impression, RollupWatermark

WATERMARK = "experiments"


def _window() -> dt.timedelta:
    return dt.timedelta(hours=settings.ATTRIBUTION_WINDOW_HOURS)


def _day_start(day: dt.date) -> dt.datetime:
    # experiment days are the staff's days (TIME_ZONE, Tokyo by default), as the `__date` lookups below count them
    return dt.datetime.combine(day, dt.time(), timezone.get_default_timezone())


def _impressions(since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    rows = list(
        Impression.objects.filter(served_at__gte=since, served_at__lt=until).values_list(
            "recommendation_id", "user_id", "user_ref", "slot", "variant", "algorithm", "served_at", "keys"
        )
    )
    # a page served before the user existed counts as theirs once their events made them a user; one still
    # unknown counts as a user of its own (minus a hash of the id, the same every day), with no events
    refs = {ref for _r, user, ref, *_rest in rows if user is None and ref}
    users = dict(AppUser.objects.filter(external_id__in=refs).values_list("external_id", "pk")) if refs else {}
    strangers = {ref: stranger_key(ref) for ref in refs - set(users)}
    frame = pd.DataFrame.from_records(
        [
            (str(r), u if u is not None else users.get(ref, strangers.get(ref)), s, v, a, t, _unpacked(k))
            for r, u, ref, s, v, a, t, k in rows
        ],
        columns=["recommendation_id", "user_id", "slot", "variant", "algorithm", "served_at", "keys"],
    )
    frame["served_at"] = pd.to_datetime(frame["served_at"], utc=True)
    return frame


def counted_currencies() -> list[str]:
    """The currencies revenue adds up: the site's, and none named (which means the site's)."""
    return ["", settings.CURRENCY_CODE]


def stranger_key(user_ref: str) -> int:
    """The roll-ups' key for a user id recsite did not know when it served them: negative, stable."""
    return -1 - int.from_bytes(hashlib.blake2b(user_ref.encode(), digest_size=7).digest(), "big")


def _unpacked(keys: bytes | memoryview) -> list[int]:
    return np.frombuffer(bytes(keys), dtype="<i8").tolist()


def _events(since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    rows = Event.objects.filter(occurred_at__gte=since, occurred_at__lt=until, type__in=EVENT_TYPES).values_list(
        "user_id", "item_id", "type", "occurred_at", "recommendation_id", "value", "currency"
    )
    columns = ["user_id", "item_id", "type", "occurred_at", "recommendation_id", "value", "currency"]
    frame = pd.DataFrame.from_records(list(rows), columns=columns)
    # revenue adds up one currency: the site's (a value in another is left out, not converted)
    other = ~frame["currency"].isin(counted_currencies())
    frame.loc[other, "value"] = None
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame


def rollup_day(day: dt.date) -> int:
    """Recompute one day's rows; returns how many (slot, variant, algorithm) rows it stored."""
    start, end = _day_start(day), _day_start(day + dt.timedelta(days=1))
    impressions = _impressions(start - _window(), end)  # the window reaches into the day before
    events = _events(start, end)
    attributed = attribute(events, impressions, pd.Timedelta(_window()))
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
    columns = ["slot", "variant", "user_key", "lists", *[f"{kind}_events" for kind in EVENT_TYPES], "revenue"]
    if per_user.empty:
        return
    if copy_available():
        lines = [
            "\t".join([day.isoformat(), copy_text(str(r[0])), copy_text(str(r[1])), *map(str, r[2:-1]), f"{r[-1]:.2f}"])
            for r in per_user[columns].itertuples(index=False, name=None)
        ]
        copy_rows(ExperimentUserDay, ["day", *columns], lines)
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
    """Recompute every day from `first` to `last` inclusive; returns the rows stored."""
    stored, day = 0, first
    while day <= last:
        stored += rollup_day(day)
        day += dt.timedelta(days=1)
    return stored


def rollup_pending() -> list[dt.date]:
    """Recompute the days with events received or impressions served since the last run; returns them."""
    mark = RollupWatermark.objects.filter(name=WATERMARK).first()
    # read up to a little before now: rows stamped earlier but committed later are not skipped
    until = timezone.now() - dt.timedelta(seconds=5)
    since = mark.until if mark else _day_start(dt.date(2000, 1, 1))
    days: set[dt.date] = set()
    touched = Event.objects.filter(received_at__gte=since, received_at__lt=until, type__in=EVENT_TYPES)
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
