"""GET /api/v1/experiments/{slot}/report: the experiment report as JSON for BI tools."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recommendations.api.serializers import ErrorSerializer
from recommendations.models import Scope
from recommendations.services.measurement.report import experiment_report

DEFAULT_DAYS = 14
MAX_DAYS = 366
SLOTS = ("items", "shops", "features")


def report_range(query: dict) -> tuple[dt.date, dt.date]:
    """`from` and `to` (YYYY-MM-DD, inclusive; default the last 14 days), or a 400 naming the bad one."""
    errors, days = {}, {}
    for name in ("from", "to"):
        raw = query.get(name)
        if raw:
            try:
                days[name] = dt.date.fromisoformat(raw)
            except ValueError:
                errors[name] = [f"'{raw[:20]}' is not a date like 2026-11-28."]
    if errors:
        raise serializers.ValidationError(errors)
    last = days.get("to") or dt.date.today()
    first = days.get("from") or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise serializers.ValidationError({"from": [f"{first} is after 'to' ({last})."]})
    if (last - first).days >= MAX_DAYS:
        raise serializers.ValidationError({"from": [f"at most {MAX_DAYS} days at a time."]})
    return first, last


class ExperimentReportApi(APIView):
    required_scopes = [Scope.REPORTS_READ]

    @extend_schema(
        operation_id="experiment_report",
        summary="A slot's experiment report",
        description=(
            "Per variant and per day: lists served, items shown, user-days, attributed views, favorites, cart adds "
            "and purchases with their rates; every pair of variants compared on each per-user rate (difference, 95% "
            "CI, p-value, verdict in words); sample-ratio mismatch; the live models' offline metrics. Read from the "
            "daily roll-ups (docs/measurement.md)."
        ),
        parameters=[
            OpenApiParameter("slot", str, OpenApiParameter.PATH, enum=list(SLOTS)),
            OpenApiParameter("from", dt.date, description="First day (default: 13 days before 'to')."),
            OpenApiParameter("to", dt.date, description="Last day, inclusive (default: today)."),
        ],
        responses={200: dict, 400: ErrorSerializer},
        tags=["experiments"],
    )
    def get(self, request: Request, slot: str) -> Response:
        if slot not in SLOTS:
            raise serializers.ValidationError({"slot": [f"'{slot}' is not a slot; use one of {', '.join(SLOTS)}."]})
        first, last = report_range(request.query_params)
        return Response(experiment_report(slot, first, last))
