"""Daily lists from Personalize without a campaign: a batch inference job for every known user, whose
output becomes a ModelVersion's candidate lists, served like any of recsite's own models."""

from __future__ import annotations

import io
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recommendations.errors import Conflict
from recommendations.integrations import personalize as gateway
from recommendations.models import (
    AppUser,
    Item,
    ModelVersion,
    PackedList,
    PersonalizeResource,
    Slot,
    TrainingRun,
    UserCandidates,
)
from recommendations.services.personalize.setup import resource_name, resource_record, resource_recorded
from recommendations.services.training.publishing import model_version_make_live

Kind = PersonalizeResource.Kind


def batch_inference_start(run: TrainingRun) -> PersonalizeResource:
    """Upload the users with events as the job's input and start the job (once per run)."""
    name = resource_name("batch", str(run.pk))
    job = resource_recorded(Kind.BATCH_INFERENCE_JOB, name)
    if job is not None:
        return job
    users = AppUser.objects.filter(events__isnull=False).distinct().values_list("external_id", flat=True)
    lines = "".join(json.dumps({"userId": u}) + "\n" for u in users.iterator(chunk_size=20_000))
    base = f"{settings.PERSONALIZE_PREFIX}/batch/{run.pk}"
    input_path = gateway.s3_upload(io.BytesIO(lines.encode()), f"{base}/users.json")
    output_path = f"s3://{settings.PERSONALIZE_BUCKET}/{base}/out/"
    arn = gateway.batch_inference_job_create(
        name, run.snapshot["solution_version"], input_path, output_path, settings.CANDIDATES_PER_USER
    )
    return resource_record(Kind.BATCH_INFERENCE_JOB, name, arn, run=run.pk, input=input_path, output=output_path)


def batch_inference_publish(job: PersonalizeResource) -> ModelVersion:
    """Turn a finished job's output (JSON lines: input.userId, output.recommendedItems and scores) into
    a live version's candidate lists; users and items recsite does not know are skipped."""
    if job.status != "ACTIVE":
        raise Conflict(f"Batch job {job.name} is {job.status or 'not finished'}, not ACTIVE.")
    output = gateway.s3_read(job.details["output"] + "users.json.out")
    rows = [json.loads(line) for line in output.decode().splitlines() if line.strip()]
    users = dict(
        AppUser.objects.filter(external_id__in=[r["input"]["userId"] for r in rows]).values_list("external_id", "pk")
    )
    wanted = {i for r in rows for i in (r.get("output") or {}).get("recommendedItems", [])}
    items = dict(Item.objects.filter(external_id__in=wanted).values_list("external_id", "pk"))
    run = TrainingRun.objects.get(pk=job.details["run"])
    with transaction.atomic():
        version = ModelVersion.objects.create(run=run, algorithm="personalize", published_at=timezone.now())
        lists = []
        for row in rows:
            user = users.get(row["input"]["userId"])
            out = row.get("output") or {}
            pairs = [
                (items[i], s)
                for i, s in zip(out.get("recommendedItems", []), out.get("scores", []), strict=False)
                if i in items
            ]
            if user is None or not pairs:
                continue
            ids, scores = PackedList.pack([k for k, _s in pairs], [s for _k, s in pairs])
            lists.append(UserCandidates(version=version, slot=Slot.ITEMS, user_id=user, ids=ids, scores=scores))
        UserCandidates.objects.bulk_create(lists, batch_size=2000)
        version.candidates_written_at = timezone.now()
        version.save(update_fields=["candidates_written_at"])
    model_version_make_live(version)
    job.details = {**job.details, "version": version.pk, "users": len(lists)}
    job.save(update_fields=["details", "updated_at"])
    return version
