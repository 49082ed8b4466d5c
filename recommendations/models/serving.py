"""How each slot is served: its size, per-shop cap and experiment variants; and what was served."""

from __future__ import annotations

import numpy as np
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalog import AppUser
from .slots import CONFIGURED_SLOTS, Slot, slot_choices
from .training import ALGORITHM_CHOICES, ModelVersion

# What a variant may serve from: recsite's own algorithms, and Amazon Personalize's campaign.
SERVING_ALGORITHM_CHOICES = [*ALGORITHM_CHOICES, ("personalize", "personalize (Amazon Personalize campaign)")]

# Chain entries beyond our own algorithms (Amazon Personalize arrives with its own issue).
DEFAULT_FALLBACKS = ["segment_popularity", "popularity"]


class SlotConfig(models.Model):
    """One slot of the app: what a request gets when it does not say otherwise, and its experiment."""

    slot = models.CharField(max_length=16, choices=slot_choices(CONFIGURED_SLOTS), unique=True)
    size = models.PositiveSmallIntegerField(default=20, help_text="Entries returned when the app sends no limit.")
    per_shop_cap = models.PositiveSmallIntegerField(
        default=2, help_text="At most this many items of one shop in a list (0: no cap). Items slot only."
    )
    experiment = models.CharField(
        max_length=64,
        default="default",
        help_text="Users are split among the variants by a hash of (user, this name): renaming it reshuffles them.",
    )

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["slot"]
        permissions = [("view_experiment", "Can view experiment dashboards and reports")]

    def __str__(self) -> str:
        return self.get_slot_display()


class Variant(models.Model):
    """An arm of a slot's experiment: a main algorithm and the chain it falls back along."""

    slot = models.ForeignKey(SlotConfig, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(max_length=32, help_text="Short, e.g. A or B; reported with every response.")
    algorithm = models.CharField(max_length=32, choices=SERVING_ALGORITHM_CHOICES)
    fallbacks = models.JSONField(
        default=list,
        blank=True,
        help_text='Algorithms tried in order when the main one has nothing for the user, e.g. ["segment_popularity", '
        '"popularity"].',
    )
    weight = models.PositiveIntegerField(
        default=1, help_text="Share of users, relative to the other variants (0: off)."
    )

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["slot", "name"]
        constraints = [models.UniqueConstraint(fields=["slot", "name"], name="one_variant_name_per_slot")]

    def __str__(self) -> str:
        return f"{self.slot.slot} {self.name} ({self.algorithm})"

    @property
    def chain(self) -> list[str]:
        # read also while a form shows fallbacks that failed their check (any JSON): names only
        fallbacks = self.fallbacks if isinstance(self.fallbacks, list) else []
        return [self.algorithm, *[a for a in fallbacks if isinstance(a, str) and a != self.algorithm]]

    def clean(self) -> None:
        known = {name for name, _label in SERVING_ALGORITHM_CHOICES}
        if not isinstance(self.fallbacks, list) or not all(isinstance(a, str) for a in self.fallbacks):
            raise ValidationError(
                {"fallbacks": 'A list of algorithm names, e.g. ["segment_popularity", "popularity"].'}
            )
        unknown = [a for a in self.fallbacks if a not in known]
        if unknown:
            raise ValidationError(
                {"fallbacks": f"Unknown algorithm(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}."}
            )


class VariantPin(models.Model):
    """Staff put a user on one variant of a slot, whatever the hash says (for QA and demos)."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="pinned_users")
    user = models.ForeignKey(AppUser, on_delete=models.CASCADE, related_name="+")
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("user pinned to a variant")
        verbose_name_plural = _("users pinned to a variant")
        constraints = [models.UniqueConstraint(fields=["user", "variant"], name="one_pin_per_user_variant")]

    def __str__(self) -> str:
        return f"user {self.user_id} on {self.variant}"


class Impression(models.Model):
    """One page of recommendations as served: what later events are attributed to."""

    recommendation_id = models.UUIDField(db_index=True)
    # A read never creates a user: a page served to an id recsite has no user for keeps the id in
    # user_ref instead (attributed once their events create the user; erased with them)
    user = models.ForeignKey(AppUser, on_delete=models.CASCADE, related_name="+", db_index=False, null=True)
    user_ref = models.CharField(max_length=128, blank=True, db_default="", help_text="The user's id, when unknown.")
    slot = models.CharField(max_length=16, choices=Slot.choices)
    variant = models.CharField(max_length=32, blank=True)
    algorithm = models.CharField(max_length=32, blank=True, help_text="What proposed the first entry.")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    offset = models.PositiveIntegerField(default=0)
    keys = models.BinaryField(help_text="Item (or shop) keys in the order shown, packed int64.")
    served_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("impression")
        verbose_name_plural = _("impressions")
        indexes = [
            models.Index(fields=["user", "-served_at"], name="impression_user_latest"),
            models.Index(fields=["served_at"], name="impression_served_at"),
            models.Index(fields=["user_ref"], name="impression_user_ref", condition=~models.Q(user_ref="")),
        ]

    def __str__(self) -> str:
        who = self.user_id if self.user_id is not None else self.user_ref
        return f"{self.slot} {self.variant} for user {who} at {self.served_at:%Y-%m-%d %H:%M}"

    @property
    def shown(self) -> list[int]:
        return np.frombuffer(bytes(self.keys), dtype="<i8").tolist()
