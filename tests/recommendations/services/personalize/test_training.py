"""A Personalize training run advanced step by step against stubbed AWS: imports, solution, version,
metrics recorded as a TrainingRun; a failed training fails the run and leaves the live version serving."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from recommendations.integrations import personalize as gateway
from recommendations.models import ModelVersion, PersonalizeResource, TrainingRun
from recommendations.services.personalize.training import personalize_training_advance
from tests.recommendations.services.serving.world import live_version

pytestmark = pytest.mark.django_db
ARN = "arn:aws:personalize:ap-northeast-1:123456789012"
GROUP = f"{ARN}:dataset-group/shop1-main"
IMPORT = f"{ARN}:dataset-import-job/shop1-import-interactions-1"
SOLUTION = f"{ARN}:solution/shop1-solution-aws-user-personalization-v2-plain"


@pytest.fixture
def run(settings):
    settings.PERSONALIZE_PREFIX = "shop1"
    settings.TRAINING_EVENT_WEIGHTS = {"view": 1.0, "favorite": 3.0, "cart_add": 5.0, "purchase": 8.0}
    settings.PERSONALIZE_DEPLOY = "campaign"  # the batch path is tested in test_batch.py
    PersonalizeResource.objects.create(
        kind="import_job", name="shop1-import-interactions-1", arn=IMPORT, status="CREATE PENDING"
    )
    return TrainingRun.objects.create(
        algorithm="personalize",
        status=TrainingRun.Status.RUNNING,
        params={"training_mode": "FULL"},
        snapshot={"import_jobs": ["shop1-import-interactions-1"], "dataset_group": GROUP},
    )


@pytest.fixture
def personalize():
    client = boto3.client("personalize", region_name="ap-northeast-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        gateway.clients_set(gateway.Clients(personalize=client, runtime=None, events=None, s3=None))
        yield stub
        stub.assert_no_pending_responses()
    gateway.clients_set(None)


def _import_status(stub, status: str) -> None:
    stub.add_response(
        "describe_dataset_import_job", {"datasetImportJob": {"status": status}}, {"datasetImportJobArn": IMPORT}
    )


def _up_to_version(stub, run) -> str:
    version = f"{ARN}:solution/shop1-solution/{run.pk}"
    _import_status(stub, "CREATE IN_PROGRESS")
    _import_status(stub, "ACTIVE")
    stub.add_response(
        "create_solution",
        {"solutionArn": SOLUTION},
        {
            "name": "shop1-solution-aws-user-personalization-v2-plain",
            "datasetGroupArn": GROUP,
            "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization-v2",
            "performHPO": False,
            "solutionConfig": {
                "eventsConfig": {
                    "eventParametersList": [
                        {"eventType": "cart_add", "weight": 0.625},
                        {"eventType": "favorite", "weight": 0.375},
                        {"eventType": "purchase", "weight": 1.0},
                        {"eventType": "view", "weight": 0.125},
                    ]
                }
            },
        },
    )
    stub.add_response("describe_solution", {"solution": {"status": "ACTIVE"}}, {"solutionArn": SOLUTION})
    stub.add_response(
        "create_solution_version", {"solutionVersionArn": version}, {"solutionArn": SOLUTION, "trainingMode": "FULL"}
    )
    assert personalize_training_advance(run.pk) is False  # imports still running
    assert personalize_training_advance(run.pk) is False  # training started
    return version


def test_a_run_goes_from_imports_to_metrics(run, personalize):
    version = _up_to_version(personalize, run)
    run.refresh_from_db()
    assert run.snapshot["solution_version"] == version  # saved as soon as AWS returned it
    personalize.add_response(
        "describe_solution_version",
        {"solutionVersion": {"status": "CREATE IN_PROGRESS"}},
        {"solutionVersionArn": version},
    )
    assert personalize_training_advance(run.pk) is False
    personalize.add_response(
        "describe_solution_version", {"solutionVersion": {"status": "ACTIVE"}}, {"solutionVersionArn": version}
    )
    personalize.add_response(
        "get_solution_metrics",
        {
            "solutionVersionArn": version,
            "metrics": {"normalized_discounted_cumulative_gain_at_10": 0.2134, "coverage": 0.41},
        },
        {"solutionVersionArn": version},
    )
    personalize.add_response(
        "create_campaign",
        {"campaignArn": f"{ARN}:campaign/shop1-main-campaign"},
        {"name": "shop1-main-campaign", "solutionVersionArn": version, "minProvisionedTPS": 1},
    )
    assert personalize_training_advance(run.pk) is True
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED and run.ndcg() == pytest.approx(0.2134)
    campaign = PersonalizeResource.objects.get(kind="campaign")
    assert campaign.status == "CREATE PENDING"  # served once the refresh sees it ACTIVE
    personalize.add_response("describe_campaign", {"campaign": {"status": "ACTIVE"}}, {"campaignArn": campaign.arn})
    from recommendations.services.personalize.setup import resources_refresh

    assert resources_refresh() == 1
    campaign.refresh_from_db()
    assert campaign.status == "ACTIVE"
    assert run.metrics["model"]["coverage"] == pytest.approx(0.41)
    assert personalize_training_advance(run.pk) is True  # a redelivered task does nothing more


def test_a_failed_training_fails_the_run_and_the_live_version_keeps_serving(run, personalize):
    live = live_version("als")
    version = _up_to_version(personalize, run)
    personalize.add_response(
        "describe_solution_version",
        {"solutionVersion": {"status": "CREATE FAILED", "failureReason": "Not enough interactions"}},
        {"solutionVersionArn": version},
    )
    assert personalize_training_advance(run.pk) is True
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED and "Not enough interactions" in run.error
    assert ModelVersion.objects.get(pk=live.pk).is_live


def test_a_failed_import_fails_the_run(run, personalize):
    personalize.add_response(
        "describe_dataset_import_job",
        {"datasetImportJob": {"status": "CREATE FAILED", "failureReason": "Bad CSV header"}},
        {"datasetImportJobArn": IMPORT},
    )
    assert personalize_training_advance(run.pk) is True
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED and "Bad CSV header" in run.error


def test_personalize_runs_show_in_the_admin_beside_our_own(client, run):
    from django.contrib.auth import get_user_model

    run.status, run.metrics = TrainingRun.Status.SUCCEEDED, {"model": {"ndcg@10": 0.21}}
    run.save()
    client.force_login(get_user_model().objects.create_superuser("mika", "m@example.com", "pw-for-tests-only"))
    assert client.get("/admin/recommendations/trainingrun/").status_code == 200
    assert client.get(f"/admin/recommendations/trainingrun/{run.pk}/change/").status_code == 200


def test_the_admin_lists_personalize_resources_and_refreshes_them(client, personalize):
    from django.contrib.auth import get_user_model

    resource = PersonalizeResource.objects.create(
        kind="import_job", name="shop1-x", arn=IMPORT, status="CREATE PENDING"
    )
    client.force_login(get_user_model().objects.create_superuser("mika", "m@example.com", "pw-for-tests-only"))
    assert "shop1-x" in client.get("/admin/recommendations/personalizeresource/").content.decode()
    _import_status(personalize, "ACTIVE")
    client.post("/admin/recommendations/personalizeresource/", {"action": "refresh", "_selected_action": [resource.pk]})
    resource.refresh_from_db()
    assert resource.status == "ACTIVE"


def test_the_train_command_needs_the_bucket_and_role(settings):
    from django.core.management import CommandError, call_command

    settings.PERSONALIZE_BUCKET = ""
    with pytest.raises(CommandError, match="PERSONALIZE_BUCKET"):
        call_command("personalize_train")


def test_the_admin_button_explains_when_personalize_cannot_train(staff, settings):
    settings.PERSONALIZE_BUCKET = ""
    response = staff.post("/admin/recommendations/trainingrun/personalize-train/", follow=True)
    assert "Personalize is off: set PERSONALIZE_BUCKET" in response.content.decode()
    settings.PERSONALIZE_BUCKET = "bucket"
    response = staff.post("/admin/recommendations/trainingrun/personalize-train/", follow=True)
    assert "No Celery worker here" in response.content.decode()  # tests run tasks in-process
    assert not TrainingRun.objects.filter(algorithm="personalize").exists()


def test_nightly_personalize_training_is_off_unless_asked(settings):
    from recommendations.tasks import personalize_training_nightly_task

    settings.PERSONALIZE_BUCKET, settings.PERSONALIZE_TRAIN_NIGHTLY = "bucket", False
    assert personalize_training_nightly_task() is None
