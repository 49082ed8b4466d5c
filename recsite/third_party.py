"""Third-party apps as the admin shows them: names in the project's catalogue where the package has no
Japanese, and the celery-beat schedules nobody here uses taken off the admin.

Merchandisers and analysts never see these (recsite/roles.py gives them no permission on them); operators
keep periodic tasks and crontabs, the only schedule kinds recsite's beat schedule uses.
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.contrib import admin
from django.utils.translation import gettext_lazy, gettext_noop
from django_celery_beat.apps import BeatConfig

# Names that django-celery-beat, django-axes and djangorestframework-api-key mark for translation but ship
# no Japanese for; listed here so `makemessages` keeps them in locale/ja (the project's catalogue is searched first).
THIRD_PARTY_MESSAGES = (
    gettext_noop("Periodic Tasks"),
    gettext_noop("periodic task"),
    gettext_noop("periodic tasks"),
    gettext_noop("crontab"),
    gettext_noop("crontabs"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    # djangorestframework-api-key's help texts
    gettext_noop("A free-form name for the API key. Need not be unique. 50 characters max."),
    gettext_noop("If the API key is revoked, clients cannot use it anymore. (This cannot be undone.)"),
    gettext_noop("Expires"),
    gettext_noop("Once API key expires, clients cannot use it anymore."),
)


class AxesConfig(AxesAppConfig):
    """django-axes, under a name staff understand (the package's app has none: the admin says "Axes")."""

    verbose_name = gettext_lazy("Login lockouts")


class CeleryBeatConfig(BeatConfig):
    """django-celery-beat with only the schedule kinds recsite uses in the admin."""

    def ready(self) -> None:
        super().ready()
        # the admin app, listed first, has registered every app's admin by now
        from django_celery_beat.models import ClockedSchedule, IntervalSchedule, SolarSchedule

        for model in (ClockedSchedule, IntervalSchedule, SolarSchedule):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
