from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from recommendations.models import ApiKey, Scope
from recommendations.models.api_keys import parse_rate

# The library's own key model is unused: ours carries scopes.
admin.site.unregister(APIKey)


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=gettext_lazy("Scopes"),
        help_text=gettext_lazy("A key can only call the endpoints whose scope is ticked."),
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "throttle_rate", "expiry_date", "revoked"]

    def clean_throttle_rate(self) -> str:
        rate = self.cleaned_data["throttle_rate"].strip()
        if rate:
            try:
                parse_rate(rate)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
        return rate


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin):
    form = ApiKeyForm
    # whether a key still works first: at 1,366 px the last columns are the first to go off-screen
    list_display = (
        "name",
        "revoked",
        "expiry_date",
        "scope_list",
        "last_used_at",
        "throttle_rate",
        "prefix",
        "created",
    )
    list_filter = ("revoked", "created")
    search_fields = ("name", "prefix")

    @admin.display(description=gettext_lazy("scopes"))
    def scope_list(self, obj: ApiKey) -> str:
        return ", ".join(obj.scopes) or gettext("none")

    def save_model(self, request: HttpRequest, obj: ApiKey, form: forms.Form, change: bool) -> None:
        if change:
            obj.save()
            return
        # the library's own save_model words its one-time message in English only
        obj.created_by = request.user
        key = self.model.objects.assign_key(obj)
        obj.save()
        shown_once = gettext(
            "The API key for %(name)s is: %(key)s. Store it somewhere safe: it is not shown again. "
            "Send it as the header 'Authorization: Api-Key <key>'."
        )
        messages.warning(request, shown_once % {"name": obj.name, "key": key})
