"""NG lists mirrored as a Personalize filter, where they fit its expression language, with the request filters
as placeholder parameters.

Personalize's filters see only what it has imported, so recsite's own filters are applied to its
answers anyway; the filter makes Personalize fill its list with items recsite will actually show.
Entries that do not fit (a quote in an id, an expression past Personalize's length limit, NG
categories deeper than the levels exported) stay recsite-only.

The filter also carries the request filters an app may send (`exclude`, `shop_id`, `category`) as
EXCLUDE expressions with placeholders: Personalize ignores an EXCLUDE whose value a request leaves out,
so one filter serves requests with any of them or none. The price band has no such form (an EXCLUDE
with a comparison on a missing value) and stays recsite's alone.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.utils import timezone

from curation.models import NgCategory, NgItem, NgShop, ng_in_force
from recommendations.errors import Conflict
from recommendations.integrations import personalize as gateway
from recommendations.models import PersonalizeResource
from recommendations.services.personalize.schemas import CATEGORY_LEVELS
from recommendations.services.personalize.setup import resource_name, resource_record, resource_recorded

MAX_EXPRESSION = 2500  # Personalize's limit on a filter expression
Kind = PersonalizeResource.Kind


def _quoted(values: list[str]) -> str:
    return ", ".join(f'"{v}"' for v in sorted(values) if '"' not in v and "\\" not in v)


def ng_filter_expression() -> tuple[str, int]:
    """The EXCLUDE expression for the request filters' placeholders and the NG entries in force for the items
    slot, and how many NG entries it leaves out."""
    live = ng_in_force(timezone.now())

    def for_items(model: type, field: str) -> list[str]:
        rows = model.objects.filter(live).values_list(field, "slots")
        return [value for value, slots in rows if not slots or "items" in slots]

    parts = [expression for _parameter, expression in gateway.request_filter_expressions()]
    left_out = 0
    items = for_items(NgItem, "item__external_id")
    shops = for_items(NgShop, "shop__external_id")
    if items:
        parts.append(f"EXCLUDE ItemID WHERE Items.ITEM_ID IN ({_quoted(items)})")
    if shops:
        parts.append(f"EXCLUDE ItemID WHERE Items.SHOP_ID IN ({_quoted(shops)})")
    for path in for_items(NgCategory, "category_path"):
        levels = [p.strip() for p in path.split(">")]
        if len(levels) > CATEGORY_LEVELS or any('"' in level for level in levels):
            left_out += 1
            continue
        conditions = " AND ".join(f'Items.CATEGORY_L{n} IN ("{level}")' for n, level in enumerate(levels, start=1))
        parts.append(f"EXCLUDE ItemID WHERE {conditions}")
    expression = ""
    for part in parts:
        candidate = f"{expression} | {part}" if expression else part
        if len(candidate) > MAX_EXPRESSION:
            left_out += 1
            continue
        expression = candidate
    return expression, left_out


def ng_filter_sync() -> PersonalizeResource | None:
    """Create a filter for the current expression (request placeholders and NG entries) unless one exists.

    Filters are immutable in Personalize, so a changed list makes a new one (named by the expression's
    hash); serving switches to it once it is ACTIVE.
    """
    superseded_delete()
    expression, left_out = ng_filter_expression()
    if not expression:
        return None
    digest = hashlib.sha256(expression.encode()).hexdigest()[:10]
    name = resource_name("ng", digest)
    existing = resource_recorded(Kind.FILTER, name)
    if existing is not None:
        return existing
    group = resource_recorded(Kind.DATASET_GROUP, resource_name(settings.PERSONALIZE_DATASET_GROUP))
    if group is None:
        raise Conflict("Set up the dataset group first (an export and import).")
    arn = gateway.filter_create(name, group.arn, expression)
    return resource_record(Kind.FILTER, name, arn, expression=expression, left_out=left_out)


def superseded_delete() -> int:
    """Delete the filters older than the newest ACTIVE one (Personalize allows only a few per dataset group)."""
    filters = PersonalizeResource.objects.filter(kind=Kind.FILTER).exclude(arn="").order_by("-created_at")
    newest_active = filters.filter(status="ACTIVE").first()
    if newest_active is None:
        return 0
    old = [f for f in filters.filter(created_at__lt=newest_active.created_at) if f.status == "ACTIVE"]
    for resource in old:
        gateway.filter_delete(resource.arn)
        resource.delete()  # serving already uses the newest one
    return len(old)
