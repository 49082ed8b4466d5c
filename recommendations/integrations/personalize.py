"""The Amazon Personalize gateway: every call recsite makes to AWS for Personalize (boto3), in one place.

Answers are plain values (ARNs, (item, score) pairs, status strings); any failure of AWS or of the
network is raised as `PersonalizeUnavailable`, an application error whose `reason` names it
("timeout", "throttled", or AWS's error code), so no botocore exception reaches training or serving.

Tests put botocore Stubbers on these same clients (`clients_set`), so each request is checked against
the real service model; S3 is tested with moto.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, ParamSpec, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError
from django.conf import settings

from recommendations import metrics
from recommendations.errors import Unavailable

P = ParamSpec("P")
R = TypeVar("R")


class PersonalizeUnavailable(Unavailable):
    """Personalize (or its S3 bucket) did not answer as asked; `reason` says how, for traces and counters."""


def _reason(exc: Exception) -> str:
    if isinstance(exc, (ReadTimeoutError, ConnectTimeoutError)):
        return "timeout"
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "error")
        return "throttled" if "Throttl" in code else code
    return type(exc).__name__


def _gateway(call: Callable[P, R]) -> Callable[P, R]:
    """Turn whatever AWS or the network raises into PersonalizeUnavailable, keeping the cause."""

    @functools.wraps(call)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        except (PersonalizeUnavailable, AssertionError):  # AssertionError: a botocore Stubber's mismatch in tests
            raise
        except Exception as exc:  # any failure of the outside service is one condition for its callers
            reason = _reason(exc)
            metrics.personalize_errors.labels(call.__name__, reason[:40]).inc()
            raise PersonalizeUnavailable(
                f"Amazon Personalize: {call.__name__} failed ({reason}): {exc}", reason=reason
            ) from exc
        finally:
            metrics.personalize_seconds.labels(call.__name__).observe(time.perf_counter() - started)

    return guarded


@dataclass
class Clients:
    personalize: Any
    runtime: Any
    events: Any
    s3: Any


_clients: Clients | None = None


def clients() -> Clients:
    """The boto3 clients, made once per process from settings (credentials from the usual AWS chain)."""
    global _clients
    if _clients is None:
        region = settings.PERSONALIZE_REGION
        # serving calls get a strict time budget and no retries: the fallback chain is faster
        budget = settings.PERSONALIZE_TIMEOUT_MS / 1000
        runtime_config = Config(connect_timeout=budget, read_timeout=budget, retries={"total_max_attempts": 1})
        _clients = Clients(
            personalize=boto3.client("personalize", region_name=region),
            runtime=boto3.client("personalize-runtime", region_name=region, config=runtime_config),
            events=boto3.client("personalize-events", region_name=region),
            s3=boto3.client("s3", region_name=region),
        )
    return _clients


def clients_set(value: Clients | None) -> None:
    """Use these clients (tests: stubbed ones); None makes fresh ones on next use."""
    global _clients
    _clients = value


# --- S3 --------------------------------------------------------------------------------------


@_gateway
def s3_upload(fileobj: IO[bytes], key: str) -> str:
    """Upload to the Personalize bucket; returns the s3:// path Personalize reads."""
    clients().s3.upload_fileobj(fileobj, settings.PERSONALIZE_BUCKET, key)
    return f"s3://{settings.PERSONALIZE_BUCKET}/{key}"


@_gateway
def s3_keys(prefix: str) -> list[str]:
    """Every object key under `prefix` in the Personalize bucket."""
    pages = clients().s3.get_paginator("list_objects_v2").paginate(Bucket=settings.PERSONALIZE_BUCKET, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


@_gateway
def s3_object(key: str) -> bytes:
    """One object of the Personalize bucket, whole."""
    return clients().s3.get_object(Bucket=settings.PERSONALIZE_BUCKET, Key=key)["Body"].read()


@_gateway
def s3_replace(key: str, content: bytes) -> None:
    """Write an object of the Personalize bucket anew."""
    clients().s3.put_object(Bucket=settings.PERSONALIZE_BUCKET, Key=key, Body=content)


# --- data --------------------------------------------------------------------------------------


@_gateway
def schema_create(name: str, schema: str) -> str:
    return clients().personalize.create_schema(name=name, schema=schema)["schemaArn"]


@_gateway
def dataset_group_create(name: str) -> str:
    return clients().personalize.create_dataset_group(name=name)["datasetGroupArn"]


@_gateway
def dataset_create(name: str, schema_arn: str, dataset_group_arn: str, dataset_type: str) -> str:
    return clients().personalize.create_dataset(
        name=name, schemaArn=schema_arn, datasetGroupArn=dataset_group_arn, datasetType=dataset_type
    )["datasetArn"]


@_gateway
def import_job_create(name: str, dataset_arn: str, s3_path: str, *, incremental: bool) -> str:
    return clients().personalize.create_dataset_import_job(
        jobName=name,
        datasetArn=dataset_arn,
        dataSource={"dataLocation": s3_path},
        roleArn=settings.PERSONALIZE_ROLE_ARN,
        importMode="INCREMENTAL" if incremental else "FULL",
    )["datasetImportJobArn"]


@_gateway
def metric_attribution_create(name: str, dataset_group_arn: str, metrics: list[dict], s3_path: str) -> str:
    """Ask Personalize to report `metrics` of the events that follow its recommendations (CloudWatch and S3)."""
    return clients().personalize.create_metric_attribution(
        name=name,
        datasetGroupArn=dataset_group_arn,
        metrics=metrics,
        metricsOutputConfig={"roleArn": settings.PERSONALIZE_ROLE_ARN, "s3DataDestination": {"path": s3_path}},
    )["metricAttributionArn"]


# --- status ----------------------------------------------------------------------------------

DESCRIBE = {
    "dataset_group": ("describe_dataset_group", "datasetGroupArn", "datasetGroup"),
    "dataset": ("describe_dataset", "datasetArn", "dataset"),
    "import_job": ("describe_dataset_import_job", "datasetImportJobArn", "datasetImportJob"),
    "solution": ("describe_solution", "solutionArn", "solution"),
    "solution_version": ("describe_solution_version", "solutionVersionArn", "solutionVersion"),
    "batch_inference_job": ("describe_batch_inference_job", "batchInferenceJobArn", "batchInferenceJob"),
    "campaign": ("describe_campaign", "campaignArn", "campaign"),
    "event_tracker": ("describe_event_tracker", "eventTrackerArn", "eventTracker"),
    "filter": ("describe_filter", "filterArn", "filter"),
    "metric_attribution": ("describe_metric_attribution", "metricAttributionArn", "metricAttribution"),
}


@_gateway
def status_of(kind: str, arn: str) -> tuple[str, str]:
    """(status, failure reason) of a resource, e.g. ("CREATE IN_PROGRESS", "")."""
    operation, key, wrapper = DESCRIBE[kind]
    described = getattr(clients().personalize, operation)(**{key: arn})[wrapper]
    return described.get("status", ""), described.get("failureReason", "")


# --- training --------------------------------------------------------------------------------


@_gateway
def solution_create(name: str, dataset_group_arn: str, recipe_arn: str, *, hpo: bool, event_weights: dict) -> str:
    config: dict[str, Any] = {}
    if event_weights:
        top = max(event_weights.values())  # Personalize takes weights from 0 to 1: ours scaled, same ratios
        config["eventsConfig"] = {
            "eventParametersList": [
                {"eventType": kind, "weight": round(weight / top, 4)} for kind, weight in sorted(event_weights.items())
            ]
        }
    return clients().personalize.create_solution(
        name=name, datasetGroupArn=dataset_group_arn, recipeArn=recipe_arn, performHPO=hpo, solutionConfig=config
    )["solutionArn"]


@_gateway
def solution_version_create(solution_arn: str, *, update: bool) -> str:
    return clients().personalize.create_solution_version(
        solutionArn=solution_arn, trainingMode="UPDATE" if update else "FULL"
    )["solutionVersionArn"]


@_gateway
def solution_metrics(solution_version_arn: str) -> dict[str, float]:
    return clients().personalize.get_solution_metrics(solutionVersionArn=solution_version_arn)["metrics"]


# --- serving ---------------------------------------------------------------------------------


MAX_FILTER_VALUES = 100  # values Personalize takes for one placeholder
CATEGORY_LEVELS = 3  # category levels the items data set carries (CATEGORY_L1..L3)


@_gateway
def recommendations_get(
    campaign_arn: str,
    user_id: str,
    n: int,
    filter_arn: str | None = None,
    filter_values: dict[str, str] | None = None,
) -> list[tuple[str, float]]:
    """A campaign's (item id, score) list for a user; raises on timeout, throttling or any error."""
    extra: dict = {"filterArn": filter_arn} if filter_arn else {}
    if filter_arn and filter_values:
        extra["filterValues"] = filter_values
    answer = clients().runtime.get_recommendations(campaignArn=campaign_arn, userId=user_id, numResults=n, **extra)
    return [(entry["itemId"], float(entry.get("score", 0.0))) for entry in answer.get("itemList", [])]


def request_filter_expressions() -> list[tuple[str, str]]:
    """(parameter, expression) for each request filter a filter can carry as a placeholder. All are EXCLUDEs:
    Personalize ignores an EXCLUDE whose value a request leaves out, so one filter serves any combination."""
    return [
        ("EXCLUDE_IDS", "EXCLUDE ItemID WHERE Items.ITEM_ID IN ($EXCLUDE_IDS)"),
        ("SHOP_ID", "EXCLUDE ItemID WHERE Items.SHOP_ID NOT IN ($SHOP_ID)"),
        *[
            (f"CATEGORY_L{n}", f"EXCLUDE ItemID WHERE Items.CATEGORY_L{n} NOT IN ($CATEGORY_L{n})")
            for n in range(1, CATEGORY_LEVELS + 1)
        ],
    ]


def filter_takes_request_values(expression: str) -> bool:
    """Whether a filter's expression has the request filters' placeholders (one made before them has none,
    and must not be sent values it has no place for)."""
    return all(f"${parameter}" in expression for parameter, _expression in request_filter_expressions())


def request_filter_values(exclude_ids: list[str], shop_id: str, category_levels: list[str]) -> dict[str, str]:
    """The filterValues for a request: each value quoted, several joined by commas; a value with a quote or a
    backslash, and category levels past CATEGORY_LEVELS, are left to recsite's own filter (Personalize's
    syntax has no escape, and its data set no deeper level)."""
    usable = [v for v in exclude_ids if '"' not in v and "\\" not in v][:MAX_FILTER_VALUES]
    values = {"EXCLUDE_IDS": ",".join(f'"{v}"' for v in sorted(usable))} if usable else {}
    if shop_id and '"' not in shop_id and "\\" not in shop_id:
        values["SHOP_ID"] = f'"{shop_id}"'
    for n, level in enumerate(category_levels[:CATEGORY_LEVELS], start=1):
        if '"' not in level and "\\" not in level:
            values[f"CATEGORY_L{n}"] = f'"{level}"'
    return values


# --- live events and deletion ------------------------------------------------------------------


@_gateway
def event_tracker_create(name: str, dataset_group_arn: str) -> tuple[str, str]:
    """(tracker ARN, tracking id) of a new event tracker."""
    answer = clients().personalize.create_event_tracker(name=name, datasetGroupArn=dataset_group_arn)
    return answer["eventTrackerArn"], answer["trackingId"]


@_gateway
def events_put(tracking_id: str, user_id: str, session_id: str, events: list[dict]) -> None:
    """Up to 10 events of one user's session (PutEvents' limit)."""
    clients().events.put_events(trackingId=tracking_id, userId=user_id, sessionId=session_id, eventList=events)


@_gateway
def data_deletion_job_create(name: str, dataset_group_arn: str, s3_path: str) -> str:
    return clients().personalize.create_data_deletion_job(
        jobName=name,
        datasetGroupArn=dataset_group_arn,
        dataSource={"dataLocation": s3_path},
        roleArn=settings.PERSONALIZE_ROLE_ARN,
    )["dataDeletionJobArn"]


@_gateway
def campaign_create(name: str, solution_version_arn: str) -> str:
    return clients().personalize.create_campaign(
        name=name, solutionVersionArn=solution_version_arn, minProvisionedTPS=1
    )["campaignArn"]


@_gateway
def campaign_update(campaign_arn: str, solution_version_arn: str) -> str:
    return clients().personalize.update_campaign(campaignArn=campaign_arn, solutionVersionArn=solution_version_arn)[
        "campaignArn"
    ]


@_gateway
def filter_create(name: str, dataset_group_arn: str, expression: str) -> str:
    return clients().personalize.create_filter(
        name=name, datasetGroupArn=dataset_group_arn, filterExpression=expression
    )["filterArn"]


@_gateway
def batch_inference_job_create(name: str, solution_version_arn: str, input_path: str, output_path: str, n: int) -> str:
    return clients().personalize.create_batch_inference_job(
        jobName=name,
        solutionVersionArn=solution_version_arn,
        jobInput={"s3DataSource": {"path": input_path}},
        jobOutput={"s3DataDestination": {"path": output_path}},
        roleArn=settings.PERSONALIZE_ROLE_ARN,
        numResults=n,
    )["batchInferenceJobArn"]


@_gateway
def s3_read(path: str) -> bytes:
    bucket, key = path.removeprefix("s3://").split("/", 1)
    return clients().s3.get_object(Bucket=bucket, Key=key)["Body"].read()


@_gateway
def filter_delete(filter_arn: str) -> None:
    clients().personalize.delete_filter(filterArn=filter_arn)
