from django.urls import path

from recommendations.api import catalog, events, users

urlpatterns = [
    path("events", events.EventBatchIngestApi.as_view(), name="events-ingest"),
    path("shops", catalog.ShopUpsertApi.as_view(), name="shops-upsert"),
    path("items", catalog.ItemUpsertApi.as_view(), name="items-upsert"),
    path("users", catalog.UserUpsertApi.as_view(), name="users-upsert"),
    path("users/<str:user_id>", users.UserEraseApi.as_view(), name="user-erase"),
]
