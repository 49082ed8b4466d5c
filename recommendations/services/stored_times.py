"""Rows stored with a time outside what recsite now accepts, written before every date was bounded.

Serving reads such a time clamped (an event as 1990-01-01, an NG expiry as the calendar's last day), so
the row fails no request; staff are told here so that someone fixes or deletes it (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from curation.models import EXPIRY_MAX_YEARS
from curation.selectors import KINDS, LAST_READABLE, ng_expiries_out_of_range
from recommendations.models import AppUser, Event, Item, Shop
from recommendations.row_validation import EARLIEST, FUTURE_SLACK


def times_out_of_range(now: dt.datetime | None = None) -> list[str]:
    """One sentence per kind of row with such times, saying how many and how serving reads them."""
    now = now or timezone.now()
    outside = Q(occurred_at__lt=EARLIEST) | Q(occurred_at__gt=now + FUTURE_SLACK)
    problems = []
    earliest = EARLIEST.date()
    events = Event.objects.filter(outside).count()
    if events:
        problems.append(
            ngettext(
                "%(count)d event is dated outside %(earliest)s to tomorrow; serving reads it as %(earliest)s.",
                "%(count)d events are dated outside %(earliest)s to tomorrow; serving reads them as %(earliest)s.",
                events,
            )
            % {"count": events, "earliest": earliest}
        )
    created_outside = Q(created_at__lt=EARLIEST) | Q(created_at__gt=now + FUTURE_SLACK)
    for model in (Shop, Item, AppUser):
        count = model.objects.filter(created_outside).count()
        if count:
            problems.append(
                ngettext(
                    "%(count)d %(rows)s has a creation date outside %(earliest)s to tomorrow.",
                    "%(count)d %(rows)s have a creation date outside %(earliest)s to tomorrow.",
                    count,
                )
                % {
                    "count": count,
                    "rows": model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural,
                    "earliest": earliest,
                }
            )
    for kind, count in ng_expiries_out_of_range(now).items():
        problems.append(
            ngettext(
                "%(list)s: %(count)d entry expires more than %(years)d years ahead; serving reads it as %(last)s.",
                "%(list)s: %(count)d entries expire more than %(years)d years ahead; serving reads them as %(last)s.",
                count,
            )
            % {"count": count, "list": KINDS[kind].label(), "years": EXPIRY_MAX_YEARS, "last": LAST_READABLE.date()}
        )
    return problems
