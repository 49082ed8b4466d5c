"""Admin for what training produced: runs (read-only, with their metrics and the NDCG chart) and the
model versions they published, with Publish anyway and Roll back behind a confirmation."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy

from recommendations.admin.algorithm_settings import ndcg_text
from recommendations.admin.charts import line_chart
from recommendations.admin.confirmation import action_confirmation
from recommendations.admin.input_choice import choice_table
from recommendations.admin.publish_notes import publish_note_text
from recommendations.admin.ranker_report import blend_report
from recommendations.admin.run_metrics import run_metrics_table
from recommendations.admin.version_ranking import ranked_counts, ranking_text
from recommendations.engine.algorithms import ALGORITHMS
from recommendations.errors import ApplicationError
from recommendations.models import ModelVersion, TrainingRun
from recommendations.services.task_dispatch import tasks_run_inline
from recommendations.services.training.publishing import model_version_publish, model_version_rollback
from recsite.admin_access import NamedActionPermissions, permission_view

STAGE_NAMES = {
    "load": gettext_lazy("load"),
    "fold_in": gettext_lazy("fold in"),
    "split": gettext_lazy("split"),
    "choose": gettext_lazy("choose input"),
    "tune": gettext_lazy("tune"),
    "fit": gettext_lazy("fit"),
    "evaluate": gettext_lazy("evaluate"),
    "store": gettext_lazy("store"),
    "candidates": gettext_lazy("candidate lists"),
}


@admin.register(TrainingRun)
class TrainingRunAdmin(NamedActionPermissions, admin.ModelAdmin):
    list_display = (
        "id",
        "algorithm",
        "kind",
        "status",
        "trigger",
        "model_ndcg",
        "popularity_ndcg",
        "users_ranked",
        "publish_note_shown",
        "duration",
        "created_at",
    )
    list_filter = ("algorithm", "kind", "status", "trigger")
    actions = ["publish_anyway"]
    exclude = ["publish_note"]  # shown in the reader's language as publish_note_shown, never as stored
    readonly_fields = [
        "metrics_table",
        "blend",
        "input_choice",
        "stage_timings",
        "ranking",
        *["publish_note_shown" if f.name == "publish_note" else f.name for f in TrainingRun._meta.fields],
    ]
    change_list_template = "admin/recommendations/trainingrun/change_list.html"

    def get_fieldsets(self, request: HttpRequest, obj: TrainingRun | None = None) -> list:
        # the stored metrics and timings are worded above; their JSON stays at hand, folded
        stored = ["metrics", "timings"]
        fit = (obj.metrics.get("fit") if obj else None) or {}
        blends = obj is not None and ("blended" in obj.metrics or "feature_importance" in fit)
        hidden = stored if blends else [*stored, "blend"]  # only a ranker's run has models it blends
        if obj is not None and obj.algorithm in ALGORITHMS and not ALGORITHMS[obj.algorithm].chooses_input:
            hidden = [*hidden, "input_choice"]  # the ranker weighs events itself: there is no choice to show
        shown = [name for name in self.get_readonly_fields(request, obj) if name not in hidden]
        return [(None, {"fields": shown}), (gettext("As stored (JSON)"), {"fields": stored, "classes": ["collapse"]})]

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
                request, gettext("Personalize is off: set PERSONALIZE_BUCKET (docs/personalize.md)."), messages.ERROR
            )
        elif tasks_run_inline():
            self.message_user(
                request, gettext("No Celery worker here: run manage.py personalize_train instead."), messages.ERROR
            )
        else:
            run = personalize_training_queue(hpo=request.POST.get("hpo") == "yes", trigger="admin")
            self.message_user(
                request,
                gettext("Personalize training run %(run)s started; workers advance it.") % {"run": run.pk},
                messages.SUCCESS,
            )
        return back

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("version")

    @admin.display(description=gettext_lazy("publish note"))
    def publish_note_shown(self, obj: TrainingRun) -> str:
        return publish_note_text(obj.publish_note) or "-"

    @admin.display(description=gettext_lazy("users ranked / carried"))
    def users_ranked(self, obj: TrainingRun) -> str:
        version = getattr(obj, "version", None)
        return ranked_counts(version.ranking) if version else "-"

    @admin.display(description=gettext_lazy("users ranked"))
    def ranking(self, obj: TrainingRun) -> str:
        version = getattr(obj, "version", None)
        return ranking_text(version.ranking) if version else "-"

    @admin.display(description=gettext_lazy("offline metrics"))
    def metrics_table(self, obj: TrainingRun) -> str:
        return run_metrics_table(obj)

    @admin.display(description=gettext_lazy("models blended and what the ranker learnt"))
    def blend(self, obj: TrainingRun) -> str:
        return blend_report(obj)

    @admin.display(description=gettext_lazy("matrix input chosen"))
    def input_choice(self, obj: TrainingRun) -> str:
        return choice_table(obj.metrics.get("choice"))

    @admin.display(description=gettext_lazy("stage timings"))
    def stage_timings(self, obj: TrainingRun) -> str:
        if not obj.timings:
            return "-"
        return format_html_join(
            ", ",
            "{} {} s",
            ((STAGE_NAMES.get(stage, stage), f"{seconds:.1f}") for stage, seconds in obj.timings.items()),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs are started from Algorithm settings, the schedule or `manage.py train`

    def has_change_permission(self, request: HttpRequest, obj: TrainingRun | None = None) -> bool:
        return False  # a record of what happened: read, never edited (its page offers no Save)

    @admin.display(description=gettext_lazy("NDCG@10"))
    def model_ndcg(self, obj: TrainingRun) -> str:
        return ndcg_text(obj.ndcg("model"))

    @admin.display(description=gettext_lazy("popularity NDCG@10"))
    def popularity_ndcg(self, obj: TrainingRun) -> str:
        return ndcg_text(obj.ndcg("popularity"))

    @admin.display(description=gettext_lazy("seconds"))
    def duration(self, obj: TrainingRun) -> str:
        return f"{sum(obj.timings.values()):.1f}" if obj.timings else "-"

    @admin.action(
        description=gettext_lazy("Publish anyway (past the metric guard)"),
        permissions=["recommendations.publish_model"],
    )
    def publish_anyway(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if request.POST.get("confirm") != "yes":
            return action_confirmation(
                self,
                request,
                queryset,
                "publish_anyway",
                question=gettext("Publish past the metric guard?"),
                explanation=gettext(
                    "Users are served these runs' models from now on, although their offline metrics did not beat "
                    "the live versions by the guard's margin. The live versions can be rolled back to later."
                ),
                yes=gettext("Yes, publish"),
            )
        for run in queryset:
            try:
                version = model_version_publish(run, forced=True, published_by=request.user)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, gettext("Run %(run)s is now live as %(version)s.") % {"run": run.pk, "version": version}
                )

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        series: dict[str, list[tuple[str, float]]] = {}
        runs = TrainingRun.objects.filter(status=TrainingRun.Status.SUCCEEDED).order_by("created_at")
        for run in runs.only("pk", "algorithm", "metrics")[:2000]:
            value = run.ndcg()
            if value is not None:
                runs_so_far = series.setdefault(run.algorithm, [])
                runs_so_far.append((str(len(runs_so_far) + 1), value))
        chart = line_chart(
            series,
            title=gettext("NDCG@10 of each algorithm's runs (held out: the latest %(share)s of each user's events)")
            % {"share": "20%"},
            x_title=gettext("each algorithm's runs, oldest first"),
        )
        return super().changelist_view(request, {**(extra_context or {}), "ndcg_chart": chart})


@admin.register(ModelVersion)
class ModelVersionAdmin(NamedActionPermissions, admin.ModelAdmin):
    list_display = (
        "id",
        "algorithm",
        "is_live",
        "run_link",
        "ndcg",
        "users_ranked",
        "carried_from",
        "forced",
        "published_at",
        "candidates_written_at",
    )
    list_filter = ("algorithm", "is_live")
    list_select_related = ("run",)
    actions = ["roll_back"]
    exclude = ["ranking"]  # worded as ranking_summary, never shown as stored
    readonly_fields = ["ranking_summary", *[f.name for f in ModelVersion._meta.fields if f.name != "ranking"]]

    @admin.display(description=gettext_lazy("users ranked / carried"))
    def users_ranked(self, obj: ModelVersion) -> str:
        return ranked_counts(obj.ranking)

    @admin.display(description=gettext_lazy("users ranked"))
    def ranking_summary(self, obj: ModelVersion) -> str:
        return ranking_text(obj.ranking)

    def has_change_permission(self, request: HttpRequest, obj: ModelVersion | None = None) -> bool:
        return False  # published by training, made live again by Roll back: never edited

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("run"))
    def run_link(self, obj: ModelVersion) -> str:
        return format_html(
            '<a href="{}">#{}</a>', reverse("admin:recommendations_trainingrun_change", args=[obj.run_id]), obj.run_id
        )

    @admin.display(description=gettext_lazy("NDCG@10"))
    def ndcg(self, obj: ModelVersion) -> str:
        return ndcg_text(obj.run.ndcg())

    @admin.action(
        description=gettext_lazy("Roll back to this version (make it live)"),
        permissions=["recommendations.publish_model"],
    )
    def roll_back(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if queryset.count() != 1:
            messages.error(request, gettext("Choose exactly one version to make live."))
            return None
        if request.POST.get("confirm") != "yes":
            return action_confirmation(
                self,
                request,
                queryset,
                "roll_back",
                question=gettext("Serve this version again?"),
                explanation=gettext(
                    "Users are served this version's lists from the next request on (rebuilt from its model file if "
                    "they were pruned); the version live now stays, and can be made live again the same way."
                ),
                yes=gettext("Yes, roll back"),
            )
        version = queryset.get()
        try:
            model_version_rollback(version)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, gettext("%(version)s is live again.") % {"version": version})
