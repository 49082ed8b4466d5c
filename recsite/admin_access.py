"""Who may open each custom admin page and run each admin action: they name a permission, checked here.

Django's admin checks the model permissions (view, add, change, delete) on its own pages; a page or
action recsite adds names the permission it needs, as 'app_label.codename' (custom ones such as
`recommendations.preview_recommendations` are declared on the models). The roles that hold them are in
recsite/roles.py; docs/roles.md has the table, and tests/recsite/test_roles.py checks every entry.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def require(request: HttpRequest, *permissions: str) -> None:
    """PermissionDenied (403) unless the signed-in user holds every one of `permissions`."""
    if not request.user.has_perms(permissions):
        raise PermissionDenied


def permission_view(
    model_admin: admin.ModelAdmin, view: Callable[..., HttpResponse], *permissions: str
) -> Callable[..., HttpResponse]:
    """`view` as an admin page (staff sign-in, CSRF) that answers 403 to anyone without `permissions`."""

    @wraps(view)
    def checked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        require(request, *permissions)
        return view(request, *args, **kwargs)

    return model_admin.admin_site.admin_view(checked)


class NamedActionPermissions:
    """Lets an admin action declare `permissions=["app_label.codename"]`: Django asks the admin for
    `has_<name>_permission(request)`, answered here from the user's permissions."""

    def __getattr__(self, name: str) -> Callable[[HttpRequest], bool]:
        if name.startswith("has_") and name.endswith("_permission") and "." in name:
            permission = name[len("has_") : -len("_permission")]
            return lambda request: request.user.has_perm(permission)
        raise AttributeError(name)


def columns_allowed(request: HttpRequest, shown: tuple, column: str, *permissions: str) -> tuple:
    """A list page's columns, without `column` (a link to a page) for whoever lacks `permissions`."""
    return shown if request.user.has_perms(permissions) else tuple(c for c in shown if c != column)
