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
from recommendations.services.measurement.report import COUNTS, PRE_PERIOD_DAYS, RATES, experiment_report
from recommendations.services.measurement.verdicts import METRIC_LABELS, RATE_LABELS
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
    charts = []
    for kind in RATES:
        series: dict[str, list[tuple[str, float]]] = {}
        for row in report["by_day"]:
            value = row[f"{kind}_rate_per_user"]
            name = gettext("variant %(name)s") % {"name": row["variant"]}
            series.setdefault(name, []).append((row["day"][5:].replace("-", "/"), 100 * (value or 0.0)))
        title = gettext("%(rate)s by day, %% of users served") % {"rate": RATE_LABELS[kind]}
        charts.append(line_chart(series, title=title, x_title=gettext("day")))
    revenue: dict[str, list[tuple[str, float]]] = {}
    for row in report["by_day"]:
        name = gettext("variant %(name)s") % {"name": row["variant"]}
        per_user = row["revenue"] / row["users"] if row["users"] else 0.0
        revenue.setdefault(name, []).append((row["day"][5:].replace("-", "/"), per_user))
    charts.append(line_chart(revenue, title=gettext("Revenue per user-day, by day"), x_title=gettext("day")))
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
    context = {
        "comparisons": comparisons,
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
    rate_columns = [f"{kind}_rate_per_user" for kind in RATES] + [f"{kind}_events_per_list" for kind in RATES]
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
    response = HttpResponse(csv_bytes(out.getvalue()), content_type="text/csv; charset=utf-8")  # BOM: Excel
    response["Content-Disposition"] = (
        f'attachment; filename="experiment-{report["slot"]}-{report["from"]}-{report["to"]}.csv"'
    )
    return response
