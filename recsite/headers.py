"""Headers every API answer carries (recommendations and errors are for one user at one moment, so no
proxy or browser may keep them) and the language its messages are in."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers


class ApiNoStoreMiddleware:
    """`Cache-Control: no-store` (and Django's other never-cache headers) on every /api/v1/ response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/v1/"):
            add_never_cache_headers(response)
        return response


class ApiLanguageMiddleware:
    """API error messages in the language the client asks for (Accept-Language), else API_LANGUAGE_CODE
    (English by default): the admin's default language is for staff, not for app developers' logs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/v1/") and not request.headers.get("Accept-Language"):
            translation.activate(settings.API_LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.API_LANGUAGE_CODE
        return self.get_response(request)
