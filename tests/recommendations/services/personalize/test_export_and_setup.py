"""Personalize: exports written to S3 (moto) in the schemas' columns; setup calls checked against the real
service model (botocore Stubber), in order, with ARNs saved as they come."""

from __future__ import annotations

import csv
import io
import json

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from recommendations.integrations import personalize as gateway
from recommendations.models import PersonalizeResource
from recommendations.services.personalize.export import datasets_export
from recommendations.services.personalize.schemas import DATASETS, avro_schema, header
from recommendations.services.personalize.setup import dataset_group_setup, import_jobs_start
from tests.factories import AppUserFactory, EventFactory, ItemFactory

pytestmark = pytest.mark.django_db
REGION = "ap-northeast-1"
ACCOUNT = "123456789012"


@pytest.fixture
def aws(settings, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    settings.PERSONALIZE_BUCKET = "recsite-personalize-test"
    settings.PERSONALIZE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/PersonalizeS3"
    settings.PERSONALIZE_PREFIX = "shop1"
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket="recsite-personalize-test", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        gateway.clients_set(None)
        yield
    gateway.clients_set(None)


def _read(path: str) -> list[list[str]]:
    bucket, key = path.removeprefix("s3://").split("/", 1)
    body = boto3.client("s3", region_name=REGION).get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    return list(csv.reader(io.StringIO(body)))


def test_schemas_are_valid_avro_records_matching_the_csv_headers():
    for dataset_type in DATASETS:
        schema = json.loads(avro_schema(dataset_type))
        assert schema["type"] == "record" and schema["namespace"] == "com.amazonaws.personalize.schema"
        assert [f["name"] for f in schema["fields"]] == header(dataset_type)
    assert {"name": "CATEGORY_L1", "type": ["null", "string"], "categorical": True} in json.loads(avro_schema("Items"))[
        "fields"
    ]


def test_export_writes_three_files_in_schema_order_then_only_new_interactions(aws):
    item = ItemFactory(external_id="i-1", category_path="Home > Kitchen > Trays", price=1200)
    user = AppUserFactory(external_id="u-1", gender="female", birth_year=1990, region="Kanto")
    EventFactory(user=user, item=item, type="cart_add")
    EventFactory(user=user, item=item, type="not_interested")  # not a signal Personalize learns from

    first = datasets_export()
    interactions = _read(first.details["files"]["Interactions"]["path"])
    assert interactions[0] == header("Interactions") and len(interactions) == 2
    assert interactions[1][:2] == ["u-1", "i-1"] and interactions[1][3] == "cart_add"
    items = _read(first.details["files"]["Items"]["path"])
    assert items[1][2:7] == ["Home", "Kitchen", "Trays", item.shop.external_id, "1200.0"]
    users = _read(first.details["files"]["Users"]["path"])
    assert users[1] == ["u-1", "female", "35-44", "Kanto"]

    EventFactory(user=user, item=item, type="view")
    second = datasets_export()
    assert second.details["incremental"] and second.details["files"]["Interactions"]["rows"] == 1
    assert datasets_export(incremental=False).details["files"]["Interactions"]["rows"] == 2


def test_setup_creates_group_schemas_and_datasets_once(settings):
    settings.PERSONALIZE_PREFIX = "shop1"
    client = boto3.client("personalize", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    arn = f"arn:aws:personalize:{REGION}:{ACCOUNT}"
    with Stubber(client) as stub:
        stub.add_response(
            "create_dataset_group", {"datasetGroupArn": f"{arn}:dataset-group/shop1-main"}, {"name": "shop1-main"}
        )
        for dataset_type in DATASETS:
            low = dataset_type.lower()
            stub.add_response(
                "create_schema",
                {"schemaArn": f"{arn}:schema/shop1-{low}-v1"},
                {"name": f"shop1-{low}-v1", "schema": avro_schema(dataset_type)},
            )
            stub.add_response(
                "create_dataset",
                {"datasetArn": f"{arn}:dataset/shop1-main/{dataset_type.upper()}"},
                {
                    "name": f"shop1-main-{low}",
                    "schemaArn": f"{arn}:schema/shop1-{low}-v1",
                    "datasetGroupArn": f"{arn}:dataset-group/shop1-main",
                    "datasetType": dataset_type,
                },
            )
        gateway.clients_set(gateway.Clients(personalize=client, runtime=None, events=None, s3=None))
        try:
            arns = dataset_group_setup()
            stub.assert_no_pending_responses()
            again = dataset_group_setup()  # everything is recorded: no call at all (the stub has none left)
        finally:
            gateway.clients_set(None)
    assert arns == again and arns["Interactions"].endswith("/INTERACTIONS")
    assert PersonalizeResource.objects.filter(kind="dataset").count() == 3


def test_the_metric_attribution_is_created_once_when_asked_for(settings):
    """With PERSONALIZE_METRIC_ATTRIBUTION on, setup asks Personalize to report views, cart adds, purchases and
    revenue after its recommendations into the bucket, once; the request is checked against the service model."""
    settings.PERSONALIZE_PREFIX = "shop1"
    settings.PERSONALIZE_BUCKET = "recsite-personalize-test"
    settings.PERSONALIZE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/PersonalizeS3"
    settings.PERSONALIZE_METRIC_ATTRIBUTION = True
    arn = f"arn:aws:personalize:{REGION}:{ACCOUNT}"
    group = f"{arn}:dataset-group/shop1-main"
    PersonalizeResource.objects.create(kind="dataset_group", name="shop1-main", arn=group)
    for dataset_type in DATASETS:
        low = dataset_type.lower()
        PersonalizeResource.objects.create(kind="schema", name=f"shop1-{low}-v1", arn=f"{arn}:schema/shop1-{low}-v1")
        PersonalizeResource.objects.create(kind="dataset", name=f"shop1-main-{low}", arn=f"{arn}:dataset/{low}")
    client = boto3.client("personalize", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response(
            "create_metric_attribution",
            {"metricAttributionArn": f"{arn}:metric-attribution/shop1-main-metrics"},
            {
                "name": "shop1-main-metrics",
                "datasetGroupArn": group,
                "metrics": [
                    {"eventType": "view", "expression": "SAMPLECOUNT()", "metricName": "VIEWS"},
                    {"eventType": "cart_add", "expression": "SAMPLECOUNT()", "metricName": "CART_ADDS"},
                    {"eventType": "purchase", "expression": "SAMPLECOUNT()", "metricName": "PURCHASES"},
                    {"eventType": "purchase", "expression": "SUM(Items.PRICE)", "metricName": "REVENUE"},
                ],
                "metricsOutputConfig": {
                    "roleArn": f"arn:aws:iam::{ACCOUNT}:role/PersonalizeS3",
                    "s3DataDestination": {"path": "s3://recsite-personalize-test/shop1/metrics/"},
                },
            },
        )
        gateway.clients_set(gateway.Clients(personalize=client, runtime=None, events=None, s3=None))
        try:
            arns = dataset_group_setup()
            stub.assert_no_pending_responses()
            assert dataset_group_setup() == arns  # recorded: not created (or paid for) twice
        finally:
            gateway.clients_set(None)
    assert arns["metric_attribution"].endswith("metric-attribution/shop1-main-metrics")
    recorded = PersonalizeResource.objects.get(kind="metric_attribution")
    assert recorded.details["s3_path"] == "s3://recsite-personalize-test/shop1/metrics/"


def test_import_jobs_use_full_then_incremental_mode(settings):
    settings.PERSONALIZE_PREFIX = "shop1"
    settings.PERSONALIZE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/PersonalizeS3"
    export = PersonalizeResource.objects.create(
        kind="export",
        name="shop1-export-20261128T010000",
        status="DONE",
        details={"incremental": True, "files": {"Interactions": {"path": "s3://b/k/interactions.csv", "rows": 5}}},
    )
    client = boto3.client("personalize", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    dataset = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset/shop1-main/INTERACTIONS"
    with Stubber(client) as stub:
        stub.add_response(
            "create_dataset_import_job",
            {"datasetImportJobArn": f"{dataset}-import"},
            {
                "jobName": "shop1-import-interactions-20261128T010000",
                "datasetArn": dataset,
                "dataSource": {"dataLocation": "s3://b/k/interactions.csv"},
                "roleArn": settings.PERSONALIZE_ROLE_ARN,
                "importMode": "INCREMENTAL",
            },
        )
        gateway.clients_set(gateway.Clients(personalize=client, runtime=None, events=None, s3=None))
        try:
            jobs = import_jobs_start(export, {"Interactions": dataset})
            assert import_jobs_start(export, {"Interactions": dataset}) == jobs  # a retry starts nothing
        finally:
            gateway.clients_set(None)
    assert jobs[0].arn.endswith("-import") and jobs[0].status == "CREATE PENDING"
