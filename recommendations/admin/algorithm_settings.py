"""Admin for what the nightly schedule trains: one row per algorithm, its parameters as a form
built from the algorithm's own declarations (range and description per field), Train now and Tune."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy

from recommendations.admin.input_choice import choice_summary, choice_table
from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.algorithms.parameters import Param
from recommendations.models import AlgorithmSetting, ModelVersion, TrainingRun
from recommendations.services.training.pipeline import folds_in, training_run_queue
from recsite.admin_access import NamedActionPermissions


def ndcg_text(value: float | None) -> str:
    """NDCG as the training pages print it: four decimals, or a dash when not measured."""
    return "-" if value is None else f"{value:.4f}"


def _queue_runs(request: HttpRequest, algorithms: list[str], *, tune: bool) -> None:
    for algorithm in algorithms:
        training_run_queue(algorithm=algorithm, tune=tune, trigger="admin", requested_by=request.user)
    names = ", ".join(algorithms)
    if tune:
        text = gettext("Tuning queued for %(algorithms)s; follow it under Training runs.")
    else:
        text = gettext("Training queued for %(algorithms)s; follow it under Training runs.")
    messages.success(request, text % {"algorithms": names})


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return f"{value:g}" if isinstance(value, float) else str(value)


def _help(param: Param, tuned: Any) -> str:
    parts = [gettext(param.description)]
    if param.low is not None:
        parts.append(gettext("From %(low)s to %(high)s.") % {"low": _shown(param.low), "high": _shown(param.high)})
    parts.append(gettext("Empty: the default, %(default)s.") % {"default": _shown(param.default)})
    if tuned is not None:
        parts.append(gettext("Tuning found %(tuned)s; empty uses that.") % {"tuned": _shown(tuned)})
    return " ".join(parts)


def _field(param: Param, tuned: Any, initial: Any) -> forms.Field:
    help_text = _help(param, tuned)
    if param.kind is bool:
        choices = [("", gettext("Default")), ("true", gettext("Yes")), ("false", gettext("No"))]
        return forms.TypedChoiceField(
            choices=choices,
            coerce=lambda v: v == "true",
            empty_value=None,
            required=False,
            help_text=help_text,
            initial=None if initial is None else ("true" if initial else "false"),
        )
    if param.choices:
        choices = [("", gettext("Default")), *[(c, c) for c in param.choices]]
        return forms.ChoiceField(choices=choices, required=False, help_text=help_text, initial=initial)
    kind = forms.IntegerField if param.kind is int else forms.FloatField
    return kind(min_value=param.low, max_value=param.high, required=False, help_text=help_text, initial=initial)


class AlgorithmSettingForm(forms.ModelForm):
    """Enabled, plus one field per declared parameter; what is filled in becomes the staff's parameters."""

    class Meta:
        model = AlgorithmSetting
        fields = ["enabled"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.params if isinstance(self.instance.params, dict) else {}
        tuned = self.instance.tuned_params if isinstance(self.instance.tuned_params, dict) else {}
        for name, param in self.declared().items():
            self.fields[f"param_{name}"] = _field(param, tuned.get(name), stored.get(name))
            self.fields[f"param_{name}"].label = name

    def declared(self) -> dict[str, Param]:
        algorithm = ALGORITHMS.get(self.instance.algorithm)
        return algorithm.parameters if algorithm else {}

    def clean(self) -> dict:
        cleaned = super().clean()
        params = {}
        for name in self.declared():
            value = cleaned.get(f"param_{name}")
            if value not in (None, ""):
                params[name] = value
        try:
            ALGORITHMS[self.instance.algorithm](**params)  # the engine's own check, the last word
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.instance.params = params
        return cleaned


@admin.register(AlgorithmSetting)
class AlgorithmSettingAdmin(NamedActionPermissions, admin.ModelAdmin):
    form = AlgorithmSettingForm
    list_display = ("algorithm", "enabled", "live_version", "live_ndcg", "last_run", "chosen_input_summary", "tuned_at")
    list_editable = ("enabled",)
    readonly_fields = (
        "algorithm",
        "parameters_in_use",
        "chosen_input_table",
        "chosen_at",
        "params_json",
        "tuned_params_json",
        "tuned_at",
    )
    actions = ["train_now", "fold_in_now", "tune"]

    def get_fieldsets(self, request: HttpRequest, obj: AlgorithmSetting | None = None) -> list:
        names = list(ALGORITHMS[obj.algorithm].parameters) if obj and obj.algorithm in ALGORITHMS else []
        editable = self.has_change_permission(request, obj)
        chooses = not (obj and obj.algorithm in ALGORITHMS) or ALGORITHMS[obj.algorithm].chooses_input
        matrix_input = (
            gettext(
                "Each run tries the configured event weights and decays beside equal weights, plain counts "
                "and a 0/1 matrix (and some parameters left at their defaults) on a validation split, and "
                "fits the best; the choice is reused while the weights and parameters stay the same."
            )
            if chooses
            else gettext(
                "The ranker weighs events itself: each of its sources fits on its own input, so no run chooses one."
            )
        )
        return [
            (None, {"fields": ["algorithm", "enabled"]}),
            (
                gettext("Parameters"),
                {
                    "fields": [f"param_{name}" for name in names] if editable else ["parameters_in_use"],
                    "description": gettext(
                        "Set only what should differ: an empty field uses what tuning found, else the default. "
                        "The next training uses these values."
                    )
                    if editable
                    else "",
                },
            ),
            (
                gettext("Matrix input"),
                {
                    "fields": ["chosen_input_table", "chosen_at"] if chooses else [],
                    "description": matrix_input,
                },
            ),
            (
                gettext("As stored (JSON)"),
                {"fields": ["params_json", "tuned_params_json", "tuned_at"], "classes": ["collapse"]},
            ),
        ]

    def get_form(self, request: HttpRequest, obj: AlgorithmSetting | None = None, **kwargs: Any) -> type:
        kwargs["fields"] = ["enabled"]  # the parameter fields are added by the form itself
        return super().get_form(request, obj, **kwargs)

    @admin.display(description=gettext_lazy("in use"))
    def parameters_in_use(self, obj: AlgorithmSetting) -> str:
        algorithm = ALGORITHMS.get(obj.algorithm)
        if algorithm is None:
            return "-"
        rows = []
        for name, param in algorithm.parameters.items():
            if name in obj.params:
                value, source = obj.params[name], gettext("set by staff")
            elif name in obj.tuned_params:
                value, source = obj.tuned_params[name], gettext("found by tuning")
            else:
                value, source = param.default, gettext("default")
            span = {"low": _shown(param.low), "high": _shown(param.high)}
            bounds = "" if param.low is None else gettext("%(low)s to %(high)s") % span
            rows.append((name, _shown(value), source, bounds, gettext(param.description)))
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>{}</table>",
            gettext("parameter"),
            gettext("value"),
            gettext("from"),
            gettext("range"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description=gettext_lazy("matrix input"))
    def chosen_input_summary(self, obj: AlgorithmSetting) -> str:
        return choice_summary(obj.chosen_input)

    @admin.display(description=gettext_lazy("last choice"))
    def chosen_input_table(self, obj: AlgorithmSetting) -> str:
        return choice_table(obj.chosen_input)

    @admin.display(description=gettext_lazy("parameters set by staff"))
    def params_json(self, obj: AlgorithmSetting) -> str:
        return format_html("<code>{}</code>", json.dumps(obj.params, ensure_ascii=False))

    @admin.display(description=gettext_lazy("parameters found by tuning"))
    def tuned_params_json(self, obj: AlgorithmSetting) -> str:
        return format_html("<code>{}</code>", json.dumps(obj.tuned_params, ensure_ascii=False))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row per algorithm, made by a migration

    def has_delete_permission(self, request: HttpRequest, obj: AlgorithmSetting | None = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("live version"))
    def live_version(self, obj: AlgorithmSetting) -> str:
        version = ModelVersion.objects.filter(algorithm=obj.algorithm, is_live=True).first()
        if version is None:
            return "-"
        url = reverse("admin:recommendations_modelversion_change", args=[version.pk])
        return format_html('<a href="{}">{}</a>', url, version)

    @admin.display(description=gettext_lazy("live NDCG@10"))
    def live_ndcg(self, obj: AlgorithmSetting) -> str:
        version = ModelVersion.objects.filter(algorithm=obj.algorithm, is_live=True).select_related("run").first()
        return ndcg_text(version.run.ndcg() if version else None)

    @admin.display(description=gettext_lazy("last run"))
    def last_run(self, obj: AlgorithmSetting) -> str:
        run = TrainingRun.objects.filter(algorithm=obj.algorithm).first()
        if run is None:
            return "-"
        url = reverse("admin:recommendations_trainingrun_change", args=[run.pk])
        return format_html('<a href="{}">#{} {}</a>', url, run.pk, run.get_status_display())

    @admin.action(description=gettext_lazy("Train now"), permissions=["recommendations.train_model"])
    def train_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        _queue_runs(request, list(queryset.values_list("algorithm", flat=True)), tune=False)

    @admin.action(
        description=gettext_lazy("Fold in the latest events now (no fitting)"),
        permissions=["recommendations.train_model"],
    )
    def fold_in_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        live = set(ModelVersion.objects.filter(is_live=True).values_list("algorithm", flat=True))
        chosen = []
        for algorithm in queryset.values_list("algorithm", flat=True):
            if not folds_in(algorithm):
                text = gettext(
                    "%(algorithm)s ranks only the users it was fitted on, so it cannot fold in new events: "
                    "use Train now."
                )
                messages.error(request, text % {"algorithm": algorithm})
            elif algorithm not in live:
                text = gettext("%(algorithm)s has no live version to fold new events into: use Train now first.")
                messages.error(request, text % {"algorithm": algorithm})
            else:
                chosen.append(algorithm)
        if chosen:
            for algorithm in chosen:
                training_run_queue(
                    algorithm=algorithm, trigger="admin", requested_by=request.user, kind=TrainingRun.Kind.FOLD_IN
                )
            text = gettext(
                "Fold-in queued for %(algorithms)s: users whose data changed are ranked again with the live model; "
                "follow it under Training runs."
            )
            messages.success(request, text % {"algorithms": ", ".join(chosen)})

    @admin.action(
        description=gettext_lazy("Tune parameters (costs many trainings)"), permissions=["recommendations.train_model"]
    )
    def tune(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        algorithms = list(queryset.values_list("algorithm", flat=True))
        if request.POST.get("confirm") == "yes":
            _queue_runs(request, algorithms, tune=True)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Tune %(algorithms)s?") % {"algorithms": ", ".join(algorithms)},
            "algorithms": algorithms,
            "trials": settings.TUNING_TRIALS,
            "queryset": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/recommendations/algorithmsetting/tune_confirm.html", context)
