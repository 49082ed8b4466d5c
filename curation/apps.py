from django.apps import AppConfig


class CurationConfig(AppConfig):
    """What merchandisers edit: NG lists, themed features, pins, boosts and buries."""

    name = "curation"
    verbose_name = "Curation"
