"""Batch inference: every known user's list from a job's output becomes a live version, served like ours."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from recommendations.errors import Conflict
from recommendations.integrations import personalize as gateway
from recommendations.models import ModelVersion, PersonalizeResource, TrainingRun, Variant
from recommendations.services.personalize.batch import batch_inference_publish, batch_inference_start
from recommendations.services.serving.pipeline import recommend
from tests.factories import AppUserFactory, EventFactory, ItemFactory

pytestmark = pytest.mark.django_db
REGION = "ap-northeast-1"
VERSION = "arn:aws:personalize:ap-northeast-1:123456789012:solution/shop1-solution/abc"


@pytest.fixture
def aws(settings, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    settings.PERSONALIZE_BUCKET, settings.PERSONALIZE_PREFIX = "bucket", "shop1"
    settings.PERSONALIZE_ROLE_ARN = "arn:aws:iam::123456789012:role/PersonalizeS3"
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
        personalize = boto3.client("personalize", region_name=REGION)
        with Stubber(personalize) as stub:
            gateway.clients_set(gateway.Clients(personalize=personalize, runtime=None, events=None, s3=s3))
            yield stub, s3
    gateway.clients_set(None)


def test_a_batch_job_becomes_a_live_version_that_serves(aws):
    stub, s3 = aws
    items = [ItemFactory(external_id=f"i-{n}") for n in range(3)]
    alice = AppUserFactory(external_id="alice")
    EventFactory(user=alice, item=items[0])
    run = TrainingRun.objects.create(
        algorithm="personalize", status=TrainingRun.Status.SUCCEEDED, snapshot={"solution_version": VERSION}
    )
    stub.add_response(
        "create_batch_inference_job",
        {"batchInferenceJobArn": f"{VERSION}/batch"},
        {
            "jobName": f"shop1-batch-{run.pk}",
            "solutionVersionArn": VERSION,
            "jobInput": {"s3DataSource": {"path": f"s3://bucket/shop1/batch/{run.pk}/users.json"}},
            "jobOutput": {"s3DataDestination": {"path": f"s3://bucket/shop1/batch/{run.pk}/out/"}},
            "roleArn": ANY,
            "numResults": 200,
        },
    )
    job = batch_inference_start(run)
    sent = s3.get_object(Bucket="bucket", Key=f"shop1/batch/{run.pk}/users.json")["Body"].read().decode()
    assert json.loads(sent.splitlines()[0]) == {"userId": "alice"}
    assert batch_inference_start(run) == job  # a retry does not start a second job

    output = {
        "input": {"userId": "alice"},
        "output": {"recommendedItems": ["i-2", "unknown", "i-1"], "scores": [0.6, 0.3, 0.1]},
    }
    s3.put_object(Bucket="bucket", Key=f"shop1/batch/{run.pk}/out/users.json.out", Body=json.dumps(output) + "\n")
    job.status = "ACTIVE"
    job.save()
    version = batch_inference_publish(job)
    assert ModelVersion.objects.get(pk=version.pk).is_live

    Variant.objects.filter(slot__slot="items").update(algorithm="personalize", weight=1)
    result = recommend("items", "alice", limit=5)  # from the batch list: no real-time call is made
    assert result.algorithm == "personalize" and result.model_version == version.pk
    assert [result.external_ids[e.key] for e in result.entries] == ["i-2", "i-1"]


def test_an_unfinished_job_is_not_published(aws):
    job = PersonalizeResource(kind="batch_inference_job", name="x", status="CREATE IN_PROGRESS")
    with pytest.raises(Conflict, match="not ACTIVE"):
        batch_inference_publish(job)


def test_a_trained_run_is_deployed_through_a_batch_job(aws):
    from recommendations.services.personalize.training import personalize_training_advance

    stub, s3 = aws
    item = ItemFactory(external_id="i-1")
    EventFactory(user=AppUserFactory(external_id="alice"), item=item)
    run = TrainingRun.objects.create(
        algorithm="personalize", status=TrainingRun.Status.SUCCEEDED, snapshot={"solution_version": VERSION}
    )
    batch_arn = f"{VERSION}/batch"
    stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": batch_arn}, None)
    stub.add_response(
        "describe_batch_inference_job",
        {"batchInferenceJob": {"status": "CREATE IN_PROGRESS"}},
        {"batchInferenceJobArn": batch_arn},
    )
    assert personalize_training_advance(run.pk) is False
    stub.add_response(
        "describe_batch_inference_job", {"batchInferenceJob": {"status": "ACTIVE"}}, {"batchInferenceJobArn": batch_arn}
    )
    output = {"input": {"userId": "alice"}, "output": {"recommendedItems": ["i-1"], "scores": [0.9]}}
    s3.put_object(Bucket="bucket", Key=f"shop1/batch/{run.pk}/out/users.json.out", Body=json.dumps(output) + "\n")
    assert personalize_training_advance(run.pk) is True
    run.refresh_from_db()
    assert run.publish_note.startswith("published as version") and run.snapshot["deployed"]
    assert ModelVersion.objects.get(algorithm="personalize").is_live
    assert personalize_training_advance(run.pk) is True  # done: nothing more happens
