"""How each slot is served: its size, per-shop cap and experiment variants; and what was served."""

from __future__ import annotations

import numpy as np
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
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

    slot = models.CharField(_("slot"), max_length=16, choices=slot_choices(CONFIGURED_SLOTS), unique=True)
    size = models.PositiveSmallIntegerField(
        _("size"), default=20, help_text=_("Entries returned when the app sends no limit.")
    )
    per_shop_cap = models.PositiveSmallIntegerField(
        _("per shop cap"),
        default=2,
        help_text=_("At most this many items of one shop in a list (0: no cap). Items slot only."),
    )
    experiment = models.CharField(
        _("experiment"),
        max_length=64,
        default="default",
        help_text=_("Users are split among the variants by a hash of (user, this name): renaming it reshuffles them."),
    )
    per_category_cap = models.PositiveSmallIntegerField(
        _("per category cap"),
        default=0,
        validators=[MaxValueValidator(200)],
        help_text=_(
            "At most this many items of one top-level category in a list, for variety (0: no cap). Items slot only."
        ),
    )
    exploration_share = models.PositiveSmallIntegerField(
        _("exploration share (%)"),
        default=0,
        validators=[MaxValueValidator(50)],
        help_text=_(
            "Share of positions given to new items, chosen for the user by what they are like (0: none, at most "
            "50). Items slot only."
        ),
    )
    exploration_after = models.PositiveSmallIntegerField(
        _("exploration starts after position"),
        default=3,
        validators=[MaxValueValidator(200)],
        help_text=_("The first this many positions are never given to exploration."),
    )
    new_item_days = models.PositiveSmallIntegerField(
        _("new for (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("An item listed within this many days counts as new for exploration."),
    )
    fatigue_shows = models.PositiveSmallIntegerField(
        _("fatigue after (shows)"),
        default=0,
        validators=[MaxValueValidator(1000)],
        help_text=_(
            "An item shown to a user this many times within the fatigue window without being opened moves to "
            "the end of their list (0: off). Items slot only."
        ),
    )
    fatigue_days = models.PositiveSmallIntegerField(
        _("fatigue window (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("The days the shows above are counted over."),
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

    slot = models.ForeignKey(SlotConfig, verbose_name=_("slot"), on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(_("name"), max_length=32, help_text=_("Short, e.g. A or B; reported with every response."))
    algorithm = models.CharField(_("algorithm"), max_length=32, choices=SERVING_ALGORITHM_CHOICES)
    fallbacks = models.JSONField(
        _("fallbacks"),
        default=list,
        blank=True,
        help_text=_(
            'Algorithms tried in order when the main one has nothing for the user, e.g. ["segment_popularity", '
            '"popularity"].'
        ),
    )
    weight = models.PositiveIntegerField(
        _("weight"), default=1, help_text=_("Share of users, relative to the other variants (0: off).")
    )

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["slot", "name"]
        constraints = [models.UniqueConstraint(fields=["slot", "name"], name="one_variant_name_per_slot")]

    def __str__(self) -> str:
        return f"{self.slot.get_slot_display()} {self.name} ({self.algorithm})"

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

    variant = models.ForeignKey(
        Variant, verbose_name=_("variant"), on_delete=models.CASCADE, related_name="pinned_users"
    )
    user = models.ForeignKey(AppUser, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("user pinned to a variant")
        verbose_name_plural = _("users pinned to a variant")
        constraints = [models.UniqueConstraint(fields=["user", "variant"], name="one_pin_per_user_variant")]

    def __str__(self) -> str:
        return gettext("user %(user)s on %(variant)s") % {"user": self.user_id, "variant": self.variant}


class Impression(models.Model):
    """One page of recommendations as served: what later events are attributed to."""

    recommendation_id = models.UUIDField(_("recommendation id"), db_index=True)
    # A read never creates a user: a page served to an id recsite has no user for keeps the id in
    # user_ref instead (attributed once their events create the user; erased with them)
    user = models.ForeignKey(
        AppUser, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+", db_index=False, null=True
    )
    user_ref = models.CharField(
        _("user ref"), max_length=128, blank=True, db_default="", help_text=_("The user's id, when unknown.")
    )
    slot = models.CharField(_("slot"), max_length=16, choices=Slot.choices)
    variant = models.CharField(_("variant"), max_length=32, blank=True)
    algorithm = models.CharField(
        _("algorithm"), max_length=32, blank=True, help_text=_("What proposed the first entry.")
    )
    model_version = models.ForeignKey(
        ModelVersion,
        verbose_name=_("model version"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    offset = models.PositiveIntegerField(_("offset"), default=0)
    keys = models.BinaryField(_("keys"), help_text=_("Item (or shop) keys in the order shown, packed int64."))
    explored = models.BinaryField(
        _("explored"),
        db_default=b"",
        blank=True,
        help_text=_("The keys among them shown at exploration positions (new items), packed int64."),
    )
    served_at = models.DateTimeField(_("served at"), default=timezone.now)

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
        return gettext("%(slot)s %(variant)s for user %(user)s") % {
            "slot": self.get_slot_display(),
            "variant": self.variant,
            "user": who,
        }

    @property
    def shown(self) -> list[int]:
        return np.frombuffer(bytes(self.keys), dtype="<i8").tolist()

    @property
    def explored_keys(self) -> list[int]:
        """The keys shown at exploration positions."""
        return np.frombuffer(bytes(self.explored or b""), dtype="<i8").tolist()
