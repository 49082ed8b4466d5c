"""Erase an app user and everything recsite holds about them (the privacy request every app must honour).

docs/privacy.md lists what is erased and what is kept elsewhere, and for how long.
"""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from recommendations.errors import NotFound
from recommendations.models import AppUser, ExperimentUserDay, Impression, VariantPin
from recommendations.services.measurement.rollup_reads import stranger_key
from recommendations.services.personalize.events import personalize_user_delete_later
from recommendations.services.serving.impressions import impressions_flush
from recommendations.services.serving.paging import LIST_KEY


def app_user_erase(*, external_id: str) -> dict[str, int]:
    """Delete the user, every row that refers to them or names them (pages served before they were a user,
    admin log lines), the lists cached for paging, and (after commit) their rows in the Personalize bucket;
    returns counts per kind of row."""
    impressions_flush()  # this worker's pages not yet written are written first, so they are erased too
    with transaction.atomic():
        user = AppUser.objects.filter(external_id=external_id).first()
        unnamed = Impression.objects.filter(user_ref=external_id)
        if user is None and not unnamed.exists():
            raise NotFound(f"No user '{external_id}' is known to recsite (already erased, or never seen).")
        served = Q(user_ref=external_id)
        if user is not None:
            served |= Q(user=user)
        pages = set(Impression.objects.filter(served).values_list("recommendation_id", flat=True))
        counts: dict[str, int] = {}
        user_pk = user.pk if user is not None else None
        if user is not None:
            counts.update(_counted(LogEntry.objects.filter(_log_lines(user)).delete()))
            counts.update(_counted(user.delete()))
        counts.update({k: counts.get(k, 0) + v for k, v in _counted(unnamed.delete()).items()})
        # their days in the experiment roll-ups (the daily totals keep no one's key)
        keys = [stranger_key(external_id), *([user_pk] if user_pk is not None else [])]
        counts.update(_counted(ExperimentUserDay.objects.filter(user_key__in=keys).delete()))
        transaction.on_commit(lambda: cache.delete_many([LIST_KEY.format(page) for page in pages]))
        personalize_user_delete_later(external_id)
    return counts


def _log_lines(user: AppUser) -> Q:
    """The admin's log lines about the user or their variant pins (they name them)."""
    pins = [str(pk) for pk in VariantPin.objects.filter(user=user).values_list("pk", flat=True)]
    return Q(content_type=ContentType.objects.get_for_model(AppUser), object_id=str(user.pk)) | Q(
        content_type=ContentType.objects.get_for_model(VariantPin), object_id__in=pins
    )


def _counted(deleted: tuple[int, dict[str, int]]) -> dict[str, int]:
    return {label.split(".")[-1].lower(): count for label, count in deleted[1].items() if count}
