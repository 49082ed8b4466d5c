"""Admin for themed features: content, schedule, hand-picked items, a rule whose matches are shown
before saving, publishing, and suggested drafts."""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from curation.models import Feature, FeatureItem
from curation.selectors import FeatureRule, feature_item_keys, rule_matches
from curation.services.feature_suggestions import features_suggest
from curation.services.features import feature_save, features_status_set
from curation.vocabulary import categories
from recommendations.display import money
from recommendations.models import Shop
from recommendations.services.serving.features import servable_feature_items
from recsite.admin_access import NamedActionPermissions, permission_view

SHOWN_MATCHES = 20


class FeatureItemInline(admin.TabularInline):
    model = FeatureItem
    extra = 1
    autocomplete_fields = ("item",)
    fields = ("position", "item")
    verbose_name = gettext_lazy("hand-picked item")
    verbose_name_plural = gettext_lazy("hand-picked items (shown first, in this order)")


def _matches_html(rule: FeatureRule) -> str:
    if rule.empty:
        return gettext("No rule: only the hand-picked items.")
    matches = rule_matches(rule)
    count = matches.count()
    recent = gettext("%(count)s recent events")
    rows = format_html_join(
        "",
        "<li>{} <code>{}</code> · {} · {} · {}</li>",
        (
            (i.title, i.external_id, i.shop.name, money(i.price), recent % {"count": i.popularity})
            for i in matches[:SHOWN_MATCHES]
        ),
    )
    summary = ngettext(
        "The rule matches %(count)d published, in-stock item (NG items are left out when shown).",
        "The rule matches %(count)d published, in-stock items (NG items are left out when shown).",
        count,
    ) % {"count": count}
    return format_html('<p id="rule-match-count">{}</p><ol>{}</ol>', summary, rows)


RULE_FIELDS = (
    "rule_categories",
    "rule_keywords",
    "rule_price_min",
    "rule_price_max",
    "rule_shops",
    "rule_min_popularity",
)
KEYWORD_SEPARATORS = re.compile(r"[\n,\u3001]+")  # after NFKC: lines, commas, ideographic commas


def _keywords(text: str) -> list[str]:
    """Keywords one per line (or separated by commas), NFKC-normalized so Ｔシャツ and Tシャツ are one word."""
    words = [w.strip() for w in KEYWORD_SEPARATORS.split(unicodedata.normalize("NFKC", text or ""))]
    return list(dict.fromkeys(w for w in words if w))


class KeywordsField(forms.CharField):
    """A text box, one keyword per line, stored as the model's list."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 40})

    def prepare_value(self, value: object) -> object:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: object) -> list[str]:
        text = super().to_python(value)
        if "\x00" in text:
            raise forms.ValidationError(gettext("Keywords must not contain NUL characters."))
        return _keywords(text)


class ShopsField(forms.ModelMultipleChoiceField):
    """Shops by database key; a value that is no key at all is "not a valid choice", never a query error."""

    def _check_values(self, value: object) -> object:
        for key in value if isinstance(value, (list, tuple)) else []:
            text = str(key)
            if not text.isdigit() or int(text) >= 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text[:20]}
                )
        return super()._check_values(value)


class FeatureForm(forms.ModelForm):
    """The change form: categories chosen from the catalogue's, keywords one per line, the model's own checks."""

    rule_shops = ShopsField(
        queryset=Shop.objects.all(),
        required=False,
        label=gettext_lazy("Shops"),
        widget=FilteredSelectMultiple(gettext_lazy("shops"), is_stacked=False),
        help_text=gettext_lazy("Only items of these shops."),
    )

    cover_image_url = forms.URLField(
        label=gettext_lazy("Cover image URL"), max_length=500, required=False, assume_scheme="https"
    )
    rule_categories = forms.MultipleChoiceField(
        label=gettext_lazy("In categories"),
        required=False,
        widget=FilteredSelectMultiple(gettext_lazy("category paths"), is_stacked=False),
        help_text=gettext_lazy("Items in any of these categories or their subcategories."),
    )
    rule_keywords = KeywordsField(
        label=gettext_lazy("Keywords"),
        required=False,
        help_text=gettext_lazy(
            "Items whose title has any of these words; one per line. Full-width and half-width are the same."
        ),
    )

    class Meta:
        model = Feature
        fields = ("title", "slug", "description", "cover_image_url", "status", "starts_at", "ends_at", *RULE_FIELDS)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        known = sorted(categories().known.values())
        # a category the catalogue no longer has stays choosable on the feature that names it
        stored = [c for c in (self.instance.rule_categories or []) if isinstance(c, str) and c not in known]
        self.fields["rule_categories"].choices = [(c, c) for c in [*stored, *known]]


# The change form's rule fields alone, with the same checks (saving the feature runs them again)
RuleForm = forms.modelform_factory(Feature, form=FeatureForm, fields=RULE_FIELDS)


def _rule_from_query(query: QueryDict) -> FeatureRule:
    """A rule from the change form's fields, as the form's script sends them; ValueError naming each bad one."""
    data = query.copy()
    if not data.get("rule_min_popularity", "").strip():
        data["rule_min_popularity"] = "0"
    form = RuleForm(data)
    if not form.is_valid():
        raise ValueError(
            "; ".join(f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items())
        )
    clean = form.cleaned_data
    return FeatureRule(
        categories=clean["rule_categories"],
        keywords=clean["rule_keywords"],
        price_min=clean["rule_price_min"],
        price_max=clean["rule_price_max"],
        shops=[shop.pk for shop in clean["rule_shops"]],
        min_popularity=clean["rule_min_popularity"],
    )


@admin.register(Feature)
class FeatureAdmin(NamedActionPermissions, SimpleHistoryAdmin):
    form = FeatureForm
    list_display = ("title", "status", "starts_at", "ends_at", "item_count", "source", "created_by")
    list_filter = ("status",)
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("rule_shops",)
    inlines = [FeatureItemInline]
    readonly_fields = ("rule_matches_now", "source", "created_by")
    actions = ["publish", "unpublish"]
    change_form_template = "admin/curation/feature_change_form.html"
    change_list_template = "admin/curation/feature_change_list.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a cover URL typed without one
    fieldsets = [
        (None, {"fields": ("title", "slug", "description", "cover_image_url", "status", "starts_at", "ends_at")}),
        (
            gettext_lazy("Rule (optional): items matching all of these parts"),
            {
                "fields": (
                    "rule_categories",
                    "rule_keywords",
                    ("rule_price_min", "rule_price_max"),
                    "rule_shops",
                    "rule_min_popularity",
                    "max_items",
                    "rule_matches_now",
                )
            },
        ),
        (gettext_lazy("Made by"), {"fields": ("source", "created_by")}),
    ]

    @admin.display(description=gettext_lazy("items shown now"))
    def item_count(self, obj: Feature) -> int:
        return len(servable_feature_items(feature_item_keys(obj)))

    @admin.display(description=gettext_lazy("rule matches (as saved)"))
    def rule_matches_now(self, obj: Feature) -> str:
        return _matches_html(FeatureRule.of(obj)) if obj.pk else gettext("Press 'Check the rule' to see its matches.")

    def save_model(self, request: HttpRequest, obj: Feature, form: forms.ModelForm, change: bool) -> None:
        feature_save(obj, by=request.user.get_username())

    def rule_check_view(self, request: HttpRequest) -> HttpResponse:
        """What the rule as typed in the form matches, as an HTML fragment; saves nothing."""
        try:
            rule = _rule_from_query(request.GET)
        except ValueError as exc:
            return HttpResponse(format_html('<p class="errornote">{}</p>', str(exc)), status=400)
        return HttpResponse(_matches_html(rule))

    @admin.action(description=gettext_lazy("Publish"), permissions=["curation.publish_feature"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = features_status_set(queryset, Feature.Status.PUBLISHED)
        self.message_user(request, gettext("Published %(count)d feature(s).") % {"count": changed}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Unpublish (back to draft)"), permissions=["curation.publish_feature"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = features_status_set(queryset, Feature.Status.DRAFT)
        self.message_user(
            request, gettext("%(count)d feature(s) back to draft.") % {"count": changed}, messages.SUCCESS
        )

    def get_urls(self) -> list:
        return [
            path(
                "suggest/",
                permission_view(self, self.suggest_view, "curation.add_feature"),
                name="curation_feature_suggest",
            ),
            path(
                "rule-check/",
                permission_view(self, self.rule_check_view, "curation.view_feature"),
                name="curation_feature_rule_check",
            ),
            *super().get_urls(),
        ]

    def suggest_view(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            drafts = features_suggest(by=request.user.get_username())
            self.message_user(
                request,
                gettext("Proposed %(count)d draft feature(s): %(titles)s. Nothing is published.")
                % {"count": len(drafts), "titles": ", ".join(f.title for f in drafts)}
                if drafts
                else gettext("Nothing new to propose (too little activity this week, or the proposals already exist)."),
                messages.SUCCESS if drafts else messages.INFO,
            )
        return HttpResponseRedirect(reverse("admin:curation_feature_changelist"))
