from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = _("Recommendations")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  registers the tasks that services dispatch by name
        from .api import schema  # noqa: F401  registers the API key auth scheme with drf-spectacular
        from .invalidation import connect_invalidation
        from .services.serving.reads import statements  # noqa: F401  set up each database session it reads on

        connect_invalidation()
        post_migrate.connect(_roles_in_step, sender=self)


def _roles_in_step(sender: AppConfig, **kwargs: object) -> None:
    """After every migrate: every app's permissions exist, and the role groups grant what recsite/roles.py says."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from recsite.roles import roles_sync

    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0)
    roles_sync()
