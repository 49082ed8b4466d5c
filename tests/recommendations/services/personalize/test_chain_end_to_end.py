"""The whole Personalize chain in order against stubbed AWS (Stubber on the real client, moto for S3):
export → setup → imports → solution → version → metrics → batch lists → served by the personalize variant."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from recommendations.integrations import personalize as gateway
from recommendations.models import ModelVersion, TrainingRun, Variant
from recommendations.services.personalize.training import personalize_training_advance, personalize_training_start
from recommendations.services.serving.pipeline import recommend
from tests.factories import AppUserFactory, EventFactory, ItemFactory

pytestmark = pytest.mark.django_db
REGION = "ap-northeast-1"
ARN = f"arn:aws:personalize:{REGION}:123456789012"


def test_export_to_serving(settings, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    settings.PERSONALIZE_BUCKET, settings.PERSONALIZE_PREFIX, settings.PERSONALIZE_DEPLOY = "bucket", "shop1", "batch"
    settings.PERSONALIZE_ROLE_ARN = "arn:aws:iam::123456789012:role/PersonalizeS3"
    items = [ItemFactory(external_id=f"i-{n}") for n in range(3)]
    EventFactory(user=AppUserFactory(external_id="alice"), item=items[0], type="purchase")
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
        personalize = boto3.client("personalize", region_name=REGION)
        with Stubber(personalize) as stub:
            gateway.clients_set(gateway.Clients(personalize=personalize, runtime=None, events=None, s3=s3))
            try:
                stub.add_response("create_dataset_group", {"datasetGroupArn": f"{ARN}:dataset-group/shop1-main"}, None)
                for dataset_type in ("Interactions", "Items", "Users"):
                    stub.add_response("create_schema", {"schemaArn": f"{ARN}:schema/{dataset_type}"}, None)
                    stub.add_response("create_dataset", {"datasetArn": f"{ARN}:dataset/{dataset_type}"}, None)
                for dataset_type in ("Interactions", "Items", "Users"):
                    stub.add_response(
                        "create_dataset_import_job", {"datasetImportJobArn": f"{ARN}:import/{dataset_type}"}, None
                    )
                run = personalize_training_start(trigger="command")
                assert run.status == TrainingRun.Status.RUNNING and len(run.snapshot["import_jobs"]) == 3

                for _job in range(3):
                    stub.add_response("describe_dataset_import_job", {"datasetImportJob": {"status": "ACTIVE"}}, None)
                stub.add_response("create_solution", {"solutionArn": f"{ARN}:solution/s"}, None)
                stub.add_response("describe_solution", {"solution": {"status": "ACTIVE"}}, None)
                stub.add_response("create_solution_version", {"solutionVersionArn": f"{ARN}:solution/s/v1"}, None)
                assert personalize_training_advance(run.pk) is False

                stub.add_response("describe_solution_version", {"solutionVersion": {"status": "ACTIVE"}}, None)
                stub.add_response(
                    "get_solution_metrics",
                    {"metrics": {"normalized_discounted_cumulative_gain_at_10": 0.3}},
                    {"solutionVersionArn": f"{ARN}:solution/s/v1"},
                )
                stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": f"{ARN}:batch/1"}, None)
                stub.add_response(
                    "describe_batch_inference_job", {"batchInferenceJob": {"status": "CREATE IN_PROGRESS"}}, None
                )
                assert personalize_training_advance(run.pk) is False  # trained; batch job running

                out = {
                    "input": {"userId": "alice"},
                    "output": {"recommendedItems": ["i-1", "i-2"], "scores": [0.8, 0.2]},
                }
                s3.put_object(Bucket="bucket", Key=f"shop1/batch/{run.pk}/out/users.json.out", Body=json.dumps(out))
                stub.add_response("describe_batch_inference_job", {"batchInferenceJob": {"status": "ACTIVE"}}, None)
                assert personalize_training_advance(run.pk) is True
                stub.assert_no_pending_responses()
            finally:
                gateway.clients_set(None)

    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED and run.ndcg() == pytest.approx(0.3)
    version = ModelVersion.objects.get(algorithm="personalize", is_live=True)
    Variant.objects.filter(slot__slot="items").update(algorithm="personalize", weight=1)
    result = recommend("items", "alice", limit=5)
    assert result.model_version == version.pk
    assert [result.external_ids[e.key] for e in result.entries] == ["i-1", "i-2"]
