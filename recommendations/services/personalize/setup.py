"""Create (or find again) the schemas, dataset group and datasets, and import an export into them.

Each create call's ARN is saved the moment AWS returns it; a step that finds its resource recorded
does not create it again, so a retried task resumes instead of paying twice.
"""

from __future__ import annotations

from django.conf import settings

from recommendations.generation import generation_changed
from recommendations.integrations import personalize as gateway
from recommendations.models import PersonalizeResource
from recommendations.services.personalize.schemas import DATASETS, avro_schema

Kind = PersonalizeResource.Kind


def resource_name(*parts: str) -> str:
    return "-".join([settings.PERSONALIZE_PREFIX, *parts])


def resource_recorded(kind: str, name: str) -> PersonalizeResource | None:
    return PersonalizeResource.objects.filter(kind=kind, name=name).exclude(arn="").first()


def resource_record(kind: str, name: str, arn: str, **details: object) -> PersonalizeResource:
    resource, _created = PersonalizeResource.objects.update_or_create(
        kind=kind, name=name, defaults={"arn": arn, "status": "CREATE PENDING", "details": details}
    )
    _serving_reads(resource)
    return resource


def _serving_reads(resource: PersonalizeResource) -> None:
    """Serving uses the active campaign and NG filter: a change to either applies at the next request."""
    if resource.kind in (Kind.CAMPAIGN, Kind.FILTER):
        generation_changed()


def dataset_group_setup() -> dict[str, str]:
    """Schemas, the dataset group and its three datasets; returns their ARNs by our name for them."""
    arns: dict[str, str] = {}
    group_name = resource_name(settings.PERSONALIZE_DATASET_GROUP)
    group = resource_recorded(Kind.DATASET_GROUP, group_name) or resource_record(
        Kind.DATASET_GROUP, group_name, gateway.dataset_group_create(group_name)
    )
    arns["dataset_group"] = group.arn
    for dataset_type in DATASETS:
        schema_name = resource_name(dataset_type.lower(), "v1")
        schema = resource_recorded(Kind.SCHEMA, schema_name) or resource_record(
            Kind.SCHEMA, schema_name, gateway.schema_create(schema_name, avro_schema(dataset_type))
        )
        dataset_name = resource_name(settings.PERSONALIZE_DATASET_GROUP, dataset_type.lower())
        dataset = resource_recorded(Kind.DATASET, dataset_name) or resource_record(
            Kind.DATASET,
            dataset_name,
            gateway.dataset_create(dataset_name, schema.arn, group.arn, dataset_type),
            dataset_type=dataset_type,
        )
        arns[dataset_type] = dataset.arn
    if settings.PERSONALIZE_METRIC_ATTRIBUTION:
        arns["metric_attribution"] = metric_attribution_setup(group.arn)
    return arns


# What Personalize reports for the events that follow its recommendations (at most 10 metrics). Revenue is
# the purchased item's catalogue price (Items.PRICE): the interactions schema carries no event value.
ATTRIBUTED_METRICS = [
    {"eventType": "view", "expression": "SAMPLECOUNT()", "metricName": "VIEWS"},
    {"eventType": "cart_add", "expression": "SAMPLECOUNT()", "metricName": "CART_ADDS"},
    {"eventType": "purchase", "expression": "SAMPLECOUNT()", "metricName": "PURCHASES"},
    {"eventType": "purchase", "expression": "SUM(Items.PRICE)", "metricName": "REVENUE"},
]


def metric_attribution_setup(dataset_group_arn: str) -> str:
    """The dataset group's metric attribution (one per group), created once; returns its ARN."""
    name = resource_name(settings.PERSONALIZE_DATASET_GROUP, "metrics")
    path = f"s3://{settings.PERSONALIZE_BUCKET}/{settings.PERSONALIZE_PREFIX}/metrics/"
    recorded = resource_recorded(Kind.METRIC_ATTRIBUTION, name) or resource_record(
        Kind.METRIC_ATTRIBUTION,
        name,
        gateway.metric_attribution_create(name, dataset_group_arn, ATTRIBUTED_METRICS, path),
        s3_path=path,
        metrics=[m["metricName"] for m in ATTRIBUTED_METRICS],
    )
    return recorded.arn


def import_jobs_start(export: PersonalizeResource, datasets: dict[str, str]) -> list[PersonalizeResource]:
    """One import job per exported file (incremental exports append); recorded jobs are not started again."""
    jobs = []
    stamp = export.name.rsplit("-", 1)[-1]
    for dataset_type, file in export.details["files"].items():
        name = resource_name("import", dataset_type.lower(), stamp)
        job = resource_recorded(Kind.IMPORT_JOB, name)
        if job is None:
            incremental = bool(export.details.get("incremental")) and dataset_type == "Interactions"
            arn = gateway.import_job_create(name, datasets[dataset_type], file["path"], incremental=incremental)
            job = resource_record(Kind.IMPORT_JOB, name, arn, export=export.name, dataset_type=dataset_type)
        jobs.append(job)
    return jobs


def status_refresh(resource: PersonalizeResource) -> PersonalizeResource:
    """Ask AWS for the resource's status and keep it (with the failure reason, if any)."""
    status, reason = gateway.status_of(resource.kind, resource.arn)
    resource.status = status
    if reason:
        resource.details = {**resource.details, "failure": reason}
    resource.save(update_fields=["status", "details", "updated_at"])
    _serving_reads(resource)
    return resource


FINAL = ("ACTIVE", "CREATE FAILED", "DONE")


def resources_refresh() -> int:
    """Ask AWS for the status of every resource still on its way (pending or in progress); returns how many."""
    pending = (
        PersonalizeResource.objects.exclude(status__in=FINAL).exclude(arn="").filter(kind__in=list(gateway.DESCRIBE))
    )
    count = 0
    for resource in pending:
        status_refresh(resource)
        count += 1
    return count
