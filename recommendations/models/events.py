"""What app users did with items: the raw material every recommender learns from."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalog import AppUser, Item


class EventType(models.TextChoices):
    VIEW = "view", "View"
    FAVORITE = "favorite", "Favorite"
    CART_ADD = "cart_add", "Add to cart"
    PURCHASE = "purchase", "Purchase"
    NOT_INTERESTED = "not_interested", "Not interested"


class Event(models.Model):
    event_id = models.UUIDField(unique=True, help_text="Made by the client; a retried event is stored once.")
    # No single-column index: event_user_latest (user, -occurred_at) serves every lookup by user.
    user = models.ForeignKey(AppUser, on_delete=models.CASCADE, related_name="events", db_index=False)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="events")
    session_id = models.CharField(max_length=128, blank=True)
    type = models.CharField(max_length=16, choices=EventType.choices)
    occurred_at = models.DateTimeField()
    recommendation_id = models.CharField(
        max_length=64, blank=True, help_text="The recommendation this event followed, for attribution."
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        # No default ordering: sorting millions of events must be asked for, never implied.
        indexes = [
            # "this user's latest events": session re-rank and the staff preview
            models.Index(fields=["user", "-occurred_at"], name="event_user_latest"),
            # "everything since T": training snapshots and metric roll-ups
            models.Index(fields=["occurred_at"], name="event_occurred_at"),
            # "what this user bought or turned down, ever": filtered out of every list they are served
            models.Index(
                fields=["user"], condition=Q(type__in=["purchase", "not_interested"]), name="event_user_excluding"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.item_id} by {self.user_id} at {self.occurred_at:%Y-%m-%d %H:%M}"
