from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  registers the tasks that services dispatch by name
        from .api import schema  # noqa: F401  registers the API key auth scheme with drf-spectacular
        from .invalidation import connect_invalidation

        connect_invalidation()
