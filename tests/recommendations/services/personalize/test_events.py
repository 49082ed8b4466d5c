"""Live events forwarded with PutEvents after ingestion commits; erased users deleted in Personalize."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from botocore.stub import ANY, Stubber
from django.utils import timezone
from moto import mock_aws

from recommendations.integrations import personalize as gateway
from recommendations.models import PersonalizeResource, Scope
from tests.factories import AppUserFactory, ItemFactory

pytestmark = pytest.mark.django_db
GROUP = "arn:aws:personalize:ap-northeast-1:123456789012:dataset-group/shop1-main"


@pytest.fixture
def personalize_on(settings):
    settings.PERSONALIZE_BUCKET = "bucket"
    settings.PERSONALIZE_PREFIX = "shop1"
    settings.PERSONALIZE_ROLE_ARN = "arn:aws:iam::123456789012:role/PersonalizeS3"
    PersonalizeResource.objects.create(kind="dataset_group", name="shop1-main", arn=GROUP, status="ACTIVE")
    PersonalizeResource.objects.create(
        kind="event_tracker", name="shop1-main-tracker", arn=f"{GROUP}/tracker", details={"tracking_id": "track-1"}
    )
    yield
    gateway.clients_set(None)


def _client(service: str):
    return boto3.client(service, region_name="ap-northeast-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_ingested_events_are_forwarded_in_groups_of_ten_per_session(
    personalize_on, make_client, django_capture_on_commit_callbacks
):
    ItemFactory(external_id="i-1")
    events_client = _client("personalize-events")
    at = timezone.now() - dt.timedelta(minutes=5)
    batch = [
        {"event_id": f"00000000-0000-4000-8000-{n:012d}", "user_id": "u-1", "item_id": "i-1", "session_id": "s-1",
         "type": "view", "occurred_at": (at + dt.timedelta(seconds=n)).isoformat()}
        for n in range(12)
    ]  # fmt: skip
    with Stubber(events_client) as stub:
        for _chunk in ("first 10", "last 2"):
            stub.add_response(
                "put_events", {}, {"trackingId": "track-1", "userId": "u-1", "sessionId": "s-1", "eventList": ANY}
            )
        gateway.clients_set(gateway.Clients(personalize=None, runtime=None, events=events_client, s3=None))
        with django_capture_on_commit_callbacks(execute=True):
            response = make_client(Scope.EVENTS_WRITE).post("/api/v1/events", {"events": batch}, format="json")
        assert response.status_code == 200 and response.json()["stored"] == 12
        stub.assert_no_pending_responses()


def test_nothing_is_forwarded_while_personalize_is_off(settings, make_client):
    settings.PERSONALIZE_BUCKET = ""
    ItemFactory(external_id="i-1")
    gateway.clients_set(gateway.Clients(personalize=None, runtime=None, events=object(), s3=None))  # would fail if used
    event = {
        "event_id": "00000000-0000-4000-8000-000000000001", "user_id": "u", "item_id": "i-1", "type": "view",
        "session_id": "s", "occurred_at": timezone.now().isoformat(),
    }  # fmt: skip
    assert make_client(Scope.EVENTS_WRITE).post("/api/v1/events", {"events": [event]}, format="json").status_code == 200
    gateway.clients_set(None)


def test_erasing_a_user_starts_a_deletion_job_and_scrubs_the_bucket(
    personalize_on, make_client, django_capture_on_commit_callbacks
):
    AppUserFactory(external_id="u-9")
    personalize = _client("personalize")
    export = "shop1/exports/20261130T000000000000"
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-northeast-1")
        s3.create_bucket(Bucket="bucket", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"})
        s3.put_object(
            Bucket="bucket",
            Key=f"{export}/interactions.csv",
            Body=b"USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nu-1,i-1,1,view\nu-9,i-2,2,purchase\nu-90,i-3,3,view\n",
        )
        s3.put_object(Bucket="bucket", Key=f"{export}/users.csv", Body=b"USER_ID,GENDER\nu-9,female\nu-1,male\n")
        s3.put_object(Bucket="bucket", Key="shop1/batch/7/users.json", Body=b'{"userId": "u-9"}\n{"userId": "u-1"}\n')
        with Stubber(personalize) as stub:
            stub.add_response(
                "create_data_deletion_job",
                {"dataDeletionJobArn": f"{GROUP}/delete-1"},
                {"jobName": ANY, "datasetGroupArn": GROUP, "dataSource": {"dataLocation": ANY}, "roleArn": ANY},
            )
            gateway.clients_set(gateway.Clients(personalize=personalize, runtime=None, events=None, s3=s3))
            with django_capture_on_commit_callbacks(execute=True):
                assert make_client(Scope.USERS_ERASE).delete("/api/v1/users/u-9").status_code == 200
            stub.assert_no_pending_responses()

        def read(key: str) -> str:
            return s3.get_object(Bucket="bucket", Key=key)["Body"].read().decode()

        assert (
            read(f"{export}/interactions.csv")
            == "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nu-1,i-1,1,view\nu-90,i-3,3,view\n"
        )
        assert read(f"{export}/users.csv") == "USER_ID,GENDER\nu-1,male\n"
        assert read("shop1/batch/7/users.json") == '{"userId": "u-1"}\n'
        [request] = [k["Key"] for k in s3.list_objects_v2(Bucket="bucket", Prefix="shop1/deletions/")["Contents"]]
        assert read(request) == "USER_ID\nu-9\n"  # what Personalize's deletion job reads
    assert PersonalizeResource.objects.get(kind="deletion_job").arn.endswith("delete-1")


def test_an_event_from_a_served_list_tells_personalize_the_list_and_what_it_showed(personalize_on):
    import uuid
    from decimal import Decimal

    import numpy as np

    from recommendations.models import Event, Impression
    from recommendations.services.personalize.events import events_forward

    user = AppUserFactory(external_id="u-1")
    items = [ItemFactory(external_id=f"i-{n}") for n in range(3)]
    served = uuid.uuid4()
    Impression.objects.create(
        recommendation_id=served, user=user, slot="items", variant="A", algorithm="als",
        keys=np.asarray([i.pk for i in items], dtype="<i8").tobytes(), served_at=timezone.now(),
    )  # fmt: skip
    at = timezone.now().replace(microsecond=0)
    bought = Event.objects.create(
        event_id=uuid.UUID(int=1), user=user, item=items[1], session_id="s-1", type="purchase", occurred_at=at,
        recommendation_id=str(served), value=Decimal("4310.00"), currency="JPY",
    )  # fmt: skip
    organic = Event.objects.create(
        event_id=uuid.UUID(int=2), user=user, item=items[2], session_id="s-1", type="view",
        occurred_at=at + dt.timedelta(seconds=1), recommendation_id="made-up-by-the-app",
    )  # fmt: skip
    events_client = _client("personalize-events")
    expected = [
        {"eventId": str(bought.event_id), "eventType": "purchase", "itemId": "i-1", "sentAt": at,
         "recommendationId": str(served), "impression": ["i-0", "i-1", "i-2"], "eventValue": 4310.0},
        {"eventId": str(organic.event_id), "eventType": "view", "itemId": "i-2",
         "sentAt": at + dt.timedelta(seconds=1)},
    ]  # fmt: skip
    with Stubber(events_client) as stub:
        stub.add_response(
            "put_events", {}, {"trackingId": "track-1", "userId": "u-1", "sessionId": "s-1", "eventList": expected}
        )
        gateway.clients_set(gateway.Clients(personalize=None, runtime=None, events=events_client, s3=None))
        assert events_forward([str(bought.event_id), str(organic.event_id)]) == 2
        stub.assert_no_pending_responses()
