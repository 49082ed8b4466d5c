from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recommendations.api import serializers as s
from recommendations.api.batch_body import batch_rows
from recommendations.models import Scope
from recommendations.services.catalog_upsert import ITEMS, SHOPS, USERS, CatalogEntity, catalog_upsert

_UPSERT_DESCRIPTION = (
    "Creates rows for new ids and updates the given fields of known ones; fields left out keep their "
    "value. Up to 1,000 rows; the batch is saved whole or not at all, and a rejected batch answers 400 "
    "with every problem as {index, field, message}."
)


class _CatalogUpsertApi(APIView):
    required_scopes = [Scope.CATALOG_WRITE]
    entity: CatalogEntity

    def post(self, request: Request) -> Response:
        result = catalog_upsert(self.entity, batch_rows(request.data, self.entity.what))
        return Response({"created": result.created, "updated": result.updated})


def _schema(what: str, request: type) -> extend_schema:
    return extend_schema(
        operation_id=f"{what}_upsert",
        summary=f"Create or update {what}",
        description=_UPSERT_DESCRIPTION,
        request=request,
        responses={200: s.UpsertResultSerializer, 400: s.ErrorSerializer},
        tags=["catalog"],
    )


class ShopUpsertApi(_CatalogUpsertApi):
    entity = SHOPS

    @_schema("shops", s.ShopBatchSerializer)
    def post(self, request: Request) -> Response:
        return super().post(request)


class ItemUpsertApi(_CatalogUpsertApi):
    entity = ITEMS

    @_schema("items", s.ItemBatchSerializer)
    def post(self, request: Request) -> Response:
        return super().post(request)


class UserUpsertApi(_CatalogUpsertApi):
    entity = USERS

    @_schema("users", s.UserBatchSerializer)
    def post(self, request: Request) -> Response:
        return super().post(request)
