"""What recsite knows of its Amazon Personalize resources: every ARN, saved as soon as AWS returns it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PersonalizeResource(models.Model):
    """A schema, dataset group, dataset, import job, solution, solution version, filter, campaign,
    batch inference job, event tracker or export, with its last known status.

    Saved the moment AWS answers a create call, so a retried task finds it and resumes polling instead
    of paying for a second import or training.
    """

    class Kind(models.TextChoices):
        SCHEMA = "schema", _("Schema")
        DATASET_GROUP = "dataset_group", _("Dataset group")
        DATASET = "dataset", _("Dataset")
        IMPORT_JOB = "import_job", _("Import job")
        SOLUTION = "solution", _("Solution")
        SOLUTION_VERSION = "solution_version", _("Solution version")
        FILTER = "filter", _("Filter")
        CAMPAIGN = "campaign", _("Campaign")
        BATCH_INFERENCE_JOB = "batch_inference_job", _("Batch inference job")
        EVENT_TRACKER = "event_tracker", _("Event tracker")
        EXPORT = "export", _("Export")
        DELETION_JOB = "deletion_job", _("Deletion job")
        METRIC_ATTRIBUTION = "metric_attribution", _("Metric attribution")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, help_text=_("Our name for it, prefixed (PERSONALIZE_PREFIX)."))
    arn = models.CharField(_("arn"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=64, blank=True, help_text=_("As AWS last reported it, e.g. ACTIVE.")
    )
    details = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("What else matters: S3 paths, metrics, failure.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Personalize resource")
        verbose_name_plural = _("Personalize resources")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="one_personalize_resource_per_name")]
        permissions = [("train_personalize", "Can train Amazon Personalize (billed by AWS)")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} ({self.status or 'unknown'})"
