"""Training runs, the model versions they publish, and the candidate lists a version serves."""

from __future__ import annotations

import numpy as np
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from recommendations.engine.algorithms import ALGORITHMS

from .catalog import AppUser, Item
from .slots import LIST_SLOTS, slot_choices

ALGORITHM_CHOICES = [(name, name) for name in ALGORITHMS]


class AlgorithmSetting(models.Model):
    """Whether the nightly schedule trains an algorithm, and with which parameters."""

    algorithm = models.CharField(_("algorithm"), max_length=32, choices=ALGORITHM_CHOICES, unique=True)
    enabled = models.BooleanField(_("enabled"), default=False, help_text=_("Trained by the nightly schedule."))
    params = models.JSONField(
        _("params"), default=dict, blank=True, help_text=_("Parameters set by staff; they win over tuned ones.")
    )
    tuned_params = models.JSONField(_("tuned params"), default=dict, blank=True, editable=False)
    tuned_at = models.DateTimeField(_("tuned at"), null=True, blank=True, editable=False)
    # the matrix input (and fit-time parameters) a run last chose on validation, reused for a while
    chosen_input = models.JSONField(_("chosen input"), default=dict, blank=True, editable=False)
    chosen_at = models.DateTimeField(_("input chosen at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("algorithm setting")
        verbose_name_plural = _("algorithm settings")
        ordering = ["algorithm"]
        permissions = [("train_model", "Can train models and tune their parameters")]

    def __str__(self) -> str:
        return self.algorithm

    def effective_params(self) -> dict:
        return {**self.tuned_params, **self.params}


class TrainingRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        FULL = "full", _("Full")
        REFIT = "refit", _("Refit")
        FOLD_IN = "fold_in", _("Fold-in")

    algorithm = models.CharField(_("algorithm"), max_length=32, choices=ALGORITHM_CHOICES)
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=Kind.choices,
        default=Kind.FULL,
        help_text=_(
            "Full: fit, rank every user. Refit: fit, rank only users whose data changed. Fold-in: no fit, the live "
            "model ranks users whose data changed. Users not ranked again keep their lists (docs/training.md)."
        ),
    )
    params = models.JSONField(_("params"), default=dict, blank=True)
    tune = models.BooleanField(_("tune"), default=False, help_text=_("Search parameters first (costs many trainings)."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    trigger = models.CharField(_("trigger"), max_length=16, default="admin")  # schedule, admin, command
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=0)
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True, help_text=_("The data it learnt from."))
    metrics = models.JSONField(
        _("metrics"), default=dict, blank=True, help_text=_("Offline metrics, the model's beside popularity's.")
    )
    timings = models.JSONField(_("timings"), default=dict, blank=True, help_text=_("Seconds per stage."))
    publish_note = models.CharField(_("publish note"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    artifact = models.FileField(_("artifact"), upload_to="models/", blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(
        _("dispatched at"),
        null=True,
        blank=True,
        help_text=_("When its task was last sent to the workers (sent again if it never starts)."),
    )

    class Meta:
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return gettext("%(algorithm)s run %(run)s (%(status)s)") % {
            "algorithm": self.algorithm,
            "run": self.pk,
            "status": self.get_status_display(),
        }

    def ndcg(self, who: str = "model") -> float | None:
        return (self.metrics.get(who) or {}).get("ndcg@10")


class ModelVersion(models.Model):
    """A published training run. At most one version per algorithm is live at a time."""

    run = models.OneToOneField(TrainingRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="version")
    algorithm = models.CharField(_("algorithm"), max_length=32, choices=ALGORITHM_CHOICES)
    is_live = models.BooleanField(_("is live"), default=False)
    forced = models.BooleanField(_("forced"), default=False, help_text=_("Published by staff past the metric guard."))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    candidates_written_at = models.DateTimeField(_("candidates written at"), null=True, blank=True)
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("lists carried from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Users this version did not rank again are served their lists from this version."),
    )
    # users ranked and carried, and why users were ranked again (engine.user_inputs.REASONS)
    ranking = models.JSONField(_("ranking"), default=dict, blank=True)

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["-published_at"]
        permissions = [("publish_model", "Can publish a run past the metric guard and roll back versions")]
        constraints = [
            models.UniqueConstraint(
                fields=["algorithm"], condition=Q(is_live=True), name="one_live_version_per_algorithm"
            )
        ]

    def __str__(self) -> str:
        name = f"{self.algorithm} v{self.pk}"
        return gettext("%(version)s (live)") % {"version": name} if self.is_live else name


class RankedInputs(models.Model):
    """What a version's user lists were ranked from, a digest per user (engine.user_inputs): the next
    incremental run ranks again only the users whose digest changed."""

    version = models.OneToOneField(
        ModelVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="ranked_inputs"
    )
    records = models.BinaryField(_("records"))

    def __str__(self) -> str:
        return f"ranked inputs of version {self.version_id}"


def lineages(versions: dict[int, int | None], starts: list[int]) -> dict[int, list[int]]:
    """For each start version, it and the versions it carries lists from, newest first, given every version's
    `carried_from` (only versions in `versions`: a chain stops at one missing there, such as a pruned one)."""
    out = {}
    for start in starts:
        chain, at = [], start
        while at in versions and at not in chain:
            chain.append(at)
            at = versions.get(at)
        out[start] = chain
    return out


class PackedList(models.Model):
    """A ranked list stored as packed arrays: int64 keys (ours) and float32 scores, best first.

    Packed rather than JSON because a version writes hundreds of thousands of 200-entry lists:
    parsing that much JSON into jsonb was the slowest step of publishing (bench/train.py).
    """

    ids = models.BinaryField(_("ids"))
    scores = models.BinaryField(_("scores"))

    class Meta:
        abstract = True

    @staticmethod
    def pack(keys: np.ndarray | list[int], scores: np.ndarray | list[float]) -> tuple[bytes, bytes]:
        return np.asarray(keys, dtype="<i8").tobytes(), np.asarray(scores, dtype="<f4").tobytes()

    @property
    def keys(self) -> list[int]:
        return np.frombuffer(bytes(self.ids), dtype="<i8").tolist()

    @property
    def values(self) -> list[float]:
        return np.frombuffer(bytes(self.scores), dtype="<f4").tolist()


class UserCandidates(PackedList):
    """One user's precomputed candidates for one slot: item or shop keys (ours), best first."""

    version = models.ForeignKey(
        ModelVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="user_candidates"
    )
    slot = models.CharField(_("slot"), max_length=16, choices=slot_choices(LIST_SLOTS))
    # the unique (user, version, slot) index serves lookups by user; a second one only slowed publishing
    user = models.ForeignKey(
        AppUser, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "version", "slot"], name="one_list_per_user_version_slot")
        ]

    def __str__(self) -> str:
        return f"{self.slot} for user {self.user_id} from version {self.version_id}"


class SegmentCandidates(PackedList):
    """Popularity candidates for a user segment ('all', 'female', 'female|25-34', 'female|25-34|Kanto')."""

    version = models.ForeignKey(
        ModelVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="segment_candidates"
    )
    slot = models.CharField(_("slot"), max_length=16, choices=slot_choices(LIST_SLOTS))
    segment = models.CharField(_("segment"), max_length=320)  # "category:" and a category path

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "slot", "segment"], name="one_list_per_segment_version_slot")
        ]

    def __str__(self) -> str:
        return f"{self.slot} for segment {self.segment} from version {self.version_id}"


class ItemNeighbours(PackedList):
    """Items viewed in the same sessions as this one, strongest first: the session re-rank and 'similar items'."""

    version = models.ForeignKey(
        ModelVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="item_neighbours"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "item"], name="one_neighbour_list_per_version_item")]

    def __str__(self) -> str:
        return f"neighbours of item {self.item_id} from version {self.version_id}"


class ContentNeighbours(PackedList):
    """Items most alike this one in title, category, shop and price, strongest first: similar items for
    items with few views, and the exploration source for new ones. Refreshed hourly, not per version."""

    item = models.OneToOneField(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="+")
    computed_at = models.DateTimeField(_("computed at"), db_default=Now())

    def __str__(self) -> str:
        return f"content neighbours of item {self.item_id}"
