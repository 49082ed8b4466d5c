"""Comparisons of a slot's variants over a report's users: every pair on each rate, purchases and revenue per
user (Holm-adjusted together), power figures, the guardrails, and CUPED's pre-period for revenue."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import replace

import pandas as pd
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from recommendations.engine.experiment_stats import (
    Comparison,
    cuped,
    holm_adjusted,
    minimum_detectable_effect,
    two_means,
    two_means_bootstrap,
    two_proportions,
    users_needed,
)
from recommendations.models import Event
from recommendations.services.measurement.rollup_reads import counted_currencies
from recommendations.services.measurement.verdicts import GUARDRAIL_LABELS, RATE_LABELS, guardrail_verdict, verdict

RATES = tuple(RATE_LABELS)  # view, favorite, cart_add, purchase
GUARDRAILS = tuple(GUARDRAIL_LABELS)  # not_interested: a variant should not raise these


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
            tests.append((a, b, f"{kind}_rate_per_user", kind, _share_with(kind, ua, ub)))
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


def guardrail_checks(users: dict[str, pd.DataFrame]) -> list[dict]:
    """Every pair of variants on each guardrail rate (the share of users with such an event), with the variant
    that worsens it, if any. Checked on its own p-value, not adjusted with the comparisons."""
    checks = []
    for a, b in itertools.combinations(sorted(users), 2):
        ua, ub = users[a], users[b]
        for kind in GUARDRAILS:
            c = _share_with(kind, ua, ub)
            message, worse = guardrail_verdict(kind, a, b, c)
            checks.append(
                {
                    "a": a, "b": b, "metric": f"{kind}_rate_per_user", "rate_a": c.value_a, "rate_b": c.value_b,
                    "difference": c.difference, "ci_low": c.ci_low, "ci_high": c.ci_high, "p_value": c.p_value,
                    "units_a": c.units_a, "units_b": c.units_b, "worse": worse, "verdict": message,
                }
            )  # fmt: skip
    return checks


def _share_with(kind: str, ua: pd.DataFrame, ub: pd.DataFrame) -> Comparison:
    """B's share of users with at least one `kind` event against A's."""
    hits_a, hits_b = int((ua[f"{kind}_events"] > 0).sum()), int((ub[f"{kind}_events"] > 0).sum())
    return two_proportions(hits_a, len(ua), hits_b, len(ub))


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
    """Revenue per user with a bootstrap interval, CUPED-adjusted by each user's pre-period revenue when any
    user has some; the values shown stay the plain means. Returns it and the share of variance CUPED removed."""
    ya, yb = ua["revenue"].to_numpy(), ub["revenue"].to_numpy()
    xa = ua["user_key"].map(before).fillna(0.0).to_numpy()
    xb = ub["user_key"].map(before).fillna(0.0).to_numpy()
    adjusted_a, adjusted_b, removed = cuped(ya, yb, xa, xb)
    comparison = two_means_bootstrap(adjusted_a, adjusted_b)
    return replace(comparison, value_a=float(ya.mean()), value_b=float(yb.mean())), removed
