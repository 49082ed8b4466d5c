"""The staff preview: any user's recommendations exactly as the API would serve them now, with the trace."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy

from recommendations.errors import NotFound
from recommendations.models import AppUser, Event, Item, Slot, VariantPin
from recommendations.services.serving.preview import recommendations_preview
from recommendations.services.serving.why_not import item_answer
from recommendations.services.variant_pins import variant_pin_set
from recsite.admin_access import require


class PreviewForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=AppUser.objects.all(),
        required=False,
        # the variant pin's user field has the admin's autocomplete behind it; it answers with the user's
        # database number, so the choice is looked up by that (not by the marketplace id)
        widget=AutocompleteSelect(VariantPin._meta.get_field("user"), admin.site),
        label=gettext_lazy("User"),
        help_text=gettext_lazy("Type part of a user id."),
    )
    user_id = forms.CharField(
        label=gettext_lazy("User id"),
        required=False,
        max_length=128,
        help_text=gettext_lazy("Or any user id, also one recsite does not know (cold start)."),
    )
    item = forms.ModelChoiceField(
        queryset=Item.objects.all(),
        required=False,
        widget=AutocompleteSelect(Event._meta.get_field("item"), admin.site),
        label=gettext_lazy("Why (not) this item?"),
        help_text=gettext_lazy("Optional: type part of an item's id or title to learn where it is, or why it is not."),
    )
    item_id = forms.CharField(required=False, max_length=128, widget=forms.HiddenInput)


def preview_view(request: HttpRequest) -> HttpResponse:
    """GET ?user_id= shows the preview; POST pins the user to a variant (or unpins)."""
    if request.method == "POST":
        require(request, "recommendations.add_variantpin", "recommendations.delete_variantpin")
        user = AppUser.objects.filter(external_id=request.POST.get("user_id", "")).first()
        if user is None:
            messages.error(request, gettext("Only a user recsite knows can be pinned to a variant."))
        else:
            variant = request.POST.get("variant") or None
            try:
                variant_pin_set(request.POST.get("slot", ""), user, variant, by=request.user.get_username())
            except NotFound as exc:
                messages.error(request, exc.message)
            else:
                slot = request.POST.get("slot", "")
                shown = Slot(slot).label if slot in Slot.values else slot
                values = {"user": user.external_id, "variant": variant, "slot": shown}
                if variant:
                    messages.success(request, gettext("%(user)s now sees variant %(variant)s of %(slot)s.") % values)
                else:
                    messages.success(request, gettext("%(user)s is assigned by hash again in %(slot)s.") % values)
        return HttpResponseRedirect(
            f"{reverse('admin:recommendations_preview')}?{urlencode({'user_id': request.POST.get('user_id', '')})}"
        )
    form = PreviewForm(request.GET or None)
    user_id = ""
    if form.is_bound and form.is_valid():
        user_id = form.cleaned_data["user_id"].strip() or (
            form.cleaned_data["user"].external_id if form.cleaned_data["user"] else ""
        )
    context = {
        **admin.site.each_context(request),
        "title": gettext("Preview recommendations"),
        "form": form,
        "media": form.media,
        "opts": AppUser._meta,
    }
    if user_id:
        context.update(recommendations_preview(user_id))
        item = form.cleaned_data["item"]
        item_id = item.external_id if item else form.cleaned_data["item_id"].strip()
        items = next((slot for slot in context["slots"] if slot.slot == "items"), None)
        if item_id and items is not None:
            context["item_answer"] = item_answer(user_id, item_id, items.columns[0].result)
    return TemplateResponse(request, "admin/recommendations/preview.html", context)
