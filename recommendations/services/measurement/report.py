"""The experiment report of a slot over a date range: rates per variant and day, pairwise comparisons
with intervals and verdicts, sample-ratio mismatch, and the live models' offline metrics beside."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import replace
from decimal import Decimal

import pandas as pd
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from recommendations.engine.experiment_stats import (
    Comparison,
    cuped,
    holm_adjusted,
    minimum_detectable_effect,
    sample_ratio_mismatch,
    two_means,
    two_proportions,
    users_needed,
)
from recommendations.errors import FieldError, ValidationFailed
from recommendations.models import Event, ExperimentDay, ExperimentUserDay, ModelVersion, Variant
from recommendations.services.measurement.rollup import counted_currencies
from recommendations.services.measurement.verdicts import RATE_LABELS, split_explanation, split_message, verdict

DEFAULT_DAYS = 14
MAX_DAYS = 366
FIRST_DAY = dt.date(2000, 1, 1)

COUNTS = [
    "lists", "pages", "items_shown", "users",
    "view_events", "view_users", "view_items", "favorite_events", "favorite_users", "favorite_items",
    "cart_add_events", "cart_add_users", "cart_add_items", "purchase_events", "purchase_users", "purchase_items",
]  # fmt: skip
RATES = tuple(RATE_LABELS)  # view, favorite, cart_add, purchase


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
    for kind in RATES:
        out[f"{kind}_rate_per_user"] = row[f"{kind}_users"] / users if users else None
        out[f"{kind}_events_per_list"] = row[f"{kind}_events"] / lists if lists else None
    return out


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
    for variant, algorithm in rows.values_list("variant", "algorithm").distinct():
        algorithms.setdefault(variant, set()).add(algorithm)
    variants = []
    for name, total in totals.items():
        counts = {c: int(total[c] or 0) for c in COUNTS}
        money = _money(total["revenue"], counts)
        variants.append(
            {"variant": name, "algorithms": sorted(algorithms.get(name, [])), **counts, **_rates(counts), **money}
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
        "by_day": by_day,
        "comparisons": comparisons,
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


def per_user(slot: str, first: dt.date, last: dt.date) -> dict[str, pd.DataFrame]:
    """Each variant's users served in the range: one row per user, their lists and attributed events."""
    sums = {
        "lists": Sum("lists"),
        "revenue": Sum("revenue"),
        **{f"{kind}_events": Sum(f"{kind}_events") for kind in RATES},
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


def compare_variants(
    users: dict[str, pd.DataFrame], *, days: int = 1, before: dict[int, float] | None = None
) -> list[dict]:
    """Every pair of variants on each rate and on purchases and revenue per user; p-values adjusted together
    (Holm). For each rate, also the smallest change detectable now and the days still needed to detect a
    change of EXPERIMENT_TARGET_LIFT (relative) at the pace users arrived in these `days`."""
    tests = []
    reductions: dict[tuple[str, str], float] = {}
    for a, b in itertools.combinations(sorted(users), 2):
        ua, ub = users[a], users[b]
        if len(ua) < 2 or len(ub) < 2:
            continue
        for kind in RATES:
            hits_a, hits_b = int((ua[f"{kind}_events"] > 0).sum()), int((ub[f"{kind}_events"] > 0).sum())
            tests.append((a, b, f"{kind}_rate_per_user", kind, two_proportions(hits_a, len(ua), hits_b, len(ub))))
        purchases = two_means(ua["purchase_events"].to_numpy(), ub["purchase_events"].to_numpy())
        tests.append((a, b, "purchases_per_user", "purchases", purchases))
        revenue, removed = _revenue_comparison(ua, ub, before or {})
        tests.append((a, b, "revenue_per_user", "revenue", revenue))
        reductions[(a, b)] = removed
    adjusted = holm_adjusted([c for *_rest, c in tests])
    comparisons = []
    for (a, b, metric, kind, _raw), c in zip(tests, adjusted, strict=True):
        rate = metric.endswith("_rate_per_user")
        mde = minimum_detectable_effect(c.value_a, c.units_a, c.units_b) if rate else None
        comparisons.append(
            {
                "a": a, "b": b, "metric": metric, "rate_a": c.value_a, "rate_b": c.value_b,
                "difference": c.difference, "ci_low": c.ci_low, "ci_high": c.ci_high, "p_value": c.p_value,
                "p_adjusted": c.p_adjusted, "units_a": c.units_a, "units_b": c.units_b, "significant": c.significant,
                "minimum_detectable_effect": mde, "days_to_detect_target": _days_to_go(c, days) if rate else None,
                "variance_reduction": reductions.get((a, b)) if metric == "revenue_per_user" else None,
                "verdict": verdict(kind, a, b, c, tested=len(adjusted)),
            }
        )  # fmt: skip
    return comparisons


def _days_to_go(comparison: Comparison, days: int) -> int | None:
    """More days needed (0: enough already) to detect a change of EXPERIMENT_TARGET_LIFT in A's rate, if users
    keep arriving in each variant at the pace they did; None when the rate gives nothing to go by."""
    needed = users_needed(comparison.value_a, settings.EXPERIMENT_TARGET_LIFT * comparison.value_a)
    have = min(comparison.units_a, comparison.units_b)
    if needed is None or have == 0:
        return None
    return max(0, math.ceil((needed - have) / (have / days)))


PRE_PERIOD_DAYS = 28


def pre_period_revenue(first: dt.date) -> dict[int, float]:
    """Each user's purchases (all of them, in the site's currency) in the PRE_PERIOD_DAYS before the report."""
    start = dt.datetime.combine(first, dt.time(), timezone.get_default_timezone())
    rows = (
        Event.objects.filter(
            type="purchase",
            occurred_at__gte=start - dt.timedelta(days=PRE_PERIOD_DAYS),
            occurred_at__lt=start,
            value__isnull=False,
            currency__in=counted_currencies(),
        )
        .values("user_id")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return {row["user_id"]: float(row["total"]) for row in rows}


def _revenue_comparison(ua: pd.DataFrame, ub: pd.DataFrame, before: dict[int, float]) -> tuple[Comparison, float]:
    """Revenue per user, CUPED-adjusted by each user's pre-period revenue when any user has some; the values
    shown stay the plain means. Returns the comparison and the share of variance CUPED removed."""
    ya, yb = ua["revenue"].to_numpy(), ub["revenue"].to_numpy()
    xa = ua["user_key"].map(before).fillna(0.0).to_numpy()
    xb = ub["user_key"].map(before).fillna(0.0).to_numpy()
    adjusted_a, adjusted_b, removed = cuped(ya, yb, xa, xb)
    comparison = two_means(adjusted_a, adjusted_b)
    return replace(comparison, value_a=float(ya.mean()), value_b=float(yb.mean())), removed
