"""The experiment dashboard of a slot: rates by day and variant as charts, the comparison, CSV export."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from recommendations.admin.charts import line_chart
from recommendations.api.experiments import report_days
from recommendations.display import money
from recommendations.errors import ValidationFailed
from recommendations.models import Slot, SlotConfig
from recommendations.services.measurement.comparisons import GUARDRAILS, PRE_PERIOD_DAYS, RATES
from recommendations.services.measurement.report import COUNTS, experiment_report
from recommendations.services.measurement.verdicts import GUARDRAIL_LABELS, METRIC_LABELS, RATE_LABELS
from recommendations.spreadsheet import SafeWriter, csv_bytes


def dashboard_view(request: HttpRequest, slot: str) -> HttpResponse:
    if slot not in Slot.reported():
        return HttpResponse(gettext("No slot '%(slot)s'.") % {"slot": slot}, status=404)
    try:
        first, last = report_days(request.GET, ignore=("format",))
    except ValidationFailed as exc:
        problems = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
        return HttpResponse(gettext("Bad date range: %(problems)s") % {"problems": problems}, status=400)
    report = experiment_report(slot, first, last)
    if request.GET.get("format") == "csv":
        return _csv(report)
    charts = _charts(report["daily"])
    comparisons = [
        {
            **c,
            "rate_a_pct": _value(c["metric"], c["rate_a"]),
            "rate_b_pct": _value(c["metric"], c["rate_b"]),
            "points": _value(c["metric"], c["difference"], sign=True),
            "ci": gettext("%(low)s to %(high)s")
            % {
                "low": _value(c["metric"], c["ci_low"], sign=True),
                "high": _value(c["metric"], c["ci_high"], sign=True),
            },
            "metric_label": METRIC_LABELS[METRIC_KINDS[c["metric"]]],
            "mde": "-" if c["minimum_detectable_effect"] is None else f"±{100 * c['minimum_detectable_effect']:.1f}",
            "days_to_go": "-" if c["days_to_detect_target"] is None else c["days_to_detect_target"],
        }
        for c in report["comparisons"]
    ]
    for variant in report["variants"]:
        models = report["offline"].get(variant["variant"], [])
        variant["offline"] = ", ".join(
            f"{m['algorithm']} v{m['version']}: {m['ndcg_at_10']:.4f} ({m['popularity_ndcg_at_10']:.4f})"
            for m in models
            if m["ndcg_at_10"] is not None
        )
    guardrails = [
        {
            **g,
            "label": GUARDRAIL_LABELS[g["metric"].removesuffix("_rate_per_user")],
            "rate_a_pct": _value(g["metric"], g["rate_a"]),
            "rate_b_pct": _value(g["metric"], g["rate_b"]),
            "points": _value(g["metric"], g["difference"], sign=True),
        }
        for g in report["guardrails"]
    ]
    context = {
        "comparisons": comparisons,
        "guardrails": guardrails,
        **admin.site.each_context(request),
        "title": gettext("Experiment: %(slot)s") % {"slot": Slot(slot).label},
        "slot": slot,
        "report": report,
        "charts": charts,
        "target_lift": f"{100 * settings.EXPERIMENT_TARGET_LIFT:g}",
        "cuped_notes": [
            gettext(
                "Revenue per user, %(a)s against %(b)s, is compared with CUPED: each user's purchases in the %(days)s "
                "days before these took out %(share)s of the variance (the means shown are the plain ones)."
            )
            % {"a": c["a"], "b": c["b"], "days": PRE_PERIOD_DAYS, "share": f"{100 * c['variance_reduction']:.0f}%"}
            for c in report["comparisons"]
            if c.get("variance_reduction")
        ],
        "first": first,
        "last": last,
        "opts": SlotConfig._meta,
    }
    return TemplateResponse(request, "admin/recommendations/experiment_dashboard.html", context)


def _charts(daily: list[dict]) -> list:
    """A chart per rate, the guardrail and revenue per user, by day: a line per variant, its 95% band shaded."""
    day = [(row["day"][5:].replace("-", "/"), gettext("variant %(name)s") % {"name": row["variant"]}) for row in daily]
    charts = []
    for kind in (*RATES, *GUARDRAILS):
        series: dict[str, list[tuple[str, float]]] = {}
        bands: dict[str, list[tuple[float, float]]] = {}
        for (label, name), row in zip(day, daily, strict=True):
            series.setdefault(name, []).append((label, 100 * row[f"{kind}_rate_per_user"]))
            bands.setdefault(name, []).append((100 * row[f"{kind}_ci"][0], 100 * row[f"{kind}_ci"][1]))
        title = gettext("%(rate)s by day, %% of users in the variant that day (shaded: 95%% interval)") % {
            "rate": {**RATE_LABELS, **GUARDRAIL_LABELS}[kind]
        }
        charts.append(line_chart(series, title=title, x_title=gettext("day"), bands=bands))
    series, bands = {}, {}
    for (label, name), row in zip(day, daily, strict=True):
        series.setdefault(name, []).append((label, row["revenue_per_user"]))
        bands.setdefault(name, []).append(tuple(row["revenue_per_user_ci"]))
    title = gettext("Revenue per user by day, %(currency)s (shaded: 95%% interval)") % {
        "currency": settings.CURRENCY_CODE
    }
    charts.append(line_chart(series, title=title, x_title=gettext("day"), bands=bands))
    return charts


METRIC_KINDS = {
    **{f"{kind}_rate_per_user": kind for kind in RATES},
    "purchases_per_user": "purchases",
    "revenue_per_user": "revenue",
}


def _value(metric: str, value: float, *, sign: bool = False) -> str:
    """A rate in percent (points for a difference), a per-user mean with three decimals."""
    if metric.endswith("_rate_per_user"):
        return f"{100 * value:+.1f}" if sign else f"{100 * value:.1f}%"
    if metric == "revenue_per_user":
        return ("+" if sign and value >= 0 else "-" if sign else "") + money(abs(value) if sign else value)
    return f"{value:+.3f}" if sign else f"{value:.3f}"


def _csv(report: dict) -> HttpResponse:
    out = io.StringIO()
    writer = SafeWriter(out)
    kinds = (*RATES, *GUARDRAILS)
    rate_columns = [f"{kind}_rate_per_user" for kind in kinds] + [f"{kind}_events_per_list" for kind in kinds]
    rate_columns += ["revenue", "revenue_per_1000_items_shown"]
    writer.writerow(["day", "variant", *COUNTS, *rate_columns])
    for row in report["by_day"]:
        writer.writerow([row["day"], row["variant"], *[row[c] for c in COUNTS], *[row[c] for c in rate_columns]])
    # then the comparison table as the dashboard shows it: per user, over the whole range
    columns = ["a", "b", "metric", "units_a", "units_b", "rate_a", "rate_b", "difference", "ci_low", "ci_high",
               "p_value", "p_adjusted", "minimum_detectable_effect", "significant", "verdict"]  # fmt: skip
    writer.writerow([])
    writer.writerow(columns)
    for comparison in report["comparisons"]:
        writer.writerow([comparison[c] for c in columns])
    # the per-algorithm drill-down, the guardrails, then the per-user series the charts draw, with their bands
    writer.writerow([])
    writer.writerow(["variant", "algorithm", *COUNTS, "revenue"])
    for row in report["by_algorithm"]:
        writer.writerow([row["variant"], row["algorithm"], *[row[c] for c in COUNTS], row["revenue"]])
    columns = ["a", "b", "metric", "units_a", "units_b", "rate_a", "rate_b", "difference", "ci_low", "ci_high",
               "p_value", "worse", "verdict"]  # fmt: skip
    writer.writerow([])
    writer.writerow(columns)
    for check in report["guardrails"]:
        writer.writerow([check[c] if check[c] is not None else "" for c in columns])
    writer.writerow([])
    writer.writerow(
        ["day", "variant", "users", *[f"{k}_{part}" for k in kinds for part in ("rate_per_user", "ci_low", "ci_high")],
         "revenue_per_user", "revenue_per_user_ci_low", "revenue_per_user_ci_high"]
    )  # fmt: skip
    for row in report["daily"]:
        rates = [value for k in kinds for value in (row[f"{k}_rate_per_user"], *row[f"{k}_ci"])]
        writer.writerow([row["day"], row["variant"], row["users"], *rates, row["revenue_per_user"],
                         *row["revenue_per_user_ci"]])  # fmt: skip
    response = HttpResponse(csv_bytes(out.getvalue()), content_type="text/csv; charset=utf-8")  # BOM: Excel
    response["Content-Disposition"] = (
        f'attachment; filename="experiment-{report["slot"]}-{report["from"]}-{report["to"]}.csv"'
    )
    return response
