from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        from .api import schema  # noqa: F401  registers the API key auth scheme with drf-spectacular
        from .services.serving.invalidation import connect_invalidation

        connect_invalidation()
