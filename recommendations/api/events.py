from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recommendations.api import serializers as s
from recommendations.api.batch_body import batch_rows
from recommendations.models import Scope
from recommendations.services.event_ingest import event_batch_ingest


class EventBatchIngestApi(APIView):
    required_scopes = [Scope.EVENTS_WRITE]

    @extend_schema(
        operation_id="events_ingest",
        summary="Send a batch of interaction events",
        description=(
            "Up to 1,000 events. The batch is stored whole or not at all: any invalid event rejects it with 400 "
            "and a list of {index, field, message}. Retrying a batch is safe: events whose event_id is already "
            "stored are counted as duplicates and skipped. Unknown users are created; unknown items are errors."
        ),
        request=s.EventBatchSerializer,
        responses={200: s.EventBatchResultSerializer, 400: s.ErrorSerializer},
        tags=["events"],
    )
    def post(self, request: Request) -> Response:
        result = event_batch_ingest(batch_rows(request.data, "events"))
        return Response(
            {"stored": result.stored, "duplicates": result.duplicates, "users_created": result.users_created}
        )
