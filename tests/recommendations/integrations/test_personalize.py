"""The Personalize gateway answers plain values and turns every AWS or network failure into one error."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber

from recommendations.errors import Unavailable
from recommendations.integrations import personalize as gateway

CAMPAIGN = "arn:aws:personalize:ap-northeast-1:123456789012:campaign/shop1-items"


@pytest.fixture
def runtime():
    client = boto3.client(
        "personalize-runtime", region_name="ap-northeast-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    gateway.clients_set(gateway.Clients(personalize=None, runtime=client, events=None, s3=None))
    yield client
    gateway.clients_set(None)


def test_an_answer_comes_back_as_item_score_pairs(runtime):
    with Stubber(runtime) as stub:
        stub.add_response("get_recommendations", {"itemList": [{"itemId": "a", "score": 0.5}, {"itemId": "b"}]})
        assert gateway.recommendations_get(CAMPAIGN, "alice", 2) == [("a", 0.5), ("b", 0.0)]


@pytest.mark.parametrize(
    ("code", "reason"),
    [("ThrottlingException", "throttled"), ("ResourceNotFoundException", "ResourceNotFoundException")],
)
def test_aws_errors_become_personalize_unavailable_with_the_reason(runtime, code, reason):
    with Stubber(runtime) as stub:
        stub.add_client_error("get_recommendations", service_error_code=code, http_status_code=400)
        with pytest.raises(gateway.PersonalizeUnavailable) as raised:
            gateway.recommendations_get(CAMPAIGN, "alice", 2)
    assert raised.value.reason == reason and isinstance(raised.value, Unavailable)
    assert "get_recommendations" in raised.value.message or "recommendations_get" in raised.value.message


def test_a_timeout_is_reason_timeout():
    class Slow:
        def get_recommendations(self, **kwargs):
            raise ReadTimeoutError(endpoint_url="https://personalize-runtime.ap-northeast-1.amazonaws.com")

    gateway.clients_set(gateway.Clients(personalize=None, runtime=Slow(), events=None, s3=None))
    try:
        with pytest.raises(gateway.PersonalizeUnavailable) as raised:
            gateway.recommendations_get(CAMPAIGN, "alice", 2)
    finally:
        gateway.clients_set(None)
    assert raised.value.reason == "timeout"


def test_a_request_the_stubber_did_not_expect_still_fails_the_test(runtime):
    with Stubber(runtime) as stub:
        stub.add_response(
            "get_recommendations", {"itemList": []}, {"campaignArn": "other", "userId": "bob", "numResults": 1}
        )
        with pytest.raises(AssertionError):
            gateway.recommendations_get(CAMPAIGN, "alice", 2)


def test_request_filter_values_are_quoted_and_what_cannot_be_quoted_is_left_to_recsite():
    values = gateway.request_filter_values(['a"b', "i-2", "i-1"], "shop-1", ["A", "B", "C", "D"])
    assert values == {
        "EXCLUDE_IDS": '"i-1","i-2"',
        "SHOP_ID": '"shop-1"',
        "CATEGORY_L1": '"A"',
        "CATEGORY_L2": '"B"',
        "CATEGORY_L3": '"C"',
    }
    assert gateway.request_filter_values([], "", []) == {}


def test_only_a_filter_with_every_placeholder_takes_request_values():
    full = " | ".join(expression for _parameter, expression in gateway.request_filter_expressions())
    assert gateway.filter_takes_request_values(full + ' | EXCLUDE ItemID WHERE Items.SHOP_ID IN ("s-1")')
    assert not gateway.filter_takes_request_values('EXCLUDE ItemID WHERE Items.ITEM_ID IN ("i-1")')
    assert not gateway.filter_takes_request_values(full.split(" | CATEGORY")[0].replace("($CATEGORY_L3)", "()"))
