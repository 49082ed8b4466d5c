from django.urls import path, re_path

from curation import api as curation_api
from recommendations.api import catalog, events, experiments, not_found, recommendations, users

urlpatterns = [
    path("events", events.EventBatchIngestApi.as_view(), name="events-ingest"),
    path("shops", catalog.ShopUpsertApi.as_view(), name="shops-upsert"),
    path("items", catalog.ItemUpsertApi.as_view(), name="items-upsert"),
    path("users", catalog.UserUpsertApi.as_view(), name="users-upsert"),
    path("users/<str:user_id>", users.UserEraseApi.as_view(), name="user-erase"),
    path(
        "users/<str:user_id>/recommendations/items",
        recommendations.UserItemsApi.as_view(),
        name="recommendations-items",
    ),
    path(
        "users/<str:user_id>/recommendations/shops",
        recommendations.UserShopsApi.as_view(),
        name="recommendations-shops",
    ),
    path(
        "users/<str:user_id>/recommendations/features",
        recommendations.UserFeaturesApi.as_view(),
        name="recommendations-features",
    ),
    path("ng/items", curation_api.NgItemListApi.as_view(), name="ng-items"),
    path("ng/items/<str:target_id>", curation_api.NgItemApi.as_view(), name="ng-item"),
    path("ng/shops", curation_api.NgShopListApi.as_view(), name="ng-shops"),
    path("ng/shops/<str:target_id>", curation_api.NgShopApi.as_view(), name="ng-shop"),
    path("experiments/<str:slot>/report", experiments.ExperimentReportApi.as_view(), name="experiment-report"),
    path("items/<str:item_id>/similar", recommendations.SimilarItemsApi.as_view(), name="similar-items"),
    path("shops/<str:shop_id>/similar", recommendations.SimilarShopsApi.as_view(), name="similar-shops"),
    path("users/<str:user_id>/recommendations/<str:slot>", not_found.UnknownPathApi.as_view(), name="unknown-slot"),
    re_path(r"^.*$", not_found.UnknownPathApi.as_view(), name="unknown-path"),
]
