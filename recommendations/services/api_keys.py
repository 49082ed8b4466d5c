"""Create API keys; the plain key exists only in the return value, the database keeps its hash."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from recommendations.errors import FieldError, ValidationFailed
from recommendations.models import ApiKey, Scope
from recommendations.models.api_keys import parse_rate


def throttle_rate_check(rate: str) -> None:
    """Raise ValidationFailed unless `rate` is empty or DRF's 'N/period' form."""
    if not rate:
        return
    try:
        parse_rate(rate)
    except ValueError as exc:
        raise ValidationFailed("Invalid throttle rate.", [FieldError(None, "throttle_rate", str(exc))]) from None


def api_key_create(
    *, name: str, scopes: list[str], throttle_rate: str = "", created_by: AbstractBaseUser | None = None
) -> tuple[ApiKey, str]:
    """Create a key with the given scopes; returns the row and the plain key, which is never stored."""
    unknown = sorted(set(scopes) - set(Scope.values))
    errors = []
    if unknown:
        errors.append(
            FieldError(None, "scopes", f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(Scope.values)}")
        )
    if not name.strip():
        errors.append(FieldError(None, "name", "must not be empty"))
    if errors:
        raise ValidationFailed("The API key was not created.", errors)
    throttle_rate_check(throttle_rate)
    return ApiKey.objects.create_key(
        name=name, scopes=sorted(set(scopes)), throttle_rate=throttle_rate, created_by=created_by
    )
