"""The marketplace's catalog as mirrored here: shops, their items, and the app's users.

Every row is keyed by the marketplace's own id (`external_id`, a string); our integer primary keys
never leave recsite.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EXTERNAL_ID_MAX_LENGTH = 128
CATEGORY_SEPARATOR = " > "


def within_category(path: str, ancestor: str) -> bool:
    """Whether category `path` is `ancestor` or lies under it ('Home > Kitchen' is within 'Home')."""
    return path == ancestor or path.startswith(ancestor + CATEGORY_SEPARATOR)


class Shop(models.Model):
    external_id = models.CharField(_("shop id"), max_length=EXTERNAL_ID_MAX_LENGTH, unique=True)
    name = models.CharField(_("name"), max_length=200)
    attributes = models.JSONField(
        _("attributes"), default=dict, blank=True, help_text=_("Free-form attributes from the marketplace.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["external_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class Item(models.Model):
    external_id = models.CharField(_("item id"), max_length=EXTERNAL_ID_MAX_LENGTH, unique=True)
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("title"), max_length=300)
    category_path = models.CharField(
        _("category path"),
        max_length=300,
        blank=True,
        db_index=True,
        help_text=_("Category from general to specific, separated by '>', e.g. 'Fashion > Bags > Tote bags'."),
    )
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, null=True, blank=True)
    image_url = models.URLField(_("image url"), max_length=500, blank=True)
    published = models.BooleanField(
        _("published"), default=True, help_text=_("Unpublished items are never recommended.")
    )
    in_stock = models.BooleanField(_("in stock"), default=True, help_text=_("Sold-out items are never recommended."))
    attributes = models.JSONField(
        _("attributes"), default=dict, blank=True, help_text=_("Free-form attributes from the marketplace.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, help_text=_("When the item was listed."))
    # indexed: serving refreshes its in-memory item flags from the items updated since it last looked
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["external_id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.external_id})"

    @property
    def categories(self) -> list[str]:
        return [c for c in self.category_path.split(CATEGORY_SEPARATOR) if c] if self.category_path else []


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "", _("Unknown")


class AppUser(models.Model):
    """A user of the marketplace's app, with the attributes segment popularity uses."""

    external_id = models.CharField(_("user id"), max_length=EXTERNAL_ID_MAX_LENGTH, unique=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True, default=Gender.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=64, blank=True)
    attributes = models.JSONField(
        _("attributes"), default=dict, blank=True, help_text=_("Free-form attributes from the marketplace.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("app user")
        verbose_name_plural = _("app users")
        ordering = ["external_id"]
        permissions = [("preview_recommendations", "Can preview any user's recommendations and why")]

    def __str__(self) -> str:
        return self.external_id
