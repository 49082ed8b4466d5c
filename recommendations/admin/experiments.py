"""The experiment dashboard of a slot: rates by day and variant as charts, the comparison, CSV export."""

from __future__ import annotations

import io

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from recommendations.admin.charts import line_chart
from recommendations.api.experiments import report_days
from recommendations.errors import ValidationFailed
from recommendations.models import Slot, SlotConfig
from recommendations.services.measurement.report import COUNTS, RATES, experiment_report
from recommendations.spreadsheet import SafeWriter, csv_bytes


def dashboard_view(request: HttpRequest, slot: str) -> HttpResponse:
    if slot not in Slot.reported():
        return HttpResponse(f"No slot '{slot}'.", status=404)
    try:
        first, last = report_days(request.GET, ignore=("format",))
    except ValidationFailed as exc:
        problems = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
        return HttpResponse(f"Bad date range: {problems}", status=400)
    report = experiment_report(slot, first, last)
    if request.GET.get("format") == "csv":
        return _csv(report)
    charts = []
    for kind, label in RATES.items():
        series: dict[str, list[tuple[str, float]]] = {}
        for row in report["by_day"]:
            value = row[f"{kind}_rate_per_user"]
            series.setdefault(f"variant {row['variant']}", []).append((row["day"][5:], 100 * (value or 0.0)))
        charts.append(line_chart(series, title=f"{label} by day, % of users served"))
    comparisons = [
        {
            **c,
            "rate_a_pct": f"{100 * c['rate_a']:.1f}%",
            "rate_b_pct": f"{100 * c['rate_b']:.1f}%",
            "points": f"{100 * c['difference']:+.1f}",
            "ci": f"{100 * c['ci_low']:+.1f} to {100 * c['ci_high']:+.1f}",
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
        "title": f"Experiment: {Slot(slot).label}",
        "slot": slot,
        "report": report,
        "charts": charts,
        "first": first,
        "last": last,
        "rates": RATES,
        "opts": SlotConfig._meta,
    }
    return TemplateResponse(request, "admin/recommendations/experiment_dashboard.html", context)


def _csv(report: dict) -> HttpResponse:
    out = io.StringIO()
    writer = SafeWriter(out)
    rate_columns = [f"{kind}_rate_per_user" for kind in RATES] + [f"{kind}_events_per_list" for kind in RATES]
    writer.writerow(["day", "variant", *COUNTS, *rate_columns])
    for row in report["by_day"]:
        writer.writerow([row["day"], row["variant"], *[row[c] for c in COUNTS], *[row[c] for c in rate_columns]])
    response = HttpResponse(csv_bytes(out.getvalue()), content_type="text/csv; charset=utf-8")  # BOM: Excel
    response["Content-Disposition"] = (
        f'attachment; filename="experiment-{report["slot"]}-{report["from"]}-{report["to"]}.csv"'
    )
    return response
