"""The "Add to NG list" action of the item and shop lists in the admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from curation.selectors import KINDS
from curation.services.ng_lists import ng_rows_apply
from recommendations.errors import ValidationFailed
from recommendations.models import NG_SLOTS, slot_choices


class NgAddForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=300, help_text=gettext_lazy("Shown in the preview and the history.")
    )
    expires_at = forms.CharField(
        label=gettext_lazy("Expires at"),
        required=False,
        help_text=gettext_lazy(
            "Optional: a date such as 2026/12/31 (until the end of that day) or a date-time with a zone."
        ),
    )
    slots = forms.MultipleChoiceField(
        label=gettext_lazy("Slots"),
        choices=slot_choices(NG_SLOTS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every slot."),
    )


def ng_add_action(kind_name: str) -> object:
    """An admin action asking for a reason, then putting the selected rows on the NG list."""
    kind = KINDS[kind_name]

    @admin.action(
        description=format_lazy(
            gettext_lazy("Add to the NG list of {list}"), list=kind.model._meta.verbose_name_plural
        ),
        permissions=[f"curation.add_{kind.model._meta.model_name}"],
    )
    def add_to_ng_list(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = NgAddForm(request.POST if request.POST.get("apply") == "yes" else None)
        errors = []
        if form.is_bound and form.is_valid():
            rows = [
                {
                    kind.id_field: obj.external_id,
                    "reason": form.cleaned_data["reason"],
                    **({"expires_at": form.cleaned_data["expires_at"]} if form.cleaned_data["expires_at"] else {}),
                    "slots": form.cleaned_data["slots"],
                }
                for obj in queryset
            ]
            try:
                check = ng_rows_apply(kind_name, rows, by=request.user.get_username(), user=request.user)
            except ValidationFailed as failed:
                labels = {name: str(field.label) for name, field in form.fields.items()}
                errors = sorted({f"{labels.get(e.field, e.field)}: {e.message}" for e in failed.errors})
            else:
                saved = gettext("Saved %(new)d new and %(changed)d changed %(list)s.")
                model_admin.message_user(
                    request,
                    saved % {"new": check.new, "changed": check.changed, "list": kind.label()},
                    messages.SUCCESS,
                )
                return None
        opts = model_admin.model._meta
        return TemplateResponse(
            request,
            "admin/curation/ng_add.html",
            {
                **model_admin.admin_site.each_context(request),
                "title": gettext("Add to the NG list"),
                "queryset": queryset,
                "noun": opts.verbose_name_plural,
                "form": form,
                "errors": errors,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "back": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
                "opts": opts,
            },
        )

    return add_to_ng_list
