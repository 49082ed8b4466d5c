"""What app users did with items: the raw material every recommender learns from."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .catalog import AppUser, Item


class EventType(models.TextChoices):
    VIEW = "view", _("View")
    FAVORITE = "favorite", _("Favorite")
    CART_ADD = "cart_add", _("Add to cart")
    PURCHASE = "purchase", _("Purchase")
    NOT_INTERESTED = "not_interested", _("Not interested")


class Event(models.Model):
    event_id = models.UUIDField(
        _("event id"), unique=True, help_text=_("Made by the client; a retried event is stored once.")
    )
    # No single-column index: event_user_latest (user, -occurred_at) serves every lookup by user.
    user = models.ForeignKey(
        AppUser, verbose_name=_("user"), on_delete=models.CASCADE, related_name="events", db_index=False
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="events")
    session_id = models.CharField(_("session id"), max_length=128, blank=True)
    type = models.CharField(_("type"), max_length=16, choices=EventType.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    recommendation_id = models.CharField(
        _("recommendation id"),
        max_length=64,
        blank=True,
        help_text=_("The recommendation this event followed, for attribution."),
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    value = models.DecimalField(
        _("purchase value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("What a purchase was worth (all its units), in its currency."),
    )
    # a database default too: bulk loaders that COPY the older columns only (bench/, the data team's) still work
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, default="", db_default="", help_text=_("ISO 4217, e.g. JPY.")
    )
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)

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
        return gettext("%(type)s of item %(item)s by user %(user)s") % {
            "type": self.get_type_display(),
            "item": self.item_id,
            "user": self.user_id,
        }
