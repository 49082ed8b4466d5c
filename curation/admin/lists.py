"""Admin for NG lists, pins, boosts and buries: CSV upload with a dry run, export, history, conflicts.

Each entry records who made it; every change is in its history (the "History" button of an entry).
Everything here takes effect at the next API request.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from curation.models import Boost, NgCategory, NgItem, NgShop, Pin, ng_in_force
from curation.selectors import KINDS, ng_csv_export, readable_expiry
from curation.services.ng_lists import (
    ng_csv_rows,
    ng_entry_check,
    ng_entry_save,
    ng_rows_apply,
    ng_rows_check,
    ng_upload_keep,
    ng_upload_take,
)
from curation.services.rule_conflicts import boost_conflicts, pin_conflicts
from curation.services.rules import rule_save
from curation.vocabulary import Vocabulary, categories, segments
from recommendations.errors import NotFound, ValidationFailed
from recommendations.models import NG_SLOTS, slot_choices
from recommendations.spreadsheet import ENCODINGS, NotText, csv_bytes, csv_text
from recsite.admin_access import permission_view

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # 200,000 rows with long reasons
PREVIEW_ROWS = 200  # rows shown before confirming; a large file is summed up, not listed whole


class ActiveFilter(admin.SimpleListFilter):
    title = gettext_lazy("applies now")
    parameter_name = "active"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Applies now")), ("expired", _("Expired"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(ng_in_force(now))
        if self.value() == "expired":
            return queryset.exclude(ng_in_force(now))
        return queryset


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV from Excel ('CSV UTF-8' or 'CSV'); the header and an example are shown above."),
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Encoding"), choices=list(ENCODINGS.items()), initial="auto", required=False
    )


class NgEntryForm(forms.ModelForm):
    """The entry form checks reason, expiry and slots by the same rules as the API and CSV files."""

    slots = forms.MultipleChoiceField(
        label=gettext_lazy("Slots"),
        choices=slot_choices(NG_SLOTS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every slot."),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        names = ("reason", "expires_at", "slots", "category_path")
        fields = {name: cleaned.get(name) for name in names if name in self.fields and name not in self.errors}
        clean, errors = ng_entry_check(fields)
        for error in errors:
            if error.field in self.fields and error.field not in self.errors:
                self.add_error(error.field, error.message)
        if "category_path" in clean and not errors:
            cleaned["category_path"] = clean["category_path"]  # in the catalogue's spelling
        return cleaned


class NgAdmin(SimpleHistoryAdmin):
    """The list, plus Upload CSV (checked, previewed, then confirmed) and Export CSV."""

    kind = "items"
    form = NgEntryForm
    change_list_template = "admin/curation/ng_change_list.html"
    exclude = ("created_by", "created_at")
    list_filter = (ActiveFilter,)

    @admin.display(description=gettext_lazy("slots"))
    def scope(self, obj: NgItem) -> str:
        return obj.scope()

    @admin.display(description=gettext_lazy("applies now"), boolean=True)
    def active(self, obj: NgItem) -> bool:
        return obj.expiry is None or obj.expiry > timezone.now()

    @admin.display(description=gettext_lazy("expires at"), ordering="expires_at")
    def expires(self, obj: NgItem) -> object:
        return obj.expiry

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return readable_expiry(super().get_queryset(request))

    def save_model(self, request: HttpRequest, obj: NgItem, form: forms.Form, change: bool) -> None:
        ng_entry_save(obj, by=request.user.get_username(), user=request.user)

    def get_urls(self) -> list:
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        app, model = self.opts.app_label, self.opts.model_name
        upload = permission_view(self, self.upload_view, f"{app}.add_{model}", f"{app}.change_{model}")
        return [
            path("upload/", upload, name=f"{name}_upload"),
            path("export/", permission_view(self, self.export_view, f"{app}.view_{model}"), name=f"{name}_export"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}"
        app, model = self.opts.app_label, self.opts.model_name
        links = {
            "upload_url": reverse(f"{name}_upload"),
            "export_url": reverse(f"{name}_export"),
            "can_upload": request.user.has_perms([f"{app}.add_{model}", f"{app}.change_{model}"]),
        }
        return super().changelist_view(request, {**(extra_context or {}), **links})

    def export_view(self, request: HttpRequest) -> HttpResponse:
        encoding = "cp932" if request.GET.get("encoding") == "cp932" else "utf-8"
        content = csv_bytes(ng_csv_export(self.kind), encoding)
        response = HttpResponse(
            content, content_type=f"text/csv; charset={'shift_jis' if encoding == 'cp932' else 'utf-8'}"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="ng-{self.kind}-{stamp}.csv"'
        return response

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Step 1: choose a file. Step 2: every row checked and shown; nothing saved. Step 3: confirm."""
        kind = KINDS[self.kind]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Upload %(list)s from CSV") % {"list": kind.label()},
            "id_field": kind.id_field,
            "form": UploadForm(),
        }
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            try:
                # the checked file was kept on the server; older pages post it back whole
                token = request.POST.get("upload", "")
                content = ng_upload_take(token) if token else request.POST.get("content", "")
            except NotFound as gone:
                self.message_user(request, gone.message, messages.ERROR)
                return TemplateResponse(request, "admin/curation/ng_upload.html", context)
            try:
                check = ng_rows_apply(
                    self.kind, ng_csv_rows(self.kind, content), by=request.user.get_username(), user=request.user
                )
            except ValidationFailed as failed:  # changed since the preview (an item deleted, say): show again
                context.update(self._preview(content, failed))
                return TemplateResponse(request, "admin/curation/ng_upload.html", context)
            saved = _("Saved %(new)d new and %(changed)d changed %(list)s.")
            self.message_user(
                request, saved % {"new": check.new, "changed": check.changed, "list": kind.label()}, messages.SUCCESS
            )
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES)
            context["form"] = form
            if form.is_valid():
                upload = form.cleaned_data["file"]
                if upload.size > MAX_UPLOAD_BYTES:
                    form.add_error(
                        "file",
                        _("The file is %(size)s bytes; the limit is %(limit)s.")
                        % {"size": f"{upload.size:,}", "limit": f"{MAX_UPLOAD_BYTES:,}"},
                    )
                else:
                    try:
                        content = csv_text(upload.read(), form.cleaned_data["encoding"] or "auto")
                    except NotText as exc:
                        form.add_error(
                            "file",
                            _("The file is not text in %(encodings)s: in Excel, save it as 'CSV UTF-8' or 'CSV'.")
                            % {"encodings": exc},
                        )
                    else:
                        context.update(self._preview(content))
        return TemplateResponse(request, "admin/curation/ng_upload.html", context)

    def _preview(self, content: str, failed: ValidationFailed | None = None) -> dict:
        kind = KINDS[self.kind]
        try:
            rows = ng_csv_rows(self.kind, content)
        except ValidationFailed as bad_file:
            return {"file_error": bad_file.message}
        check = ng_rows_check(self.kind, rows)
        errors: dict[int, list[str]] = {}
        for error in check.errors if failed is None else failed.errors:
            errors.setdefault(error.index if error.index is not None else -1, []).append(
                f"{error.field}: {error.message}"
            )
        preview = [
            {
                "line": index + 2,  # the header is line 1
                "id": raw.get(kind.id_field, ""),
                "reason": raw.get("reason", ""),
                "expires_at": raw.get("expires_at", ""),
                "slots": raw.get("slots", "") or _("all"),
                "errors": errors.get(index, []),
                "action": _("replaces the current entry") if row.get("target") in check.listed else _("new"),
            }
            for index, (raw, row) in enumerate(zip(rows, check.rows, strict=True))
            if index < PREVIEW_ROWS or index in errors
        ]
        bad_rows = len([i for i in errors if i >= 0])
        shown = preview[: PREVIEW_ROWS + (PREVIEW_ROWS if bad_rows else 0)]
        return {
            "preview": shown,
            "rows": len(rows),
            "hidden_rows": len(rows) - len(shown),
            "error_count": sum(len(v) for v in errors.values()),
            "bad_rows": bad_rows,
            "content": content,
            "upload": "" if errors else ng_upload_keep(content),
            "new": check.new,
            "changed": check.changed,
        }


@admin.register(NgItem)
class NgItemAdmin(NgAdmin):
    kind = "items"
    list_display = ("item", "reason", "scope", "expires", "active", "created_by", "created_at")
    search_fields = ("item__external_id", "item__title", "reason", "created_by")
    autocomplete_fields = ("item",)
    list_select_related = ("item",)


@admin.register(NgShop)
class NgShopAdmin(NgAdmin):
    kind = "shops"
    list_display = ("shop", "reason", "scope", "expires", "active", "created_by", "created_at")
    search_fields = ("shop__external_id", "shop__name", "reason", "created_by")
    autocomplete_fields = ("shop",)
    list_select_related = ("shop",)


@admin.register(NgCategory)
class NgCategoryAdmin(NgAdmin):
    kind = "categories"
    list_display = ("category_path", "reason", "scope", "expires", "active", "created_by", "created_at")
    search_fields = ("category_path", "reason", "created_by")


class RuleForm(forms.ModelForm):
    """Pins and boosts name a segment and (boosts) a category that exist, in their own spelling: a typo is
    refused with the closest names, never saved to apply to no one."""

    def clean_segment(self) -> str:
        return _known(segments(), self.cleaned_data.get("segment", ""))

    def clean_category_path(self) -> str:
        return _known(categories(), self.cleaned_data.get("category_path", ""))

    def clean_factor(self) -> float | None:
        factor = self.cleaned_data.get("factor")
        if factor is not None and factor <= 0:
            raise forms.ValidationError(
                _(
                    "The factor must be above 0: 2 doubles the weight, 0.5 halves it. To never show an item, "
                    "put it on the NG list instead."
                )
            )
        return factor


def _known(vocabulary: Vocabulary, value: str) -> str:
    if not value.strip():
        return ""
    try:
        return vocabulary.canonical(value)
    except ValueError as exc:
        message = str(exc)[0].upper() + str(exc)[1:]
        raise forms.ValidationError(message if message[-1] in ".?。？" else message + ".") from None


class RuleAdmin(SimpleHistoryAdmin):
    form = RuleForm
    exclude = ("created_by", "created_at")
    list_filter = ("slot",)
    autocomplete_fields = ("item", "shop")

    def save_model(self, request: HttpRequest, obj: Pin, form: forms.Form, change: bool) -> None:
        for warning in rule_save(obj, by=request.user.get_username()):
            self.message_user(request, warning, messages.WARNING)

    @admin.display(description=gettext_lazy("conflicts"))
    def conflict_summary(self, obj: Pin) -> str:
        return "; ".join(self.conflicts(obj)) or "-"


@admin.register(Pin)
class PinAdmin(RuleAdmin):
    # the conflicts (an NG'd target, a taken position) first: at 1,366 px the last columns are off-screen
    list_display = ("slot", "conflict_summary", "position", "item", "shop", "segment", "starts_at", "ends_at", "note")

    def conflicts(self, obj: Pin) -> list[str]:
        return pin_conflicts(obj)


@admin.register(Boost)
class BoostAdmin(RuleAdmin):
    list_display = (
        "slot",
        "conflict_summary",
        "item",
        "shop",
        "category_path",
        "factor",
        "segment",
        "starts_at",
        "ends_at",
    )

    def conflicts(self, obj: Boost) -> list[str]:
        return boost_conflicts(obj)
