"""NG lists as a Personalize filter: the expression, one filter per distinct list, used when serving."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from botocore.stub import ANY, Stubber
from django.utils import timezone

from curation.models import NgCategory, NgItem, NgShop
from recommendations.integrations import personalize as gateway
from recommendations.models import PersonalizeResource
from recommendations.services.personalize.ng_filter import ng_filter_expression, ng_filter_sync
from tests.factories import ItemFactory, ShopFactory

pytestmark = pytest.mark.django_db
GROUP = "arn:aws:personalize:ap-northeast-1:123456789012:dataset-group/shop1-main"
# the request filters an app may send, as placeholders every filter carries first
REQUEST_PLACEHOLDERS = (
    "EXCLUDE ItemID WHERE Items.ITEM_ID IN ($EXCLUDE_IDS)"
    " | EXCLUDE ItemID WHERE Items.SHOP_ID NOT IN ($SHOP_ID)"
    " | EXCLUDE ItemID WHERE Items.CATEGORY_L1 NOT IN ($CATEGORY_L1)"
    " | EXCLUDE ItemID WHERE Items.CATEGORY_L2 NOT IN ($CATEGORY_L2)"
    " | EXCLUDE ItemID WHERE Items.CATEGORY_L3 NOT IN ($CATEGORY_L3)"
)


def test_expression_covers_items_shops_and_shallow_categories():
    NgItem.objects.create(item=ItemFactory(external_id="i-2"), reason="x")
    NgItem.objects.create(item=ItemFactory(external_id="i-1"), reason="x")
    NgItem.objects.create(item=ItemFactory(external_id="i-9"), reason="x", slots=["shops"])  # not the items slot
    NgItem.objects.create(
        item=ItemFactory(external_id="i-8"), reason="x", expires_at=timezone.now() - dt.timedelta(days=1)
    )
    NgShop.objects.create(shop=ShopFactory(external_id="s-1"), reason="x")
    NgCategory.objects.create(category_path="Health > Supplements", reason="x")
    NgCategory.objects.create(category_path="A > B > C > D", reason="x")  # deeper than the exported levels
    expression, left_out = ng_filter_expression()
    assert expression == (
        REQUEST_PLACEHOLDERS + ' | EXCLUDE ItemID WHERE Items.ITEM_ID IN ("i-1", "i-2")'
        ' | EXCLUDE ItemID WHERE Items.SHOP_ID IN ("s-1")'
        ' | EXCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("Health") AND Items.CATEGORY_L2 IN ("Supplements")'
    )
    assert left_out == 1


def test_without_ng_entries_the_filter_still_carries_the_request_placeholders():
    assert ng_filter_expression() == (REQUEST_PLACEHOLDERS, 0)


def test_sync_creates_one_filter_per_distinct_list(settings):
    settings.PERSONALIZE_PREFIX = "shop1"
    PersonalizeResource.objects.create(kind="dataset_group", name="shop1-main", arn=GROUP, status="ACTIVE")
    NgItem.objects.create(item=ItemFactory(external_id="i-1"), reason="x")
    expression, _ = ng_filter_expression()
    client = boto3.client("personalize", region_name="ap-northeast-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response(
            "create_filter",
            {"filterArn": f"{GROUP}/filter/ng"},
            {"name": ANY, "datasetGroupArn": GROUP, "filterExpression": expression},
        )
        gateway.clients_set(gateway.Clients(personalize=client, runtime=None, events=None, s3=None))
        try:
            first = ng_filter_sync()
            assert ng_filter_sync() == first  # the same list: no second filter
        finally:
            gateway.clients_set(None)
    assert first.name.startswith("shop1-ng-") and first.details["expression"] == expression


def test_superseded_filters_are_deleted_once_a_newer_one_is_active(settings):
    import datetime as dt

    from recommendations.services.personalize.ng_filter import superseded_delete

    old = PersonalizeResource.objects.create(
        kind="filter", name="shop1-ng-old", arn=f"{GROUP}/filter/old", status="ACTIVE"
    )
    PersonalizeResource.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    PersonalizeResource.objects.create(kind="filter", name="shop1-ng-new", arn=f"{GROUP}/filter/new", status="ACTIVE")
    client = boto3.client("personalize", region_name="ap-northeast-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("delete_filter", {}, {"filterArn": f"{GROUP}/filter/old"})
        gateway.clients_set(gateway.Clients(personalize=client, runtime=None, events=None, s3=None))
        try:
            assert superseded_delete() == 1
        finally:
            gateway.clients_set(None)
    assert list(PersonalizeResource.objects.values_list("name", flat=True)) == ["shop1-ng-new"]
