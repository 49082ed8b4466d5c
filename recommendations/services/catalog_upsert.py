"""Upsert shops, items and app users in batches: validate everything, then write in one transaction.

Fields a row leaves out keep their current value, so a stock feed may send only `item_id` and
`in_stock`; a row for an id recsite does not know yet must carry the fields a new row needs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from recommendations import metrics
from recommendations import row_validation as rv
from recommendations.errors import FieldError, ValidationFailed
from recommendations.models import AppUser, Gender, Item, Shop

_GENDER_ALIASES = {
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "other": Gender.OTHER,
    "o": Gender.OTHER,
    "x": Gender.OTHER,
    "": Gender.UNKNOWN,
    "unknown": Gender.UNKNOWN,
}


def _gender(value: Any) -> str:
    if value is None:
        return Gender.UNKNOWN
    if not isinstance(value, str) or value.strip().lower() not in _GENDER_ALIASES:
        raise ValueError(f"'{str(value)[:30]}' is not one of: female, male, other, or empty for unknown")
    return _GENDER_ALIASES[value.strip().lower()]


@dataclass(frozen=True)
class CatalogEntity:
    """How one kind of catalog row is named, validated and stored."""

    what: str  # the batch's key in the API body, e.g. "items"
    id_field: str  # the row's id field, e.g. "item_id"
    model: type[models.Model]
    fields: dict[str, rv.FieldSpec]
    required_to_create: tuple[str, ...] = ()


SHOPS = CatalogEntity(
    what="shops",
    id_field="shop_id",
    model=Shop,
    fields={
        "shop_id": rv.FieldSpec(rv.external_id, required=True),
        "name": rv.FieldSpec(rv.text(200, required=True)),
        "attributes": rv.FieldSpec(rv.attributes),
        "created_at": rv.FieldSpec(rv.aware_datetime),
    },
    required_to_create=("name",),
)

ITEMS = CatalogEntity(
    what="items",
    id_field="item_id",
    model=Item,
    fields={
        "item_id": rv.FieldSpec(rv.external_id, required=True),
        "shop_id": rv.FieldSpec(rv.external_id),
        "title": rv.FieldSpec(rv.text(300, required=True)),
        "category_path": rv.FieldSpec(rv.text(300)),
        "price": rv.FieldSpec(rv.optional_decimal),
        "image_url": rv.FieldSpec(rv.optional_url),
        "published": rv.FieldSpec(rv.optional_bool),
        "in_stock": rv.FieldSpec(rv.optional_bool),
        "attributes": rv.FieldSpec(rv.attributes),
        "created_at": rv.FieldSpec(rv.aware_datetime),
    },
    required_to_create=("shop_id", "title"),
)

USERS = CatalogEntity(
    what="users",
    id_field="user_id",
    model=AppUser,
    fields={
        "user_id": rv.FieldSpec(rv.external_id, required=True),
        "gender": rv.FieldSpec(_gender),
        "birth_year": rv.FieldSpec(rv.optional_year),
        "region": rv.FieldSpec(rv.text(64)),
        "attributes": rv.FieldSpec(rv.attributes),
        "created_at": rv.FieldSpec(rv.aware_datetime),
    },
)

ENTITIES = {entity.what: entity for entity in (SHOPS, ITEMS, USERS)}


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(self.created + other.created, self.updated + other.updated)


@dataclass
class CheckedRows:
    """Rows that passed validation, ready to write; `existing` maps ids already stored to our keys."""

    entity: CatalogEntity
    rows: list[dict[str, Any]]
    existing: dict[str, int]


def catalog_rows_check(entity: CatalogEntity, rows: Any, *, max_rows: int | None = None) -> CheckedRows:
    """Validate a batch against the entity's rules and the database; raise ValidationFailed naming every problem."""
    errors = rv.check_batch_size(rows, entity.what, max_rows or settings.API_MAX_BATCH_ROWS)
    if errors:
        raise ValidationFailed(f"The '{entity.what}' batch was rejected.", errors)
    clean, errors = rv.validate_rows(rows, entity.fields, what=entity.what)
    ids = [row.get(entity.id_field) for row in clean]
    errors += rv.duplicate_errors(ids, entity.id_field, "at index")
    existing = dict(
        entity.model.objects.filter(external_id__any_of=[i for i in ids if i]).values_list("external_id", "id")
    )
    for index, row in enumerate(clean):
        if row.get(entity.id_field) and row[entity.id_field] not in existing:
            for name in entity.required_to_create:
                if name not in row and not any(e.index == index and e.field == name for e in errors):
                    errors.append(FieldError(index, name, f"required for a new {entity.what[:-1]}"))
    if entity is ITEMS:
        errors += _resolve_shops(clean)
    if errors:
        errors.sort(key=lambda e: (e.index if e.index is not None else -1, e.field))
        for error in errors:
            field = error.field if error.field in entity.fields else "other"
            metrics.catalog_rejected.labels(entity.what, field).inc()
        raise ValidationFailed(
            f"The '{entity.what}' batch was rejected: {len(errors)} problem(s); nothing was saved.", errors
        )
    return CheckedRows(entity, clean, existing)


def _resolve_shops(rows: list[dict[str, Any]]) -> list[FieldError]:
    wanted = {row["shop_id"] for row in rows if row.get("shop_id")}
    shop_pks = dict(Shop.objects.filter(external_id__any_of=wanted).values_list("external_id", "id"))
    errors = []
    for index, row in enumerate(rows):
        if "shop_id" in row:
            pk = shop_pks.get(row["shop_id"])
            if pk is None:
                errors.append(FieldError(index, "shop_id", f"unknown shop '{row['shop_id']}': upsert the shop first"))
            row["shop_id"] = pk
    return errors


def catalog_rows_write(checked: CheckedRows) -> UpsertResult:
    """Insert new rows and update the given fields of known ones, grouped by the set of fields given."""
    entity = checked.entity
    inserts: dict[frozenset[str], list[models.Model]] = defaultdict(list)
    updates: dict[frozenset[str], list[models.Model]] = defaultdict(list)
    now = timezone.now()
    for row in checked.rows:
        values = {("external_id" if k == entity.id_field else k): v for k, v in row.items()}
        if values.get("created_at") is None:
            values.pop("created_at", None)
        pk = checked.existing.get(row[entity.id_field])
        given = frozenset(values) - {"external_id"}
        (updates if pk else inserts)[given].append(entity.model(pk=pk, updated_at=now, **values))
    with transaction.atomic():
        for given, objs in inserts.items():
            # ON CONFLICT covers a row another request created since our check.
            entity.model.objects.bulk_create(
                objs,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["external_id"],
                update_fields=[*sorted(given), "updated_at"],
            )
        for given, objs in updates.items():
            entity.model.objects.bulk_update(objs, [*sorted(given), "updated_at"], batch_size=500)
    created = sum(len(objs) for objs in inserts.values())
    metrics.catalog_rows.labels(entity.what, "created").inc(created)
    metrics.catalog_rows.labels(entity.what, "updated").inc(len(checked.rows) - created)
    return UpsertResult(created=created, updated=len(checked.rows) - created)


def catalog_upsert(entity: CatalogEntity, rows: Any) -> UpsertResult:
    """Validate and write a batch of up to API_MAX_BATCH_ROWS rows; all or nothing."""
    with transaction.atomic():
        return catalog_rows_write(catalog_rows_check(entity, rows))
