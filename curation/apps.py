from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CurationConfig(AppConfig):
    """What merchandisers edit: NG lists, themed features, pins, boosts and buries."""

    name = "curation"
    verbose_name = _("Curation")
