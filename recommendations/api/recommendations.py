"""GET endpoints the app calls to show recommendations; the pipeline lives in services/serving."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recommendations.api import serializers as s
from recommendations.api.query import query_values
from recommendations.models import Scope
from recommendations.services.serving.features import features_for_user_response
from recommendations.services.serving.pipeline import recommend
from recommendations.services.serving.result import Recommendation
from recommendations.services.serving.similar import similar_items


def _body(result: Recommendation, id_field: str) -> dict:
    return {
        "recommendation_id": result.recommendation_id,
        "slot": result.slot,
        "variant": result.variant,
        "algorithm": result.algorithm,
        "model_version": result.model_version,
        "offset": result.offset,
        "total": result.total,
        "items": [
            {
                id_field: result.external_ids.get(entry.key, ""),
                "rank": result.offset + i + 1,
                "score": round(entry.score, 6),
                "source": entry.source,
            }
            for i, entry in enumerate(result.entries)
        ],
    }


class UserRecommendationsApi(APIView):
    """The items and shops endpoints differ only in their slot."""

    required_scopes = [Scope.RECOMMENDATIONS_READ]
    slot = "items"

    def get(self, request: Request, user_id: str) -> Response:
        query = query_values(request.query_params, s.RecommendationQuerySerializer)
        rid = query.get("recommendation_id")
        result = recommend(
            self.slot,
            user_id,
            limit=query.get("limit"),
            offset=query["offset"],
            session_id=query["session_id"],
            recommendation_id=str(rid) if rid else None,
            explain=False,
        )
        return Response(_body(result, "item_id" if self.slot == "items" else "shop_id"))


_PIPELINE = (
    "Ranked for the user's experiment variant, re-ranked by their current session, with NG items and shops, "
    "unpublished and sold-out items and what they bought or turned down removed, per-shop cap, pins, boosts "
    "and buries applied. An unknown user gets segment popularity, never a 404. Page with `offset` and the "
    "`recommendation_id` of the first page."
)


@extend_schema_view(
    get=extend_schema(
        operation_id="user_recommended_items",
        summary="Recommended items for a user",
        description=_PIPELINE,
        parameters=[s.RecommendationQuerySerializer],
        responses={200: s.RecommendationSerializer, 400: s.ErrorSerializer},
        tags=["recommendations"],
    )
)
class UserItemsApi(UserRecommendationsApi):
    slot = "items"


@extend_schema_view(
    get=extend_schema(
        operation_id="user_recommended_shops",
        summary="Recommended shops for a user",
        description=_PIPELINE + " Entries carry `shop_id` instead of `item_id`.",
        parameters=[s.RecommendationQuerySerializer],
        responses={200: s.RecommendationSerializer, 400: s.ErrorSerializer},
        tags=["recommendations"],
    )
)
class UserShopsApi(UserRecommendationsApi):
    slot = "shops"


class UserFeaturesApi(APIView):
    required_scopes = [Scope.RECOMMENDATIONS_READ]

    @extend_schema(
        operation_id="user_features",
        summary="Themed features for a user",
        description="Published, in-schedule features ordered by the user's affinity to their items.",
        responses={200: s.FeatureListSerializer},
        tags=["recommendations"],
    )
    def get(self, request: Request, user_id: str) -> Response:
        return Response(features_for_user_response(user_id))


class SimilarItemsApi(APIView):
    required_scopes = [Scope.RECOMMENDATIONS_READ]

    @extend_schema(
        operation_id="similar_items",
        summary="Items similar to an item",
        description=(
            "Items viewed in the same sessions (co-visitation), then popular items of the same category; with the "
            "same NG, stock and (given user_id) purchase filters as the user lists. 404 for an unknown item."
        ),
        parameters=[s.SimilarQuerySerializer, OpenApiParameter("item_id", str, OpenApiParameter.PATH)],
        responses={200: s.RecommendationSerializer, 400: s.ErrorSerializer, 404: s.ErrorSerializer},
        tags=["recommendations"],
    )
    def get(self, request: Request, item_id: str) -> Response:
        query = query_values(request.query_params, s.SimilarQuerySerializer)
        return Response(_body(similar_items(item_id, limit=query["limit"], user_id=query["user_id"]), "item_id"))
