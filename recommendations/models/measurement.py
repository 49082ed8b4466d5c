"""Daily roll-ups of what each slot's variants served and what followed: the dashboard reads only these."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExperimentDay(models.Model):
    """One day of one slot's variant (and the algorithm that supplied its lists): what was served and
    the events attributed to it (docs/measurement.md)."""

    day = models.DateField(_("day"))
    slot = models.CharField(_("slot"), max_length=16)
    variant = models.CharField(_("variant"), max_length=32)
    algorithm = models.CharField(_("algorithm"), max_length=32)
    lists = models.PositiveIntegerField(
        _("lists"), default=0, help_text=_("Distinct recommendations (recommendation ids) served.")
    )
    pages = models.PositiveIntegerField(
        _("pages"), default=0, help_text=_("Pages served, later pages of a list included.")
    )
    items_shown = models.PositiveIntegerField(_("items shown"), default=0)
    users = models.PositiveIntegerField(
        _("users"), default=0, help_text=_("Users served that day (the unit of the rates).")
    )
    view_events = models.PositiveIntegerField(_("view events"), default=0)
    view_users = models.PositiveIntegerField(_("view users"), default=0)
    view_items = models.PositiveIntegerField(_("view items"), default=0)
    favorite_events = models.PositiveIntegerField(_("favorite events"), default=0)
    favorite_users = models.PositiveIntegerField(_("favorite users"), default=0)
    favorite_items = models.PositiveIntegerField(_("favorite items"), default=0)
    cart_add_events = models.PositiveIntegerField(_("cart add events"), default=0)
    cart_add_users = models.PositiveIntegerField(_("cart add users"), default=0)
    cart_add_items = models.PositiveIntegerField(_("cart add items"), default=0)
    purchase_events = models.PositiveIntegerField(_("purchase events"), default=0)
    purchase_users = models.PositiveIntegerField(_("purchase users"), default=0)
    purchase_items = models.PositiveIntegerField(_("purchase items"), default=0)
    not_interested_events = models.PositiveIntegerField(_("not interested events"), default=0)
    not_interested_users = models.PositiveIntegerField(_("not interested users"), default=0)
    not_interested_items = models.PositiveIntegerField(_("not interested items"), default=0)
    revenue = models.DecimalField(
        _("revenue"), max_digits=16, decimal_places=2, default=0, help_text=_("Value of the attributed purchases.")
    )
    explored_shown = models.PositiveIntegerField(
        _("new items shown"), default=0, help_text=_("Items shown at exploration positions.")
    )
    explored_view_events = models.PositiveIntegerField(
        _("new item views"), default=0, help_text=_("Views attributed to items at exploration positions.")
    )
    explored_purchase_events = models.PositiveIntegerField(
        _("new item purchases"), default=0, help_text=_("Purchases attributed to items at exploration positions.")
    )
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "slot", "variant", "algorithm"], name="one_rollup_per_day_variant")
        ]
        indexes = [models.Index(fields=["slot", "day"], name="rollup_slot_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.slot} {self.variant} ({self.algorithm})"


class ExperimentUserDay(models.Model):
    """One user's day in one slot's variant: the lists served and the events attributed to the variant.
    The report's unit: users over a range, each counted once per variant (docs/measurement.md)."""

    day = models.DateField(_("day"))
    slot = models.CharField(_("slot"), max_length=16)
    variant = models.CharField(_("variant"), max_length=32)
    # the user's database key; a user recsite did not know when served: minus a hash of their id
    user_key = models.BigIntegerField(_("user key"))
    lists = models.PositiveIntegerField(_("lists"), default=0)
    view_events = models.PositiveIntegerField(_("view events"), default=0)
    favorite_events = models.PositiveIntegerField(_("favorite events"), default=0)
    cart_add_events = models.PositiveIntegerField(_("cart add events"), default=0)
    purchase_events = models.PositiveIntegerField(_("purchase events"), default=0)
    not_interested_events = models.PositiveIntegerField(_("not interested events"), default=0)
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("experiment user-day")
        verbose_name_plural = _("experiment user-days")
        constraints = [
            models.UniqueConstraint(fields=["day", "slot", "variant", "user_key"], name="one_rollup_per_user_day")
        ]
        indexes = [
            models.Index(fields=["slot", "day"], name="user_rollup_slot_day"),
            models.Index(fields=["user_key"], name="user_rollup_user"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.slot} {self.variant} {self.user_key}"


class RollupWatermark(models.Model):
    """How far the incremental roll-up has read: events received and impressions served up to `until`."""

    name = models.CharField(_("name"), max_length=32, unique=True)
    until = models.DateTimeField(_("until"))

    def __str__(self) -> str:
        return f"{self.name} up to {self.until}"
