"""Scope checks: each view names the scopes it needs in `required_scopes`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import exceptions, permissions

from recommendations.models import ApiKey

if TYPE_CHECKING:  # DRF imports these settings while rest_framework.views loads
    from rest_framework.request import Request
    from rest_framework.views import APIView


class HasScopes(permissions.BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            raise exceptions.NotAuthenticated("Missing API key: send 'Authorization: Api-Key <key>'.")
        required = getattr(view, "required_scopes", None)
        if required is None:
            raise exceptions.PermissionDenied("This endpoint declares no scope and is closed.")
        missing = [scope for scope in required if not api_key.has_scope(scope)]
        if missing:
            # the key's name stays out of the answer: whoever holds a key need not learn what staff call it
            raise exceptions.PermissionDenied(
                f"This API key lacks the scope {', '.join(missing)}; ask an admin to add it to the key."
            )
        return True
