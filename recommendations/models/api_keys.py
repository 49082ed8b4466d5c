"""API keys for the app and other machines: hashed at rest, shown once, each with scopes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'600/minute' -> (600, 60). Raises ValueError for anything else."""
    try:
        count, period = rate.split("/")
        number, seconds = int(count), _PERIODS[period.strip()[0]]
    except (ValueError, KeyError, IndexError):
        raise ValueError(f"'{rate}' is not like '600/minute' (per second, minute, hour or day)") from None
    if number < 1:
        raise ValueError("the number of requests must be at least 1")
    return number, seconds


class Scope(models.TextChoices):
    EVENTS_WRITE = "events:write", _("events:write: send interaction events")
    CATALOG_WRITE = "catalog:write", _("catalog:write: upsert shops, items and users")
    USERS_ERASE = "users:erase", _("users:erase: erase a user and everything recsite holds about them")
    RECOMMENDATIONS_READ = "recommendations:read", _("recommendations:read: fetch recommendations")
    CURATION_WRITE = "curation:write", _("curation:write: keep the NG lists in step (trust-and-safety sync)")
    REPORTS_READ = "reports:read", _("reports:read: experiment reports for BI tools")


class ApiKey(AbstractAPIKey):
    scopes = models.JSONField(_("scopes"), default=list, blank=True, help_text=_("What this key may do."))
    throttle_rate = models.CharField(
        _("throttle rate"),
        max_length=32,
        blank=True,
        help_text=_("Requests allowed for this key, e.g. '600/minute'. Empty: the site default."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


# The library's fields have no names of their own (the admin would say "Name", "Prefix"): ours, translated.
# verbose_name set after the class leaves migrations alone (they record the field's own arguments).
for _name, _label in {
    "name": _("name"),
    "prefix": _("prefix"),
    "created": _("created"),
    "revoked": _("revoked"),
}.items():
    ApiKey._meta.get_field(_name).verbose_name = _label
