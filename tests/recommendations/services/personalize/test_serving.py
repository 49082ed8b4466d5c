"""A variant served by a Personalize campaign: its list when it answers, the fallback chain (fast, counted,
explained) on timeout, throttling or any error; recsite's own filters always apply."""

from __future__ import annotations

import time

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber
from prometheus_client import REGISTRY

from curation.models import NgItem
from recommendations.integrations import personalize as gateway
from recommendations.models import PersonalizeResource, Variant
from recommendations.services.serving.pipeline import recommend
from tests.factories import AppUserFactory, ItemFactory
from tests.recommendations.services.serving.world import live_version, segment_list

pytestmark = pytest.mark.django_db
CAMPAIGN = "arn:aws:personalize:ap-northeast-1:123456789012:campaign/shop1-items"
BUDGET_MS = 150


@pytest.fixture
def world():
    items = [ItemFactory(external_id=f"item-{n}") for n in range(6)]
    AppUserFactory(external_id="alice")
    segment_list(live_version("segment_popularity"), "all", [i.pk for i in reversed(items)])
    PersonalizeResource.objects.create(kind="campaign", name="shop1-items", arn=CAMPAIGN, status="ACTIVE")
    Variant.objects.filter(slot__slot="items").update(
        algorithm="personalize", fallbacks=["segment_popularity", "popularity"], weight=1
    )
    return items


def _runtime():
    return boto3.client(
        "personalize-runtime", region_name="ap-northeast-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def _use(runtime) -> None:
    gateway.clients_set(gateway.Clients(personalize=None, runtime=runtime, events=None, s3=None))


@pytest.fixture(autouse=True)
def _fresh_clients():
    yield
    gateway.clients_set(None)


def test_personalize_list_is_served_and_still_loses_ng_items(world):
    NgItem.objects.create(item=world[1], reason="counterfeit")
    runtime = _runtime()
    with Stubber(runtime) as stub:
        stub.add_response(
            "get_recommendations",
            {
                "itemList": [
                    {"itemId": "item-1", "score": 0.9},
                    {"itemId": "item-2", "score": 0.5},
                    {"itemId": "gone", "score": 0.4},
                ]
            },
            {"campaignArn": CAMPAIGN, "userId": "alice", "numResults": 200},
        )
        _use(runtime)
        result = recommend("items", "alice", limit=5)
    assert result.algorithm == "personalize"
    served = [result.external_ids[e.key] for e in result.entries]
    assert served[0] == "item-2" and "item-1" not in served  # NG applies to Personalize's answer too
    assert result.entries[0].source == "personalize" and result.entries[0].score == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("error_code", "reason"), [("ThrottlingException", "throttled"), ("InvalidInputException", "InvalidInputException")]
)
def test_errors_fall_back_within_the_budget(world, error_code, reason):
    errors = {"operation": "recommendations_get", "reason": reason}
    errors_before = _sample("recsite_personalize_errors_total", errors)
    fallbacks_before = {v: _sample("recsite_recommendation_fallbacks_total", _fallback(v)) for v in ("A", "B")}
    runtime = _runtime()
    with Stubber(runtime) as stub:
        stub.add_client_error("get_recommendations", service_error_code=error_code, http_status_code=400)
        _use(runtime)
        started = time.perf_counter()
        result = recommend("items", "alice", limit=3)
        elapsed_ms = 1000 * (time.perf_counter() - started)
    assert result.algorithm == "segment_popularity" and len(result.entries) == 3
    assert f"personalize: {reason} after" in result.trace.steps[1] and "fell back" in result.trace.steps[1]
    # an operator sees both on /metrics: the failed call by reason, and the page served by the next algorithm
    assert _sample("recsite_personalize_errors_total", errors) == errors_before + 1
    fallbacks = _sample("recsite_recommendation_fallbacks_total", _fallback(result.variant))
    assert fallbacks == fallbacks_before[result.variant] + 1
    assert elapsed_ms < BUDGET_MS * 3  # the fallback itself adds no waiting


def _sample(name: str, labels: dict) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _fallback(variant: str) -> dict:
    return {"slot": "items", "variant": variant, "algorithm": "segment_popularity", "reason": "chain"}


def test_timeout_falls_back(world):
    class SlowRuntime:
        def get_recommendations(self, **kwargs):
            raise ReadTimeoutError(endpoint_url="https://personalize-runtime.ap-northeast-1.amazonaws.com")

    _use(SlowRuntime())
    result = recommend("items", "alice", limit=3)
    assert result.algorithm == "segment_popularity"
    assert "personalize: timeout after" in result.trace.steps[1]


def test_the_real_client_has_the_strict_budget(settings):
    gateway.clients_set(None)
    config = gateway.clients().runtime.meta.config
    assert config.read_timeout == BUDGET_MS / 1000 and config.connect_timeout == BUDGET_MS / 1000
    assert config.retries["total_max_attempts"] == 1  # one attempt: no retry inside the budget


def test_without_an_active_campaign_the_chain_goes_on(world):
    PersonalizeResource.objects.filter(kind="campaign").update(status="UPDATE IN_PROGRESS")
    from recommendations.services.serving.state import serving_state_changed

    serving_state_changed()  # a queryset update sends no signal
    result = recommend("items", "alice", limit=3)
    assert "personalize: no active campaign" in result.trace.steps[1]


def test_the_active_ng_filter_is_passed_to_personalize(world):
    PersonalizeResource.objects.create(kind="filter", name="shop1-ng-abc", arn=f"{CAMPAIGN}-filter", status="ACTIVE")
    runtime = _runtime()
    with Stubber(runtime) as stub:
        stub.add_response(
            "get_recommendations",
            {"itemList": [{"itemId": "item-3", "score": 0.7}]},
            {"campaignArn": CAMPAIGN, "userId": "alice", "numResults": 200, "filterArn": f"{CAMPAIGN}-filter"},
        )
        _use(runtime)
        result = recommend("items", "alice", limit=2)
    assert result.algorithm == "personalize"


def test_request_filters_go_to_personalize_as_the_filters_values_and_recsite_applies_them_too(world):
    from recommendations.services.serving.request_filter import request_filter

    world[2].category_path = "Home > Kitchen > Knives"
    world[2].save()
    PersonalizeResource.objects.create(
        kind="filter",
        name="shop1-ng-abc",
        arn=f"{CAMPAIGN}-filter",
        status="ACTIVE",
        details={"expression": " | ".join(e for _p, e in gateway.request_filter_expressions())},
    )
    filters = request_filter({"category": "Home > Kitchen > Knives", "exclude": ["item-4", "nope"], "price_max": 10**6})
    runtime = _runtime()
    with Stubber(runtime) as stub:
        stub.add_response(
            "get_recommendations",
            {"itemList": [{"itemId": "item-2", "score": 0.9}, {"itemId": "item-4", "score": 0.8}]},
            {
                "campaignArn": CAMPAIGN,
                "userId": "alice",
                "numResults": 200,
                "filterArn": f"{CAMPAIGN}-filter",
                "filterValues": {
                    "EXCLUDE_IDS": '"item-4"',
                    "CATEGORY_L1": '"Home"',
                    "CATEGORY_L2": '"Kitchen"',
                    "CATEGORY_L3": '"Knives"',
                },
            },
        )
        _use(runtime)
        result = recommend("items", "alice", limit=5, filters=filters)
    assert result.algorithm == "personalize"
    assert [result.external_ids[e.key] for e in result.entries] == ["item-2"]  # item-4 left out by recsite too


def test_a_filter_made_before_placeholders_is_sent_no_values(world):
    from recommendations.services.serving.request_filter import request_filter

    PersonalizeResource.objects.create(kind="filter", name="shop1-ng-old", arn=f"{CAMPAIGN}-filter", status="ACTIVE")
    runtime = _runtime()
    with Stubber(runtime) as stub:
        stub.add_response(
            "get_recommendations",
            {"itemList": [{"itemId": "item-3", "score": 0.7}]},
            {"campaignArn": CAMPAIGN, "userId": "alice", "numResults": 200, "filterArn": f"{CAMPAIGN}-filter"},
        )
        _use(runtime)
        result = recommend("items", "alice", limit=2, filters=request_filter({"exclude": ["item-1"]}))
    assert result.algorithm == "personalize"
