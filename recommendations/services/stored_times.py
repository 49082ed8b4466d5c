"""Rows stored with a time outside what recsite now accepts, written before every date was bounded.

Serving reads such a time clamped (an event as 1990-01-01, an NG expiry as the calendar's last day), so
the row fails no request; staff are told here so that someone fixes or deletes it (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from curation.selectors import KINDS, ng_expiries_out_of_range
from recommendations.models import AppUser, Event, Item, Shop
from recommendations.row_validation import EARLIEST, FUTURE_SLACK


def times_out_of_range(now: dt.datetime | None = None) -> list[str]:
    """One sentence per kind of row with such times, saying how many and how serving reads them."""
    now = now or timezone.now()
    outside = Q(occurred_at__lt=EARLIEST) | Q(occurred_at__gt=now + FUTURE_SLACK)
    problems = []
    events = Event.objects.filter(outside).count()
    if events:
        problems.append(
            ngettext(
                "%(count)d event is dated outside 1990-01-01 to tomorrow; serving reads it as 1990-01-01.",
                "%(count)d events are dated outside 1990-01-01 to tomorrow; serving reads them as 1990-01-01.",
                events,
            )
            % {"count": events}
        )
    created_outside = Q(created_at__lt=EARLIEST) | Q(created_at__gt=now + FUTURE_SLACK)
    for model in (Shop, Item, AppUser):
        count = model.objects.filter(created_outside).count()
        if count:
            problems.append(
                ngettext(
                    "%(count)d %(rows)s has a creation date outside 1990-01-01 to tomorrow.",
                    "%(count)d %(rows)s have a creation date outside 1990-01-01 to tomorrow.",
                    count,
                )
                % {"count": count, "rows": model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural}
            )
    for kind, count in ng_expiries_out_of_range(now).items():
        problems.append(
            ngettext(
                "%(list)s: %(count)d entry expires more than 100 years ahead; serving reads it as 9999-12-30.",
                "%(list)s: %(count)d entries expire more than 100 years ahead; serving reads them as 9999-12-30.",
                count,
            )
            % {"count": count, "list": KINDS[kind].label()}
        )
    return problems
