"""The experiment report of a slot over a date range: rates per variant and day, pairwise comparisons
with intervals and verdicts, sample-ratio mismatch, and the live models' offline metrics beside."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
from django.db.models import Count, F, FloatField, Q, Sum

from recommendations.engine.experiment_stats import (
    mean_interval,
    sample_ratio_mismatch,
    wilson_interval,
)
from recommendations.errors import FieldError, ValidationFailed
from recommendations.models import ExperimentDay, ExperimentUserDay, ModelVersion, Variant
from recommendations.services.measurement.comparisons import (
    GUARDRAILS,
    RATES,
    compare_variants,
    guardrail_checks,
    pre_period_revenue,
)
from recommendations.services.measurement.verdicts import split_explanation, split_message

DEFAULT_DAYS = 14
MAX_DAYS = 366
FIRST_DAY = dt.date(2000, 1, 1)

COUNTS = [
    "lists", "pages", "items_shown", "users",
    "view_events", "view_users", "view_items", "favorite_events", "favorite_users", "favorite_items",
    "cart_add_events", "cart_add_users", "cart_add_items", "purchase_events", "purchase_users", "purchase_items",
    "not_interested_events", "not_interested_users", "not_interested_items",
    "explored_shown", "explored_view_events", "explored_purchase_events",
]  # fmt: skip


def report_range(first: dt.date | None, last: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days a report covers: `first` to `last` inclusive, by default the 14 days up to today;
    ValidationFailed naming `from` or `to` when the range is reversed, too long or out of the calendar."""
    for name, day in (("from", first), ("to", last)):
        if day is not None and day < FIRST_DAY:
            raise ValidationFailed(
                "The request is invalid.", [FieldError(None, name, f"must be {FIRST_DAY} or later.")]
            )
    last = last or today
    first = first or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ValidationFailed(
            "The request is invalid.", [FieldError(None, "from", f"{first} is after 'to' ({last}).")]
        )
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed(
            "The request is invalid.", [FieldError(None, "from", f"at most {MAX_DAYS} days at a time.")]
        )
    return first, last


def _rates(row: dict) -> dict:
    users, lists = row["users"], row["lists"]
    out = {}
    for kind in (*RATES, *GUARDRAILS):
        out[f"{kind}_rate_per_user"] = row[f"{kind}_users"] / users if users else None
        out[f"{kind}_events_per_list"] = row[f"{kind}_events"] / lists if lists else None
    return out


def _exploration(counts: dict) -> dict:
    """Items at exploration positions (new items) beside the rest of the list: views and purchases per item shown."""
    shown, views, purchases = (
        counts["explored_shown"],
        counts["explored_view_events"],
        counts["explored_purchase_events"],
    )
    other_shown = counts["items_shown"] - shown
    return {
        "shown": shown,
        "views": views,
        "purchases": purchases,
        "view_rate": views / shown if shown else None,
        "purchase_rate": purchases / shown if shown else None,
        "other_view_rate": (counts["view_events"] - views) / other_shown if other_shown else None,
        "other_purchase_rate": (counts["purchase_events"] - purchases) / other_shown if other_shown else None,
    }


def _money(revenue: Decimal | None, counts: dict) -> dict:
    """Revenue in the site's currency, and per 1,000 items shown (what a thousand impressions earn)."""
    total = float(revenue or 0)
    shown = counts["items_shown"]
    return {
        "revenue": round(total, 2),
        "revenue_per_1000_items_shown": round(1000 * total / shown, 2) if shown else None,
    }


def experiment_report(slot: str, first: dt.date, last: dt.date) -> dict:
    """Everything the dashboard and GET /api/v1/experiments/{slot}/report show, from the roll-ups only."""
    rows = ExperimentDay.objects.filter(slot=slot, day__gte=first, day__lte=last)
    totals = {
        r["variant"]: r
        for r in rows.values("variant")
        .annotate(revenue=Sum("revenue"), **{c: Sum(c) for c in COUNTS})
        .order_by("variant")
    }
    algorithms: dict[str, set[str]] = {}
    by_algorithm = []  # the drill-down: which algorithm of each variant's chain served what, in user-days
    per_algorithm = rows.values("variant", "algorithm").annotate(revenue=Sum("revenue"), **{c: Sum(c) for c in COUNTS})
    for row in per_algorithm.order_by("variant", "algorithm"):
        algorithms.setdefault(row["variant"], set()).add(row["algorithm"])
        counts = {c: int(row[c] or 0) for c in COUNTS}
        by_algorithm.append(
            {"variant": row["variant"], "algorithm": row["algorithm"], **counts, **_money(row["revenue"], counts)}
        )
    variants = []
    for name, total in totals.items():
        counts = {c: int(total[c] or 0) for c in COUNTS}
        money = _money(total["revenue"], counts)
        variants.append(
            {
                "variant": name,
                "algorithms": sorted(algorithms.get(name, [])),
                **counts,
                **_rates(counts),
                **money,
                "exploration": _exploration(counts),
            }
        )
    by_day = []
    daily = rows.values("day", "variant").annotate(revenue=Sum("revenue"), **{c: Sum(c) for c in COUNTS})
    for row in daily.order_by("day", "variant"):
        counts = {c: int(row[c] or 0) for c in COUNTS}
        money = _money(row["revenue"], counts)
        by_day.append({"day": row["day"].isoformat(), "variant": row["variant"], **counts, **_rates(counts), **money})

    users = per_user(slot, first, last)
    before = pre_period_revenue(first)
    comparisons = compare_variants(users, days=(last - first).days + 1, before=before)
    weights = dict(Variant.objects.filter(slot__slot=slot).values_list("name", "weight"))
    assigned = {name: len(frame) for name, frame in users.items()}
    srm_p, srm = sample_ratio_mismatch(assigned, weights)
    for variant in variants:
        variant["assigned_users"] = assigned.get(variant["variant"], 0)
    live = {
        v.algorithm: {"version": v.pk, "ndcg_at_10": v.run.ndcg(), "popularity_ndcg_at_10": v.run.ndcg("popularity")}
        for v in ModelVersion.objects.filter(is_live=True).select_related("run")
    }
    return {
        "slot": slot,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "unit": (
            "user: a user the slot served in the range, counted once per variant; a rate is the share of them "
            "with at least one such event attributed to the variant (the variants table also counts user-days)"
        ),
        "variants": variants,
        "by_algorithm": by_algorithm,
        "by_day": by_day,
        "daily": daily_per_user(slot, first, last),
        "comparisons": comparisons,
        "guardrails": guardrail_checks(users),
        "sample_ratio": {
            "users": assigned,
            "weights": {k: weights.get(k, 0) for k in assigned},
            "p_value": srm_p,
            "mismatch": srm,
            "message": split_message(srm),
            "explanation": split_explanation(),
        },
        "offline": {
            name: [live[a] | {"algorithm": a} for a in sorted(algorithms.get(name, [])) if a in live] for name in totals
        },
    }


def daily_per_user(slot: str, first: dt.date, last: dt.date) -> list[dict]:
    """Per day and variant, from the per-user rows (a user counts once a day whichever algorithm served them):
    the users active in the variant that day, each rate with its Wilson interval and the revenue per user
    with its t interval. The intervals describe that day alone (the charts' bands), not a test."""
    rows = (
        ExperimentUserDay.objects.filter(slot=slot, day__gte=first, day__lte=last)
        .values("day", "variant")
        .annotate(
            users=Count("id"),
            revenue_sum=Sum("revenue"),
            revenue_squares=Sum(F("revenue") * F("revenue"), output_field=FloatField()),
            **{f"{k}_users": Count("id", filter=Q(**{f"{k}_events__gt": 0})) for k in (*RATES, *GUARDRAILS)},
        )
        .order_by("day", "variant")
    )
    daily = []
    for row in rows:
        users = row["users"]
        out = {"day": row["day"].isoformat(), "variant": row["variant"], "users": users}
        for kind in (*RATES, *GUARDRAILS):
            low, high = wilson_interval(row[f"{kind}_users"], users)
            out |= {f"{kind}_rate_per_user": row[f"{kind}_users"] / users, f"{kind}_ci": [low, high]}
        mean = float(row["revenue_sum"] or 0) / users
        spread = float(row["revenue_squares"] or 0) - users * mean * mean
        low, high = mean_interval(mean, math.sqrt(max(spread, 0.0) / (users - 1)) if users > 1 else 0.0, users)
        out |= {"revenue_per_user": round(mean, 2), "revenue_per_user_ci": [round(low, 2), round(high, 2)]}
        daily.append(out)
    return daily


def per_user(slot: str, first: dt.date, last: dt.date) -> dict[str, pd.DataFrame]:
    """Each variant's users served in the range: one row per user, their lists and attributed events."""
    sums = {
        "lists": Sum("lists"),
        "revenue": Sum("revenue"),
        **{f"{kind}_events": Sum(f"{kind}_events") for kind in (*RATES, *GUARDRAILS)},
    }
    rows = (
        ExperimentUserDay.objects.filter(slot=slot, day__gte=first, day__lte=last)
        .values("variant", "user_key")
        .annotate(**sums)
        .order_by()
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["variant", "user_key", *sums])
    frame = frame[frame["lists"] > 0]  # events in the range after a list from before it: not a user of it
    frame = frame.astype({"revenue": "float64"})
    return {name: group.reset_index(drop=True) for name, group in frame.groupby("variant", sort=True)}
