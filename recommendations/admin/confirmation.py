"""The page that asks before an admin action changes what users are served; its Yes posts the action again."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse


def action_confirmation(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    action: str,
    *,
    question: str,
    explanation: str,
    yes: str,
) -> TemplateResponse:
    """Render the question, the chosen rows and Yes / No, go back for `action` on `queryset`."""
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": question,
        "question": question,
        "explanation": explanation,
        "yes": yes,
        "action": action,
        "queryset": queryset,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "opts": opts,
        "back": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }
    return TemplateResponse(request, "admin/recommendations/action_confirm.html", context)
