"""GET endpoints the app calls to show recommendations; every slot runs the one pipeline in services/serving."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recommendations.api import serializers as s
from recommendations.api.query import path_id, query_values
from recommendations.models import Scope
from recommendations.services.serving.pipeline import recommend
from recommendations.services.serving.request_filter import request_filter
from recommendations.services.serving.result import Recommendation


def _head(result: Recommendation) -> dict:
    return {
        "recommendation_id": result.recommendation_id,
        "slot": result.slot,
        "variant": result.variant,
        "algorithm": result.algorithm,
        "model_version": result.model_version,
        "offset": result.offset,
        "total": result.total,
    }


def _entries(result: Recommendation, id_field: str, fields: list[str] | None = None) -> list[dict]:
    # an answer from memory (the database down) has no details: the fields asked for are sent as null
    missing = dict.fromkeys(fields or ())
    details = result.details if fields else {}
    return [
        {
            id_field: result.external_ids.get(entry.key, ""),
            "rank": result.offset + i + 1,
            "score": round(entry.score, 6),
            "source": entry.source,
            **details.get(entry.key, missing),
        }
        for i, entry in enumerate(result.entries)
    ]


def _body(result: Recommendation, fields: list[str] | None = None) -> dict:
    """The JSON of a page: items (items, similar), shops, or features with their items."""
    if result.slot == "features":
        features = [
            {
                "feature_id": result.external_ids.get(entry.key, ""),
                "title": details["title"],
                "description": details["description"],
                "cover_image_url": details["cover_image_url"],
                "rank": result.offset + i + 1,
                "affinity": round(entry.score, 3),
                "items": [{"item_id": item, "rank": n} for n, item in enumerate(details["items"], start=1)],
            }
            for i, entry in enumerate(result.entries)
            if (details := result.details.get(entry.key))
        ]
        return {**_head(result), "features": features}
    if result.slot == "similar_shops":
        return {**_head(result), "shops": _entries(result, "shop_id")}
    if result.slot == "shops":
        shops = _entries(result, "shop_id")
        # `items` repeats the shops for API v1 clients written before the `shops` key (docs/api.md)
        return {**_head(result), "shops": shops, "items": shops}
    return {**_head(result), "items": _entries(result, "item_id", fields)}


class UserRecommendationsApi(APIView):
    """The items, shops and features endpoints differ only in their slot."""

    required_scopes = [Scope.RECOMMENDATIONS_READ]
    slot = "items"
    query_serializer: type[serializers.Serializer] = s.RecommendationQuerySerializer

    def get(self, request: Request, user_id: str) -> Response:
        query = query_values(request.query_params, self.query_serializer)
        rid = query.get("recommendation_id")
        result = recommend(
            self.slot,
            path_id(user_id, "user_id"),
            limit=query.get("limit"),
            offset=query["offset"],
            session_id=query["session_id"],
            recommendation_id=str(rid) if rid else None,
            filters=request_filter(query, slot=self.slot),
            fields=tuple(query.get("fields") or ()),
            explain=False,
        )
        return Response(_body(result, query.get("fields")))


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
        parameters=[s.ItemRecommendationQuerySerializer],
        responses={200: s.RecommendationSerializer, 400: s.ErrorSerializer, 503: s.ErrorSerializer},
        tags=["recommendations"],
    )
)
class UserItemsApi(UserRecommendationsApi):
    slot = "items"
    query_serializer = s.ItemRecommendationQuerySerializer


@extend_schema_view(
    get=extend_schema(
        operation_id="user_recommended_shops",
        summary="Recommended shops for a user",
        description=_PIPELINE + " Entries are under `shops` and carry `shop_id` (`items` repeats them for v1 clients).",
        parameters=[s.ShopRecommendationQuerySerializer],
        responses={200: s.ShopRecommendationSerializer, 400: s.ErrorSerializer, 503: s.ErrorSerializer},
        tags=["recommendations"],
    )
)
class UserShopsApi(UserRecommendationsApi):
    slot = "shops"
    query_serializer = s.ShopRecommendationQuerySerializer


@extend_schema_view(
    get=extend_schema(
        operation_id="user_features",
        summary="Themed features for a user",
        description=(
            "Published, in-schedule features with at least one item that may be shown (NG for the features slot, "
            "stock), ordered by the user's affinity to their items, each with its first items. Page with `offset` "
            "and the `recommendation_id` of the first page, as for items."
        ),
        parameters=[s.RecommendationQuerySerializer],
        responses={200: s.FeatureListSerializer, 400: s.ErrorSerializer, 503: s.ErrorSerializer},
        tags=["recommendations"],
    )
)
class UserFeaturesApi(UserRecommendationsApi):
    slot = "features"


class _AboutOneApi(APIView):
    """Similar items and similar shops: a list about one item or shop, for an optional user."""

    required_scopes = [Scope.RECOMMENDATIONS_READ]
    slot = "similar"
    query_serializer: type[serializers.Serializer] = s.SimilarQuerySerializer
    subject_field = "item_id"
    filter_slot = "items"  # what `exclude` names

    def answer(self, request: Request, subject: str) -> Response:
        query = query_values(request.query_params, self.query_serializer)
        rid = query.get("recommendation_id")
        result = recommend(
            self.slot,
            query["user_id"],
            item_id=path_id(subject, self.subject_field),
            limit=query["limit"],
            offset=query["offset"],
            recommendation_id=str(rid) if rid else None,
            filters=request_filter(query, slot=self.filter_slot),
            fields=tuple(query.get("fields") or ()),
            explain=False,
        )
        return Response(_body(result, query.get("fields")))


class SimilarItemsApi(_AboutOneApi):
    @extend_schema(
        operation_id="similar_items",
        summary="Items similar to an item",
        description=(
            "Items viewed in the same sessions (co-visitation), then items alike in title, category, shop and price "
            "(content), then popular items of its category from the finest level up, to the limit asked; with the "
            "same NG, stock and (given user_id) purchase filters as the user lists. 404 for an unknown item. "
            "Given user_id, the page is logged as an impression of the `similar` slot and later pages come from "
            "`recommendation_id` with `offset`."
        ),
        parameters=[s.SimilarQuerySerializer, OpenApiParameter("item_id", str, OpenApiParameter.PATH)],
        responses={200: s.RecommendationSerializer, 400: s.ErrorSerializer, 404: s.ErrorSerializer},
        tags=["recommendations"],
    )
    def get(self, request: Request, item_id: str) -> Response:
        return self.answer(request, item_id)


class SimilarShopsApi(_AboutOneApi):
    slot = "similar_shops"
    query_serializer = s.SimilarShopsQuerySerializer
    subject_field = "shop_id"
    filter_slot = "shops"

    @extend_schema(
        operation_id="similar_shops",
        summary="Shops similar to a shop",
        description=(
            "Shops whose items are viewed in the same sessions as this shop's, then shops selling alike items, then "
            "the popular shops of its main category and of all, to the limit asked; NG shops and `exclude` left "
            "out. 404 for an unknown shop. Given user_id, the page is logged as an impression of the "
            "`similar_shops` slot and later pages come from `recommendation_id` with `offset`."
        ),
        parameters=[s.SimilarShopsQuerySerializer, OpenApiParameter("shop_id", str, OpenApiParameter.PATH)],
        responses={200: s.SimilarShopsSerializer, 400: s.ErrorSerializer, 404: s.ErrorSerializer},
        tags=["recommendations"],
    )
    def get(self, request: Request, shop_id: str) -> Response:
        return self.answer(request, shop_id)
