"""The three Personalize data sets as recsite fills them: Avro schemas and the CSV columns that match.

Schemas and CSV writers are made from one column list, so an export always matches its schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from recommendations.integrations.personalize import CATEGORY_LEVELS

NAMESPACE = "com.amazonaws.personalize.schema"
__all__ = ["CATEGORY_LEVELS"]


@dataclass(frozen=True)
class Column:
    name: str
    avro: str  # string, long, float
    nullable: bool = False
    categorical: bool = False

    def field(self) -> dict:
        field = {"name": self.name, "type": ["null", self.avro] if self.nullable else self.avro}
        if self.categorical:
            field["categorical"] = True
        return field


INTERACTIONS = [
    Column("USER_ID", "string"),
    Column("ITEM_ID", "string"),
    Column("TIMESTAMP", "long"),
    Column("EVENT_TYPE", "string"),
]
ITEMS = [
    Column("ITEM_ID", "string"),
    Column("CREATION_TIMESTAMP", "long"),
    *[Column(f"CATEGORY_L{n}", "string", nullable=True, categorical=True) for n in range(1, CATEGORY_LEVELS + 1)],
    Column("SHOP_ID", "string", categorical=True),
    Column("PRICE", "float", nullable=True),
]
USERS = [
    Column("USER_ID", "string"),
    Column("GENDER", "string", nullable=True, categorical=True),
    Column("AGE_BAND", "string", nullable=True, categorical=True),
    Column("REGION", "string", nullable=True, categorical=True),
]
DATASETS = {"Interactions": INTERACTIONS, "Items": ITEMS, "Users": USERS}


def avro_schema(dataset_type: str) -> str:
    """The schema JSON Personalize's CreateSchema takes for one data set type."""
    return json.dumps(
        {
            "type": "record",
            "name": dataset_type,
            "namespace": NAMESPACE,
            "fields": [c.field() for c in DATASETS[dataset_type]],
            "version": "1.0",
        }
    )


def header(dataset_type: str) -> list[str]:
    return [c.name for c in DATASETS[dataset_type]]
