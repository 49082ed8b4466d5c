"""Every operation of the published schema, fuzzed by schemathesis (bounded examples): whatever a client
sends that the schema allows, or nearly allows, the answer is never a server error, and its status,
content type and body are the ones the schema documents (401/403/429/503 included)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from recommendations.models import Scope
from recommendations.services.api_keys import api_key_create
from recsite.wsgi import application
from tests.factories import AppUserFactory, ItemFactory
from tests.recommendations.services.serving.world import live_version, segment_list

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
EXAMPLES = 25


@pytest.fixture
def in_process_requests():
    """Requests go straight to the WSGI app: keep the test's database connection open across them, as
    Django's own test client does (the handler would close it at the end of each request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def key_header(db, in_process_requests):
    items = [ItemFactory(external_id=f"item-{n}") for n in range(5)]
    AppUserFactory(external_id="alice")
    segment_list(live_version("segment_popularity"), "all", [i.pk for i in items])
    _key, plain = api_key_create(name="fuzz", scopes=list(Scope.values), throttle_rate="1000000/minute")
    return {"Authorization": f"Api-Key {plain}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_documented_and_none_is_a_server_error(case, key_header):
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    case.call_and_validate(headers=key_header, checks=checks)
