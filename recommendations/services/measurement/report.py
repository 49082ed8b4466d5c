"""The experiment report of a slot over a date range: rates per variant and day, pairwise comparisons
with intervals and verdicts, sample-ratio mismatch, and the live models' offline metrics beside."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db.models import Sum

from recommendations.engine.experiment_stats import sample_ratio_mismatch, two_proportions
from recommendations.errors import FieldError, ValidationFailed
from recommendations.models import ExperimentDay, ModelVersion, Variant
from recommendations.services.measurement.verdicts import RATE_LABELS, split_message, verdict

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


def experiment_report(slot: str, first: dt.date, last: dt.date) -> dict:
    """Everything the dashboard and GET /api/v1/experiments/{slot}/report show, from the roll-ups only."""
    rows = ExperimentDay.objects.filter(slot=slot, day__gte=first, day__lte=last)
    totals = {
        r["variant"]: r for r in rows.values("variant").annotate(**{c: Sum(c) for c in COUNTS}).order_by("variant")
    }
    algorithms: dict[str, set[str]] = {}
    for variant, algorithm in rows.values_list("variant", "algorithm").distinct():
        algorithms.setdefault(variant, set()).add(algorithm)
    variants = []
    for name, total in totals.items():
        counts = {c: int(total[c] or 0) for c in COUNTS}
        variants.append({"variant": name, "algorithms": sorted(algorithms.get(name, [])), **counts, **_rates(counts)})
    by_day = []
    for row in rows.values("day", "variant").annotate(**{c: Sum(c) for c in COUNTS}).order_by("day", "variant"):
        counts = {c: int(row[c] or 0) for c in COUNTS}
        by_day.append({"day": row["day"].isoformat(), "variant": row["variant"], **counts, **_rates(counts)})

    comparisons = []
    for a, b in itertools.combinations(sorted(totals), 2):
        for kind in RATES:
            ta, tb = totals[a], totals[b]
            units_a, units_b = int(ta["users"] or 0), int(tb["users"] or 0)
            if not units_a or not units_b:
                continue
            c = two_proportions(int(ta[f"{kind}_users"] or 0), units_a, int(tb[f"{kind}_users"] or 0), units_b)
            comparisons.append(
                {
                    "a": a, "b": b, "metric": f"{kind}_rate_per_user", "rate_a": c.rate_a, "rate_b": c.rate_b,
                    "difference": c.difference, "ci_low": c.ci_low, "ci_high": c.ci_high, "p_value": c.p_value,
                    "units_a": units_a, "units_b": units_b, "significant": c.significant,
                    "verdict": verdict(kind, a, b, c),
                }
            )  # fmt: skip

    weights = dict(Variant.objects.filter(slot__slot=slot).values_list("name", "weight"))
    served = {name: int(t["users"] or 0) for name, t in totals.items()}
    srm_p, srm = sample_ratio_mismatch(served, weights)
    live = {
        v.algorithm: {"version": v.pk, "ndcg_at_10": v.run.ndcg(), "popularity_ndcg_at_10": v.run.ndcg("popularity")}
        for v in ModelVersion.objects.filter(is_live=True).select_related("run")
    }
    return {
        "slot": slot,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "unit": "user-day: a user served by the slot on a day; rates count user-days with at least one such event",
        "variants": variants,
        "by_day": by_day,
        "comparisons": comparisons,
        "sample_ratio": {
            "users": served,
            "weights": {k: weights.get(k, 0) for k in served},
            "p_value": srm_p,
            "mismatch": srm,
            "message": split_message(srm),
        },
        "offline": {
            name: [live[a] | {"algorithm": a} for a in sorted(algorithms.get(name, [])) if a in live] for name in totals
        },
    }
