from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from recommendations.admin.charts import line_chart
from recommendations.engine.algorithms import ALGORITHMS
from recommendations.errors import ApplicationError
from recommendations.models import AlgorithmSetting, ModelVersion, TrainingRun
from recommendations.services.task_dispatch import tasks_run_inline
from recommendations.services.training.pipeline import training_run_queue
from recommendations.services.training.publishing import model_version_publish, model_version_rollback
from recsite.admin_access import NamedActionPermissions, permission_view


def _queue_runs(request: HttpRequest, algorithms: list[str], *, tune: bool) -> None:
    for algorithm in algorithms:
        training_run_queue(algorithm=algorithm, tune=tune, trigger="admin", requested_by=request.user)
    what = "Tuning" if tune else "Training"
    messages.success(request, f"{what} queued for {', '.join(algorithms)}; follow it under Training runs.")


def _ndcg(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


class AlgorithmSettingForm(forms.ModelForm):
    class Meta:
        model = AlgorithmSetting
        fields = ["enabled", "params"]

    def clean_params(self) -> dict:
        params = self.cleaned_data["params"] or {}
        if not isinstance(params, dict):
            raise ValidationError('Parameters are a JSON object, e.g. {"factors": 128}.')
        algorithm = ALGORITHMS[self.instance.algorithm]
        try:
            algorithm(**params)
        except (TypeError, ValueError) as exc:
            known = ", ".join(f"{k} (default {v!r})" for k, v in algorithm.default_params.items()) or "none"
            raise ValidationError(f"{exc}. Parameters of {algorithm.name}: {known}.") from None
        return params


@admin.register(AlgorithmSetting)
class AlgorithmSettingAdmin(NamedActionPermissions, admin.ModelAdmin):
    form = AlgorithmSettingForm
    list_display = ("algorithm", "enabled", "live_version", "live_ndcg", "last_run", "tuned_at")
    list_editable = ("enabled",)
    readonly_fields = ("algorithm", "tuned_params", "tuned_at")
    fields = ("algorithm", "enabled", "params", "tuned_params", "tuned_at")
    actions = ["train_now", "tune"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row per algorithm, made by a migration

    def has_delete_permission(self, request: HttpRequest, obj: AlgorithmSetting | None = None) -> bool:
        return False

    @admin.display(description="live version")
    def live_version(self, obj: AlgorithmSetting) -> str:
        version = ModelVersion.objects.filter(algorithm=obj.algorithm, is_live=True).first()
        if version is None:
            return "-"
        url = reverse("admin:recommendations_modelversion_change", args=[version.pk])
        return format_html('<a href="{}">{}</a>', url, version)

    @admin.display(description="live NDCG@10")
    def live_ndcg(self, obj: AlgorithmSetting) -> str:
        version = ModelVersion.objects.filter(algorithm=obj.algorithm, is_live=True).select_related("run").first()
        return _ndcg(version.run.ndcg() if version else None)

    @admin.display(description="last run")
    def last_run(self, obj: AlgorithmSetting) -> str:
        run = TrainingRun.objects.filter(algorithm=obj.algorithm).first()
        if run is None:
            return "-"
        url = reverse("admin:recommendations_trainingrun_change", args=[run.pk])
        return format_html('<a href="{}">#{} {}</a>', url, run.pk, run.get_status_display())

    @admin.action(description="Train now", permissions=["recommendations.train_model"])
    def train_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        _queue_runs(request, list(queryset.values_list("algorithm", flat=True)), tune=False)

    @admin.action(description="Tune parameters (costs many trainings)", permissions=["recommendations.train_model"])
    def tune(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        algorithms = list(queryset.values_list("algorithm", flat=True))
        if request.POST.get("confirm") == "yes":
            _queue_runs(request, algorithms, tune=True)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Tune parameters?",
            "algorithms": algorithms,
            "trials": settings.TUNING_TRIALS,
            "queryset": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/recommendations/algorithmsetting/tune_confirm.html", context)


@admin.register(TrainingRun)
class TrainingRunAdmin(NamedActionPermissions, admin.ModelAdmin):
    list_display = (
        "id",
        "algorithm",
        "status",
        "trigger",
        "model_ndcg",
        "popularity_ndcg",
        "publish_note",
        "duration",
        "created_at",
    )
    list_filter = ("algorithm", "status", "trigger")
    actions = ["publish_anyway"]
    readonly_fields = ["metrics_table", "stage_timings", *[f.name for f in TrainingRun._meta.fields]]
    change_list_template = "admin/recommendations/trainingrun/change_list.html"

    def get_urls(self) -> list:
        return [
            path(
                "personalize-train/",
                permission_view(self, self.personalize_train_view, "recommendations.train_personalize"),
                name="recommendations_trainingrun_personalize_train",
            ),
            *super().get_urls(),
        ]

    def personalize_train_view(self, request: HttpRequest) -> HttpResponse:
        """POST: start a Personalize training run (asked to confirm first: it is billed by AWS)."""
        from recommendations.services.personalize.training import personalize_training_queue

        back = HttpResponseRedirect(reverse("admin:recommendations_trainingrun_changelist"))
        if request.method != "POST":
            return back
        if not settings.PERSONALIZE_BUCKET:
            self.message_user(
                request, "Personalize is off: set PERSONALIZE_BUCKET (docs/personalize.md).", messages.ERROR
            )
        elif tasks_run_inline():
            self.message_user(
                request, "No Celery worker here: run manage.py personalize_train instead.", messages.ERROR
            )
        else:
            run = personalize_training_queue(hpo=request.POST.get("hpo") == "yes", trigger="admin")
            self.message_user(
                request, f"Personalize training run {run.pk} started; workers advance it.", messages.SUCCESS
            )
        return back

    @admin.display(description="offline metrics")
    def metrics_table(self, obj: TrainingRun) -> str:
        model, popularity = obj.metrics.get("model") or {}, obj.metrics.get("popularity") or {}
        names = [n for n in model if n not in ("users", "fit_seconds")]
        if not names:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((n, f"{model[n]:.4f}", f"{popularity.get(n, float('nan')):.4f}") for n in names),
        )
        return format_html(
            "<table><tr><th>metric</th><th>{}</th><th>popularity</th></tr>{}</table><p>{} users evaluated; {}.</p>",
            obj.algorithm,
            rows,
            model.get("users", "?"),
            obj.metrics.get("split", ""),
        )

    @admin.display(description="stage timings")
    def stage_timings(self, obj: TrainingRun) -> str:
        if not obj.timings:
            return "-"
        return format_html_join(", ", "{} {} s", ((stage, f"{seconds:.1f}") for stage, seconds in obj.timings.items()))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs are started from Algorithm settings, the schedule or `manage.py train`

    def has_change_permission(self, request: HttpRequest, obj: TrainingRun | None = None) -> bool:
        return False  # a record of what happened: read, never edited (its page offers no Save)

    @admin.display(description="NDCG@10")
    def model_ndcg(self, obj: TrainingRun) -> str:
        return _ndcg(obj.ndcg("model"))

    @admin.display(description="popularity NDCG@10")
    def popularity_ndcg(self, obj: TrainingRun) -> str:
        return _ndcg(obj.ndcg("popularity"))

    @admin.display(description="seconds")
    def duration(self, obj: TrainingRun) -> str:
        return f"{sum(obj.timings.values()):.1f}" if obj.timings else "-"

    @admin.action(description="Publish anyway (past the metric guard)", permissions=["recommendations.publish_model"])
    def publish_anyway(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if request.POST.get("confirm") != "yes":
            return _confirmation(
                self,
                request,
                queryset,
                "publish_anyway",
                question="Publish past the metric guard?",
                explanation="Users are served these runs' models from now on, although their offline metrics did not "
                "beat the live versions by the guard's margin. The live versions can be rolled back to later.",
                yes="Yes, publish",
            )
        for run in queryset:
            try:
                version = model_version_publish(run, forced=True, published_by=request.user)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Run {run.pk} is now live as {version}.")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        series: dict[str, list[tuple[str, float]]] = {}
        runs = TrainingRun.objects.filter(status=TrainingRun.Status.SUCCEEDED).order_by("created_at")
        for run in runs.only("pk", "algorithm", "metrics")[:2000]:
            value = run.ndcg()
            if value is not None:
                series.setdefault(run.algorithm, []).append((f"run {run.pk}", value))
        chart = line_chart(series, title="NDCG@10 of each algorithm's runs (held-out last 20% of each user's events)")
        return super().changelist_view(request, {**(extra_context or {}), "ndcg_chart": chart})


@admin.register(ModelVersion)
class ModelVersionAdmin(NamedActionPermissions, admin.ModelAdmin):
    def has_change_permission(self, request: HttpRequest, obj: ModelVersion | None = None) -> bool:
        return False  # published by training, made live again by Roll back: never edited

    list_display = ("id", "algorithm", "is_live", "run_link", "ndcg", "forced", "published_at", "candidates_written_at")
    list_filter = ("algorithm", "is_live")
    list_select_related = ("run",)
    actions = ["roll_back"]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="run")
    def run_link(self, obj: ModelVersion) -> str:
        return format_html(
            '<a href="{}">#{}</a>', reverse("admin:recommendations_trainingrun_change", args=[obj.run_id]), obj.run_id
        )

    @admin.display(description="NDCG@10")
    def ndcg(self, obj: ModelVersion) -> str:
        return _ndcg(obj.run.ndcg())

    @admin.action(description="Roll back to this version (make it live)", permissions=["recommendations.publish_model"])
    def roll_back(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if queryset.count() != 1:
            messages.error(request, "Choose exactly one version to make live.")
            return None
        if request.POST.get("confirm") != "yes":
            return _confirmation(
                self,
                request,
                queryset,
                "roll_back",
                question="Serve this version again?",
                explanation="Users are served this version's lists from the next request on (rebuilt from its model "
                "file if they were pruned); the version live now stays, and can be made live again the same way.",
                yes="Yes, roll back",
            )
        version = queryset.get()
        try:
            model_version_rollback(version)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{version} is live again.")


def _confirmation(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    action: str,
    *,
    question: str,
    explanation: str,
    yes: str,
) -> TemplateResponse:
    """The page that asks before an action changes what users are served; its Yes posts the action again."""
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
