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
        SCHEMA = "schema"
        DATASET_GROUP = "dataset_group"
        DATASET = "dataset"
        IMPORT_JOB = "import_job"
        SOLUTION = "solution"
        SOLUTION_VERSION = "solution_version"
        FILTER = "filter"
        CAMPAIGN = "campaign"
        BATCH_INFERENCE_JOB = "batch_inference_job"
        EVENT_TRACKER = "event_tracker"
        EXPORT = "export"
        DELETION_JOB = "deletion_job"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    name = models.CharField(max_length=200, help_text="Our name for it, prefixed (PERSONALIZE_PREFIX).")
    arn = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=64, blank=True, help_text="As AWS last reported it, e.g. ACTIVE.")
    details = models.JSONField(default=dict, blank=True, help_text="What else matters: S3 paths, metrics, failure.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Personalize resource")
        verbose_name_plural = _("Personalize resources")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="one_personalize_resource_per_name")]
        permissions = [("train_personalize", "Can train Amazon Personalize (billed by AWS)")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} ({self.status or 'unknown'})"
