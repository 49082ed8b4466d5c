"""What merchandisers set by hand: NG lists, pins, boosts and buries.

The serving pipeline reads these live (through its cached state, rebuilt on every change), so an
edit takes effect at the next request without retraining.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from recommendations.models import LIST_SLOTS, NG_SLOTS, Item, Shop, Slot, slot_choices

SLOT_NAMES = tuple(s.value for s in NG_SLOTS)  # the slots an NG entry can be scoped to
# An NG entry's expiry is at most this far ahead (an entry meant to last for good has none): far enough
# for any real date, near enough that no reader of the row meets the end of the calendar.
EXPIRY_MAX_YEARS = 100
EXPIRY_MAX_AHEAD = dt.timedelta(days=EXPIRY_MAX_YEARS * 365)


def ng_in_force(now: dt.datetime) -> Q:
    """NG entries that apply at `now`: no expiry, or one still ahead."""
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


class NgEntry(models.Model):
    reason = models.CharField(
        _("reason"), max_length=300, help_text=_("Why it must never be recommended; shown in the preview.")
    )
    slots = models.JSONField(
        _("slots"),
        default=list,
        blank=True,
        help_text=_('Slots it applies to, e.g. ["items"]; empty: every slot (items, shops, features).'),
    )
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("It stops applying by itself then. Empty: never.")
    )
    created_by = models.CharField(
        _("created by"), max_length=150, blank=True, help_text=_("The person or API key that added it.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        abstract = True

    def clean(self) -> None:
        unknown = [s for s in self.slots or [] if s not in SLOT_NAMES] if isinstance(self.slots, list) else [self.slots]
        if unknown:
            raise ValidationError(
                {
                    "slots": _("Unknown slot(s) %(unknown)s; use %(known)s (or none for all).")
                    % {"unknown": unknown, "known": ", ".join(SLOT_NAMES)}
                }
            )

    def scope(self) -> str:
        """The slots it applies to, by their names on screen; "all slots" when it names none."""
        if not self.slots or not isinstance(self.slots, list):
            return str(_("all slots"))
        labels = dict(slot_choices(NG_SLOTS))
        return ", ".join(str(labels.get(s, s)) for s in self.slots)


class NgItem(NgEntry):
    """An item never to recommend."""

    item = models.OneToOneField(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="ng_entry")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("NG item")
        verbose_name_plural = _("NG items")

    def __str__(self) -> str:
        return gettext("NG item %(item)s: %(reason)s") % {
            "item": self.item if self.item_id else "-",
            "reason": self.reason,
        }


class NgShop(NgEntry):
    """A shop none of whose items (nor the shop itself) is ever recommended."""

    shop = models.OneToOneField(Shop, verbose_name=_("shop"), on_delete=models.CASCADE, related_name="ng_entry")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("NG shop")
        verbose_name_plural = _("NG shops")

    def __str__(self) -> str:
        return gettext("NG shop %(shop)s: %(reason)s") % {
            "shop": self.shop if self.shop_id else "-",
            "reason": self.reason,
        }


class NgCategory(NgEntry):
    """A category path none of whose items (subcategories included) is ever recommended."""

    category_path = models.CharField(
        _("category path"),
        max_length=300,
        unique=True,
        help_text=_("e.g. 'Health > Supplements': covers everything under it too."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("NG category")
        verbose_name_plural = _("NG categories")

    def __str__(self) -> str:
        return gettext("NG category %(category)s: %(reason)s") % {"category": self.category_path, "reason": self.reason}


class Validity(models.Model):
    segment = models.CharField(
        _("segment"),
        max_length=200,
        blank=True,
        help_text=_(
            "Only for users of this segment, as segment lists name them: 'female', 'female|25-34' or "
            "'female|25-34|Kanto'. Empty: everyone."
        ),
    )
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True, help_text=_("Empty: from now on."))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True, help_text=_("Empty: until removed."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end must come after the start."})


class Pin(Validity):
    """Put an item (items slot) or a shop (shops slot) at a fixed position, 1 being the top."""

    slot = models.CharField(_("slot"), max_length=16, choices=slot_choices(LIST_SLOTS), default=Slot.ITEMS)
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    shop = models.ForeignKey(
        Shop, verbose_name=_("shop"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position"), help_text=_("1 is the first place."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pin")
        verbose_name_plural = _("pins")
        ordering = ["slot", "position"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(slot="items", item__isnull=False, shop__isnull=True))
                | (Q(slot="shops", shop__isnull=False, item__isnull=True)),
                name="pin_target_matches_slot",
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="pin_position_from_one"),
        ]

    def __str__(self) -> str:
        return gettext("pin of %(target)s at %(position)s in %(slot)s") % {
            "target": self.item or self.shop,
            "position": self.position,
            "slot": self.get_slot_display(),
        }

    def clean(self) -> None:
        super().clean()
        if self.slot == Slot.ITEMS and (self.item_id is None or self.shop_id is not None):
            raise ValidationError({"item": "A pin in the items slot names an item (and no shop)."})
        if self.slot == Slot.SHOPS and (self.shop_id is None or self.item_id is not None):
            raise ValidationError({"shop": "A pin in the shops slot names a shop (and no item)."})


class Boost(Validity):
    """Multiply the ranking weight of an item, a shop's items or a category's items: above 1 boosts, below 1 buries."""

    slot = models.CharField(_("slot"), max_length=16, choices=slot_choices(LIST_SLOTS), default=Slot.ITEMS)
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    shop = models.ForeignKey(
        Shop, verbose_name=_("shop"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    category_path = models.CharField(
        _("category path"), max_length=300, blank=True, help_text=_("Applies to this category and everything under it.")
    )
    factor = models.FloatField(_("factor"), help_text=_("2 doubles the weight, 0.5 halves it (a bury)."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("boost or bury")
        verbose_name_plural = _("boosts and buries")
        constraints = [
            models.CheckConstraint(condition=Q(factor__gt=0), name="boost_factor_positive"),
        ]

    def __str__(self) -> str:
        target = self.item or self.shop or self.category_path
        values = {"target": target, "factor": f"{self.factor or 0:g}", "slot": self.get_slot_display()}
        if self.factor is not None and self.factor < 1:
            return gettext("bury %(target)s x%(factor)s in %(slot)s") % values
        return gettext("boost %(target)s x%(factor)s in %(slot)s") % values

    def clean(self) -> None:
        super().clean()
        targets = [self.item_id is not None, self.shop_id is not None, bool(self.category_path)]
        if sum(targets) != 1:
            raise ValidationError("Name exactly one of item, shop or category path.")
        if self.slot == Slot.SHOPS and not self.shop_id:
            raise ValidationError({"shop": "In the shops slot only a shop can be boosted or buried."})


class Feature(models.Model):
    """A themed feature (特集): a title and a set of items, hand-picked and/or chosen by a rule."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, help_text=_("Its id in the API."))
    description = models.TextField(_("description"), blank=True)
    cover_image_url = models.URLField(_("cover image url"), max_length=500, blank=True)
    starts_at = models.DateTimeField(
        _("starts at"), null=True, blank=True, help_text=_("Shown from then; empty: as soon as published.")
    )
    ends_at = models.DateTimeField(
        _("ends at"), null=True, blank=True, help_text=_("Shown until then; empty: until unpublished.")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    rule_categories = models.JSONField(
        _("rule categories"),
        default=list,
        blank=True,
        help_text=_('Category paths, subcategories included, e.g. ["Home > Kitchen"].'),
    )
    rule_keywords = models.JSONField(
        _("rule keywords"), default=list, blank=True, help_text=_('Words of which the title has one, e.g. ["walnut"].')
    )
    rule_price_min = models.DecimalField(_("rule price min"), max_digits=12, decimal_places=2, null=True, blank=True)
    rule_price_max = models.DecimalField(_("rule price max"), max_digits=12, decimal_places=2, null=True, blank=True)
    rule_shops = models.ManyToManyField(
        Shop, verbose_name=_("rule shops"), blank=True, related_name="+", help_text=_("Only items of these shops.")
    )
    rule_min_popularity = models.PositiveIntegerField(
        _("rule min popularity"),
        default=0,
        help_text=_("At least this many views, favorites, carts and purchases in the last 30 days."),
    )
    max_items = models.PositiveSmallIntegerField(
        _("max items"), default=40, help_text=_("Items the feature holds at most.")
    )
    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("How it was made: by hand, or what suggested it.")
    )
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("feature")
        verbose_name_plural = _("features")
        ordering = ["-created_at"]
        permissions = [("publish_feature", "Can publish and unpublish features")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end must come after the start."})
        if (
            self.rule_price_min is not None
            and self.rule_price_max is not None
            and self.rule_price_max < self.rule_price_min
        ):
            raise ValidationError({"rule_price_max": "The highest price must not be below the lowest."})
        for name in ("rule_categories", "rule_keywords"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ValidationError({name: 'A list of texts, e.g. ["Home > Kitchen"].'})
            if any("\x00" in v for v in value):
                raise ValidationError({name: "Texts must not contain NUL characters."})


class FeatureItem(models.Model):
    """A hand-picked item of a feature, in the merchandiser's order (before any rule matches)."""

    feature = models.ForeignKey(Feature, verbose_name=_("feature"), on_delete=models.CASCADE, related_name="picks")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["feature", "item"], name="one_pick_per_feature_item")]

    def __str__(self) -> str:
        return f"{self.item_id} in {self.feature_id}"
