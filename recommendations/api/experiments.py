"""GET /api/v1/experiments/{slot}/report: the experiment report as JSON for BI tools."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recommendations.api.query import query_values
from recommendations.api.serializers import ErrorSerializer
from recommendations.errors import FieldError, ValidationFailed
from recommendations.models import Scope, Slot
from recommendations.services.measurement.report import experiment_report, report_range

# "from" is a Python keyword: the fields are given as a mapping
ReportQuerySerializer = type(
    "ReportQuerySerializer",
    (serializers.Serializer,),
    {
        "from": serializers.DateField(
            required=False,
            help_text="First day, 2000-01-01 or later and at most 365 days before 'to' (default: 13 days before).",
        ),
        "to": serializers.DateField(required=False, help_text="Last day, inclusive (default: today)."),
    },
)


def report_days(params: dict, *, ignore: tuple[str, ...] = ()) -> tuple[dt.date, dt.date]:
    """`from` and `to` of a report request (YYYY-MM-DD, inclusive), or ValidationFailed naming the bad one."""
    query = query_values(params, ReportQuerySerializer, ignore=ignore)
    return report_range(query.get("from"), query.get("to"), timezone.localdate())


class ExperimentReportApi(APIView):
    required_scopes = [Scope.REPORTS_READ]

    @extend_schema(
        operation_id="experiment_report",
        summary="A slot's experiment report",
        description=(
            "Per variant and per day: lists served, items shown, user-days, attributed views, favorites, cart adds "
            "and purchases with their rates; every pair of variants compared on each per-user rate (difference, 95% "
            "CI, p-value, verdict in words); sample-ratio mismatch; the live models' offline metrics; and per variant "
            "`exploration`: the new items shown at exploration positions, their views and purchases per item shown "
            "beside the rest of the list's. Read from the daily roll-ups (docs/measurement.md)."
        ),
        parameters=[
            OpenApiParameter("slot", str, OpenApiParameter.PATH, enum=list(Slot.reported())),
            ReportQuerySerializer,
        ],
        responses={200: dict, 400: ErrorSerializer},
        tags=["experiments"],
    )
    def get(self, request: Request, slot: str) -> Response:
        if slot not in Slot.reported():
            raise ValidationFailed(
                "The request is invalid.",
                [FieldError(None, "slot", f"'{slot[:40]}' is not a slot; use one of {', '.join(Slot.reported())}.")],
            )
        first, last = report_days(request.query_params)
        return Response(experiment_report(slot, first, last))
