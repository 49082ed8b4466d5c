"""The loop end to end: demo data -> training -> the API serves, reacts to a new event, keeps NG out."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from curation.models import NgItem
from recommendations.models import AppUser, Impression, Item, ItemNeighbours, ModelVersion, Scope, Variant

pytestmark = pytest.mark.django_db


def test_trained_models_are_served_and_follow_what_the_user_just_did(make_client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("generate_demo", shops=20, items=300, users=300, days=20, seed=3, verbosity=0)
    call_command("train", "segment_popularity", "item_knn", verbosity=0)
    Variant.objects.filter(slot__slot="items").update(algorithm="item_knn", weight=1)
    reader = make_client(Scope.RECOMMENDATIONS_READ)
    writer = make_client(Scope.EVENTS_WRITE)
    knn = ModelVersion.objects.get(algorithm="item_knn", is_live=True)
    user = AppUser.objects.filter(events__isnull=False).first()

    body = reader.get(f"/api/v1/users/{user.external_id}/recommendations/items", {"limit": 10}).json()
    assert body["algorithm"] == "item_knn" and body["model_version"] == knn.pk
    assert len(body["items"]) == 10
    served = [e["item_id"] for e in body["items"]]
    assert all(Item.objects.get(external_id=i).published and Item.objects.get(external_id=i).in_stock for i in served)

    # the merchandiser bans the top item; the user views an item with co-visited neighbours
    NgItem.objects.create(item=Item.objects.get(external_id=served[0]), reason="test")
    bought = set(user.events.filter(type__in=["purchase", "not_interested"]).values_list("item_id", flat=True))
    servable = set(Item.objects.filter(published=True, in_stock=True).values_list("pk", flat=True))
    viewed, neighbour = next(
        (lists, Item.objects.get(pk=lists.keys[0]))
        for lists in ItemNeighbours.objects.filter(version=knn).order_by("item_id")
        if lists.keys[0] in servable - bought and Item.objects.get(pk=lists.keys[0]).external_id != served[0]
    )
    response = writer.post(
        "/api/v1/events",
        {
            "events": [
                {
                    "event_id": str(uuid.uuid4()),
                    "user_id": user.external_id,
                    "item_id": Item.objects.get(pk=viewed.item_id).external_id,
                    "session_id": "now",
                    "type": "view",
                    "occurred_at": timezone.now().isoformat(),
                }
            ]
        },
        format="json",
    )
    assert response.status_code == 200
    again = reader.get(f"/api/v1/users/{user.external_id}/recommendations/items", {"limit": 60}).json()
    ids = [e["item_id"] for e in again["items"]]
    assert served[0] not in ids
    assert neighbour.external_id in ids[:20]  # the strongest neighbour of what they just viewed

    cold = reader.get("/api/v1/users/brand-new/recommendations/items", {"limit": 5}).json()
    assert cold["algorithm"] == "segment_popularity" and len(cold["items"]) == 5
    assert Impression.objects.count() == 3
