"""Training in Personalize as a recsite TrainingRun: export → import → solution → solution version →
metrics. Each step is short; `personalize_training_advance` does what can be done now and says
whether to look again later, so no task ever sleeps while AWS works (tasks.py polls with backoff).

A failed import or training marks the run failed; nothing live changes, so the current version
keeps serving.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from recommendations.errors import Conflict
from recommendations.integrations import personalize as gateway
from recommendations.models import PersonalizeResource, TrainingRun
from recommendations.services.personalize.batch import batch_inference_publish, batch_inference_start
from recommendations.services.personalize.export import datasets_export
from recommendations.services.personalize.setup import (
    dataset_group_setup,
    import_jobs_start,
    resource_name,
    resource_record,
    resource_recorded,
    status_refresh,
)
from recommendations.services.task_dispatch import task_dispatch

ALGORITHM = "personalize"
Kind = PersonalizeResource.Kind
# Personalize's metric names -> ours, so its runs sit beside our models' in the admin and reports
METRICS = {
    "normalized_discounted_cumulative_gain_at_10": "ndcg@10",
    "precision_at_10": "precision@10",
    "mean_reciprocal_rank_at_25": "mrr@25",
    "coverage": "coverage",
}
FAILED = ("CREATE FAILED", "DELETE PENDING", "DELETE IN_PROGRESS")


def personalize_training_start(*, hpo: bool = False, update: bool = False, trigger: str = "admin") -> TrainingRun:
    """Export, make sure the dataset group exists, start the imports; returns the run to advance."""
    run = TrainingRun.objects.create(
        algorithm=ALGORITHM,
        status=TrainingRun.Status.RUNNING,
        trigger=trigger,
        tune=hpo,
        params={"recipe": settings.PERSONALIZE_RECIPE_ARN, "hpo": hpo, "training_mode": "UPDATE" if update else "FULL"},
        started_at=timezone.now(),
    )
    try:
        export = datasets_export(incremental=True)  # the first export is whole anyway; later ones append
        datasets = dataset_group_setup()
        jobs = import_jobs_start(export, datasets)
    except Exception as exc:
        _fail(run, f"could not start: {exc}")
        raise
    run.snapshot = {
        "export": export.name,
        "files": export.details["files"],
        "import_jobs": [j.name for j in jobs],
        "dataset_group": datasets["dataset_group"],
    }
    run.save(update_fields=["snapshot"])
    return run


def personalize_training_advance(run_id: int) -> bool:
    """Take every step that can be taken now; True when the run is finished (succeeded or failed)."""
    run = TrainingRun.objects.get(pk=run_id)
    if run.status == TrainingRun.Status.SUCCEEDED:
        return _deploy(run)
    if run.status != TrainingRun.Status.RUNNING:
        return True
    for name in run.snapshot.get("import_jobs", []):
        job = PersonalizeResource.objects.get(kind=Kind.IMPORT_JOB, name=name)
        if job.status != "ACTIVE":
            job = status_refresh(job)
        if job.status in FAILED:
            return _fail(run, f"import job {name} failed: {job.details.get('failure', 'no reason given')}")
        if job.status != "ACTIVE":
            return False
    solution = _solution(run)
    if solution.status != "ACTIVE":
        solution = status_refresh(solution)
        if solution.status in FAILED:
            return _fail(run, f"solution {solution.name} failed: {solution.details.get('failure', '')}")
        if solution.status != "ACTIVE":
            return False
    version_name = resource_name("version", str(run.pk))
    version = resource_recorded(Kind.SOLUTION_VERSION, version_name)
    if version is None:
        arn = gateway.solution_version_create(solution.arn, update=run.params.get("training_mode") == "UPDATE")
        version = resource_record(Kind.SOLUTION_VERSION, version_name, arn, run=run.pk)
        run.snapshot = {**run.snapshot, "solution_version": arn}
        run.save(update_fields=["snapshot"])
        return False
    version = status_refresh(version)
    if version.status in FAILED:
        return _fail(run, f"training failed: {version.details.get('failure', 'no reason given')}")
    if version.status != "ACTIVE":
        return False
    metrics = gateway.solution_metrics(version.arn)
    run.metrics = {
        "model": {ours: float(metrics[theirs]) for theirs, ours in METRICS.items() if theirs in metrics},
        "personalize": metrics,
        "split": "Personalize's own hold-out (not recsite's split)",
    }
    run.status = TrainingRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save(update_fields=["metrics", "status", "finished_at"])
    version.details = {**version.details, "metrics": metrics}
    version.save(update_fields=["details", "updated_at"])
    return _deploy(run)


def _deploy(run: TrainingRun) -> bool:
    """Serve the trained version: a campaign, or (the cheap default) a batch job's lists; True when done."""
    if run.snapshot.get("deployed"):
        return True
    if settings.PERSONALIZE_DEPLOY == "campaign":
        campaign = campaign_deploy(run)
        return _deployed(run, f"deployed to campaign {campaign.name}")
    job = batch_inference_start(run)
    if job.status != "ACTIVE":
        job = status_refresh(job)
    if job.status in FAILED:
        return _deployed(run, f"batch job failed: {job.details.get('failure', 'no reason given')}; nothing changed")
    if job.status != "ACTIVE":
        return False
    version = batch_inference_publish(job)
    return _deployed(run, f"published as version {version.pk} from batch job {job.name}")


def _deployed(run: TrainingRun, note: str) -> bool:
    run.snapshot = {**run.snapshot, "deployed": True}
    run.publish_note = note[:300]
    run.save(update_fields=["snapshot", "publish_note"])
    return True


def _solution(run: TrainingRun) -> PersonalizeResource:
    """The solution for the configured recipe (and HPO choice), created once."""
    recipe = settings.PERSONALIZE_RECIPE_ARN.rsplit("/", 1)[-1]
    name = resource_name("solution", recipe, "hpo" if run.tune else "plain")
    solution = resource_recorded(Kind.SOLUTION, name)
    if solution is None:
        arn = gateway.solution_create(
            name,
            run.snapshot["dataset_group"],
            settings.PERSONALIZE_RECIPE_ARN,
            hpo=run.tune,
            event_weights=settings.TRAINING_EVENT_WEIGHTS,
        )
        solution = resource_record(Kind.SOLUTION, name, arn, recipe=settings.PERSONALIZE_RECIPE_ARN)
    return solution


def _fail(run: TrainingRun, error: str) -> bool:
    run.status = TrainingRun.Status.FAILED
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return True


def campaign_deploy(run: TrainingRun) -> PersonalizeResource:
    """Serve a succeeded run's solution version from the campaign (created the first time, updated after).

    A new campaign is served once `resources_refresh` (every 5 minutes) sees it ACTIVE; an updated one
    keeps serving its previous version until AWS finishes.
    """
    if run.status != TrainingRun.Status.SUCCEEDED or not run.snapshot.get("solution_version"):
        raise Conflict(f"Run {run.pk} has no trained solution version to deploy.")
    name = resource_name(settings.PERSONALIZE_DATASET_GROUP, "campaign")
    campaign = resource_recorded(Kind.CAMPAIGN, name)
    version = run.snapshot["solution_version"]
    if campaign is None:
        arn = gateway.campaign_create(name, version)
        return resource_record(Kind.CAMPAIGN, name, arn, solution_version=version, run=run.pk)
    gateway.campaign_update(campaign.arn, version)
    # the campaign stays ACTIVE on its previous version until the update is done
    campaign.details = {**campaign.details, "solution_version": version, "run": run.pk}
    campaign.save(update_fields=["details", "updated_at"])
    return campaign


def personalize_training_queue(*, hpo: bool = False, trigger: str = "admin") -> TrainingRun:
    """Start a run (UPDATE once a full one has succeeded, else FULL) and hand it to the workers."""
    update = TrainingRun.objects.filter(algorithm=ALGORITHM, status=TrainingRun.Status.SUCCEEDED).exists()
    run = personalize_training_start(hpo=hpo, update=update, trigger=trigger)
    task_dispatch("recommendations.personalize_training_advance", run.pk)
    return run
