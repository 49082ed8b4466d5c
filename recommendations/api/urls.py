from django.urls import path

from recommendations.api import catalog, events, recommendations, users

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
    path("items/<str:item_id>/similar", recommendations.SimilarItemsApi.as_view(), name="similar-items"),
]
