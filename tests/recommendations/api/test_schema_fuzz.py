"""Every operation of the published schema, fuzzed by schemathesis (bounded examples): whatever a client
sends that the schema allows, or nearly allows, the answer is never a server error, and its status,
content type and body are the ones the schema documents (401/403/429/503 included)."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from recommendations.models import Scope
from recommendations.services.api_keys import api_key_create
from recsite.wsgi import application
from tests.factories import AppUserFactory, ItemFactory
from tests.recommendations.services.serving.world import live_version, segment_list

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "25"))
FIRST = dt.date(2000, 1, 1)


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
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        positive_data_acceptance_but_documented_rules,
        negative_data_rejection,
    ]
    _keep_documented_rules(case)
    case.call_and_validate(headers=_credentials(case, key_header), checks=checks)


def _credentials(case, key_header: dict) -> dict:
    """The key, unless this case was generated without its Authorization header on purpose (then 401 is due)."""
    header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if header is not None and header.mode.is_negative and "Authorization" not in (case.headers or {}):
        return {}
    return key_header


# The rules docs/api.md lists under "Rules the schema cannot state", as their messages read: a request the
# schema allows may be refused for these, and only these.
DOCUMENTED_RULES = re.compile(
    r"must be between 1990-01-01 and"  # occurred_at, created_at: from 1990 to a day ahead
    r"|appears twice in this batch"  # one row per id in a batch
    r"|^unknown (item|shop) "  # items and events name ids already in the catalog
    r"|^required for a new "  # an upsert creating a row needs its name or title (and shop)
    r"|NUL characters|Null characters are not allowed"  # NUL in any text
    r"|must not be empty|This field may not be blank"  # an id of spaces only
    r"|must be within 100 years"  # NG expiry
    r"|^only a purchase carries|^a currency needs a value"  # an event's money is a purchase's
    r"|is not a date \(2026/12/31\) or an ISO 8601|needs a time zone|is already past"  # NG expiry: a real, future day
    r"|is above price_max"  # a recommendation filter's price band runs upwards
    r"|^no category '"  # and its category is one the catalogue has
)


def positive_data_acceptance_but_documented_rules(ctx, response, case) -> bool | None:
    """schemathesis's positive-data check, except a 400 whose every error is one of DOCUMENTED_RULES."""
    if response.status_code == 400 and case.meta is not None and case.meta.generation.mode.is_positive:
        errors = response.json().get("errors") or [{"field": "", "message": ""}]
        undocumented = [e for e in errors if not DOCUMENTED_RULES.search(e["message"])]
        assert not undocumented, f"a request the schema allows was refused for: {undocumented[:5]}"
        return None
    return positive_data_acceptance(ctx, response, case)


def _keep_documented_rules(case) -> None:
    """Rules the docs state that OpenAPI 3.0 cannot, applied to the cases generated as valid (as schemathesis
    advises: seed known ids): events name items already in the catalog, and a report spans 2000-01-01 or later,
    at most 366 days. The negative cases keep whatever was generated."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if case.operation.label == "POST /api/v1/events" and isinstance(case.body, dict):
        for n, event in enumerate(case.body.get("events") or []):
            if isinstance(event, dict) and "item_id" in event:
                event["item_id"] = f"item-{n % 5}"
    if case.operation.label.endswith("/report") and case.query:
        _report_range(case.query)


def _report_range(query: dict) -> None:
    days = {}
    for name in ("from", "to"):
        if name in query:
            day = max(dt.date.fromisoformat(str(query[name])), FIRST)
            days[name] = min(day, dt.date.today())
    first, last = days.get("from"), days.get("to", dt.date.today())
    if first is not None:
        first = min(max(first, last - dt.timedelta(days=365)), last)
        days["from"] = first
    query.update({name: day.isoformat() for name, day in days.items()})
