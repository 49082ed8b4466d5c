"""NG sync API for the marketplace's trust-and-safety systems: PUT, DELETE and list NG items and shops."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from curation.models import SLOT_NAMES
from curation.selectors import KINDS, ng_entries, ng_entry_row
from curation.services.ng_lists import DATE_ONLY, ng_delete, ng_put
from recommendations.api.query import query_values
from recommendations.api.serializers import ErrorSerializer
from recommendations.models import Scope

# a date, or a date with a time after it; whether it is a real day and time the service checks
EXPIRY_SHAPE = rf"^{DATE_ONLY.pattern}([T ][0-9]{{2}}:[0-9]{{2}}[0-9:.+\-Z]*)?$"


class NgEntryBodySerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Shown to staff in the preview and the history.")
    expires_at = serializers.RegexField(
        EXPIRY_SHAPE,
        required=False,
        allow_null=True,
        help_text="ISO 8601 date-time with a zone, or a date (2026-12-31 or 2026/12/31: until the end of that day "
        "in the site's time zone).",
    )
    slots = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SLOT_NAMES)),
        required=False,
        help_text="Slots it applies to; leave out for every slot.",
    )


class NgEntrySerializer(serializers.Serializer):
    item_id = serializers.CharField(required=False)
    shop_id = serializers.CharField(required=False)
    reason = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    slots = serializers.ListField(child=serializers.CharField())
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    active = serializers.BooleanField(help_text="False once expired.")


class NgDeletedSerializer(serializers.Serializer):
    item_id = serializers.CharField(required=False)
    shop_id = serializers.CharField(required=False)
    deleted = serializers.BooleanField()


class NgListQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=10_000, default=1000, help_text="Entries to return.")
    offset = serializers.IntegerField(min_value=0, max_value=10**9, default=0, help_text="Entries to skip.")


class NgListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = NgEntrySerializer(many=True)


def _key_name(request: Request) -> str:
    return f"API key '{request.auth.name}'"


class NgEntryApi(APIView):
    required_scopes = [Scope.CURATION_WRITE]
    kind = "items"

    def put(self, request: Request, target_id: str) -> Response:
        body = request.data if isinstance(request.data, dict) else {}
        entry, created = ng_put(self.kind, target_id, dict(body), by=_key_name(request))
        return Response({**ng_entry_row(self.kind, entry), "created": created}, status=201 if created else 200)

    def delete(self, request: Request, target_id: str) -> Response:
        ng_delete(self.kind, target_id, by=_key_name(request))
        return Response({KINDS[self.kind].id_field: target_id, "deleted": True})


class NgListApi(APIView):
    required_scopes = [Scope.CURATION_WRITE]
    kind = "items"

    def get(self, request: Request) -> Response:
        query = query_values(request.query_params, NgListQuerySerializer)
        limit, offset = query["limit"], query["offset"]
        entries = ng_entries(self.kind)
        page = [ng_entry_row(self.kind, e) for e in entries[offset : offset + limit]]
        return Response({"count": entries.count(), "results": page})


def _entry_schema(kind: str) -> dict:
    target = OpenApiParameter(
        "target_id", str, OpenApiParameter.PATH, description=f"The {KINDS[kind].id_field} of the {kind[:-1]}."
    )
    return {
        "put": extend_schema(
            operation_id=f"ng_{kind}_put",
            summary=f"Put one of the {kind} on the NG list (or replace its entry)",
            description="201 when added, 200 when an existing entry was replaced. 404 for an unknown id.",
            parameters=[target],
            request=NgEntryBodySerializer,
            responses={200: NgEntrySerializer, 201: NgEntrySerializer, 400: ErrorSerializer, 404: ErrorSerializer},
            tags=["curation"],
        ),
        "delete": extend_schema(
            operation_id=f"ng_{kind}_delete",
            summary=f"Take one of the {kind} off the NG list",
            description="404 if it is not on the list.",
            parameters=[target],
            responses={200: NgDeletedSerializer, 404: ErrorSerializer},
            tags=["curation"],
        ),
    }


def _list_schema(kind: str) -> dict:
    return {
        "get": extend_schema(
            operation_id=f"ng_{kind}_list",
            summary=f"The NG list of {kind}",
            description="Newest first; expired entries are included, with active false, until removed.",
            parameters=[NgListQuerySerializer],
            responses={200: NgListSerializer, 400: ErrorSerializer},
            tags=["curation"],
        )
    }


@extend_schema_view(**_entry_schema("items"))
class NgItemApi(NgEntryApi):
    kind = "items"


@extend_schema_view(**_entry_schema("shops"))
class NgShopApi(NgEntryApi):
    kind = "shops"


@extend_schema_view(**_list_schema("items"))
class NgItemListApi(NgListApi):
    kind = "items"


@extend_schema_view(**_list_schema("shops"))
class NgShopListApi(NgListApi):
    kind = "shops"
