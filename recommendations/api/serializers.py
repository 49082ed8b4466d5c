"""Request and response shapes for the OpenAPI schema.

Batch bodies are validated by the services (one pass, every error collected with its row index);
these serializers describe the same fields for the docs, and a test keeps the two in step.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from recommendations.models import EventType, Gender
from recommendations.row_validation import (
    CURRENCY,
    PRICE_LIMIT,
    PRICE_TEXT,
    QUANTITY_MAX,
    external_id,
    optional_decimal,
)
from recommendations.services.serving.item_details import ITEM_FIELDS
from recommendations.services.serving.request_filter import EXCLUDE_MAX


class ErrorDetailSerializer(serializers.Serializer):
    index = serializers.IntegerField(allow_null=True, help_text="Position of the bad row in the batch (0-based).")
    field = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    code = serializers.CharField()
    errors = ErrorDetailSerializer(many=True, required=False)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number", "minimum": 0, "maximum": float(PRICE_LIMIT), "exclusiveMaximum": True},
            {"type": "string", "pattern": f"^({PRICE_TEXT.pattern})?$"},
        ],
        "nullable": True,
        "description": 'A number ≥ 0, or digits as text ("4310.50"); null or "" means no price.',
    }
)
class PriceField(serializers.Field):
    """The schema of a price (recommendations.row_validation.optional_decimal reads it)."""


def _batch(row: type[serializers.Serializer], what: str) -> serializers.ListField:
    """A batch of rows as the schema shows it: 1 to API_MAX_BATCH_ROWS of them."""
    limit = settings.API_MAX_BATCH_ROWS
    return serializers.ListField(child=row(), min_length=1, max_length=limit, help_text=f"1 to {limit:,} {what}.")


class ShopRowSerializer(serializers.Serializer):
    shop_id = serializers.CharField(max_length=128)
    name = serializers.CharField(max_length=200, required=False, help_text="Required for a new shop.")
    attributes = serializers.DictField(required=False, allow_null=True, help_text="null means none.")
    created_at = serializers.DateTimeField(required=False, help_text="When the shop opened.")


class ItemRowSerializer(serializers.Serializer):
    item_id = serializers.CharField(max_length=128)
    shop_id = serializers.CharField(max_length=128, required=False, help_text="Required for a new item.")
    title = serializers.CharField(max_length=300, required=False, help_text="Required for a new item.")
    category_path = serializers.CharField(
        max_length=300, required=False, allow_blank=True, allow_null=True, help_text="e.g. 'Fashion > Bags > Tote bags'"
    )
    price = PriceField(required=False, allow_null=True)
    image_url = serializers.URLField(required=False, allow_blank=True, allow_null=True)
    published = serializers.BooleanField(required=False, allow_null=True)
    in_stock = serializers.BooleanField(required=False, allow_null=True)
    attributes = serializers.DictField(required=False, allow_null=True, help_text="null means none.")
    created_at = serializers.DateTimeField(required=False, help_text="When the item was listed.")


class UserRowSerializer(serializers.Serializer):
    user_id = serializers.CharField(max_length=128)
    gender = serializers.ChoiceField(
        choices=[g for g in Gender.values if g], required=False, allow_blank=True, allow_null=True
    )
    birth_year = serializers.IntegerField(
        required=False, allow_null=True, min_value=1900, max_value=dt.date.today().year
    )
    region = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)
    attributes = serializers.DictField(required=False, allow_null=True, help_text="null means none.")
    created_at = serializers.DateTimeField(required=False)


class ShopBatchSerializer(serializers.Serializer):
    shops = _batch(ShopRowSerializer, "shops")


class ItemBatchSerializer(serializers.Serializer):
    items = _batch(ItemRowSerializer, "items")


class UserBatchSerializer(serializers.Serializer):
    users = _batch(UserRowSerializer, "users")


class UpsertResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


class EventRowSerializer(serializers.Serializer):
    event_id = serializers.UUIDField(help_text="Made by the client; a retried event is stored once.")
    user_id = serializers.CharField(max_length=128, help_text="Unknown users are created.")
    session_id = serializers.CharField(max_length=128, allow_blank=True, allow_null=True)
    item_id = serializers.CharField(max_length=128, help_text="Must be in the catalog.")
    type = serializers.ChoiceField(choices=EventType.values)
    occurred_at = serializers.DateTimeField(help_text="ISO 8601 with a zone, e.g. 2026-11-28T09:30:00+09:00.")
    recommendation_id = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)
    value = PriceField(required=False, allow_null=True, help_text="Purchases only: what it was worth, all units.")
    currency = serializers.RegexField(
        f"^{CURRENCY.pattern}$",
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Purchases with a value only: ISO 4217; default the site's (JPY).",
    )
    quantity = serializers.IntegerField(
        min_value=1, max_value=QUANTITY_MAX, required=False, allow_null=True, help_text="Purchases only: units bought."
    )


class EventBatchSerializer(serializers.Serializer):
    events = _batch(EventRowSerializer, "events")


class EventBatchResultSerializer(serializers.Serializer):
    stored = serializers.IntegerField(help_text="Events stored by this call.")
    duplicates = serializers.IntegerField(help_text="Events already stored before (same event_id), skipped.")
    users_created = serializers.IntegerField(help_text="Users first seen in this batch.")


class UserEraseResultSerializer(serializers.Serializer):
    user_id = serializers.CharField()
    erased = serializers.DictField(child=serializers.IntegerField(), help_text="Rows deleted, by kind.")


class RecommendationQuerySerializer(serializers.Serializer):
    """Query parameters of the recommendation endpoints (validated, so a bad one is named in the 400)."""

    limit = serializers.IntegerField(
        min_value=1, max_value=100, required=False, help_text="Entries to return; the slot's size when left out."
    )
    offset = serializers.IntegerField(
        min_value=0, max_value=1000, default=0, help_text="Position to start from, for infinite scroll."
    )
    session_id = serializers.CharField(
        max_length=128, default="", allow_blank=True, help_text="The app's current session, for the re-rank."
    )
    recommendation_id = serializers.UUIDField(
        required=False, help_text="Page through this earlier answer (with offset) instead of ranking afresh."
    )


# up to EXCLUDE_MAX ids of at most 128 characters, separated by commas
ID_LIST_PATTERN = rf"^[^,]{{0,128}}(,[^,]{{0,128}}){{0,{EXCLUDE_MAX - 1}}}$"


@extend_schema_field({"type": "string", "pattern": ID_LIST_PATTERN, "example": "item-12,item-40"})
class IdListField(serializers.CharField):
    """Ids separated by commas (at most EXCLUDE_MAX), each checked as every marketplace id is."""

    def to_internal_value(self, data: object) -> list[str]:
        text = super().to_internal_value(data)
        ids = [part.strip() for part in text.split(",") if part.strip()]
        if len(ids) > EXCLUDE_MAX:
            raise serializers.ValidationError(f"at most {EXCLUDE_MAX} ids, not {len(ids)}.")
        for value in ids:
            try:
                external_id(value)
            except ValueError as exc:
                raise serializers.ValidationError(f"'{value[:40]}': {exc}") from None
        return list(dict.fromkeys(ids))


@extend_schema_field({"type": "string", "pattern": f"^({PRICE_TEXT.pattern})?$", "example": "1980"})
class QueryPriceField(serializers.CharField):
    """A price as a query parameter: digits with an optional decimal part, checked as catalogue prices are;
    left empty (`?price_min=`), it is not given."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(allow_blank=True, **kwargs)

    def run_validation(self, data: object = empty) -> Decimal | None:
        value = super().run_validation(data)
        return None if value == "" else value  # blank: CharField answers "" without parsing it

    def to_internal_value(self, data: object) -> Decimal | None:
        try:
            return optional_decimal(super().to_internal_value(data).strip())
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


FIELDS_PATTERN = "^(({names})(,({names}))*)?$".format(names="|".join(ITEM_FIELDS))


@extend_schema_field({"type": "string", "pattern": FIELDS_PATTERN, "example": "title,price,image_url"})
class ItemFieldsField(serializers.CharField):
    """Catalogue fields to send beside each item id, comma-separated."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(allow_blank=True, **kwargs)

    def to_internal_value(self, data: object) -> list[str]:
        names = [part.strip() for part in super().to_internal_value(data).split(",") if part.strip()]
        unknown = [name for name in names if name not in ITEM_FIELDS]
        if unknown:
            raise serializers.ValidationError(
                f"unknown field(s) {', '.join(repr(n[:40]) for n in unknown[:5])}; use {', '.join(ITEM_FIELDS)}."
            )
        return list(dict.fromkeys(names))


class ItemFilterSerializer(serializers.Serializer):
    """The filters the app may narrow an items list to (docs/api.md#filters)."""

    category = serializers.CharField(
        max_length=500, required=False, help_text="Only this category and its subcategories, e.g. 'Home > Kitchen'."
    )
    price_min = QueryPriceField(required=False, help_text="Only items priced at least this, e.g. 1980.")
    price_max = QueryPriceField(required=False, help_text="Only items priced at most this, e.g. 5000.")
    shop_id = serializers.CharField(max_length=128, required=False, help_text="Only this shop's items.")
    exclude = IdListField(
        max_length=20_000, required=False, help_text=f"Item ids to leave out (at most {EXCLUDE_MAX}, comma-separated)."
    )
    fields = ItemFieldsField(
        max_length=200,
        required=False,
        help_text=f"Catalogue fields to send beside each item id: {', '.join(ITEM_FIELDS)} (comma-separated).",
    )


class ItemRecommendationQuerySerializer(RecommendationQuerySerializer, ItemFilterSerializer):
    """The items endpoint: paging and the filters."""


class ShopRecommendationQuerySerializer(RecommendationQuerySerializer):
    exclude = IdListField(
        max_length=20_000, required=False, help_text=f"Shop ids to leave out (at most {EXCLUDE_MAX}, comma-separated)."
    )


class AboutOneQuerySerializer(serializers.Serializer):
    """Paging and the user of a list about one item or shop (similar items, similar shops)."""

    offset = serializers.IntegerField(min_value=0, max_value=1000, default=0, help_text="Position to start from.")
    user_id = serializers.CharField(
        max_length=128,
        default="",
        allow_blank=True,
        help_text="Who the list is for: the page is logged as their impression; similar items also leave out what "
        "they bought or turned down.",
    )
    recommendation_id = serializers.UUIDField(
        required=False, help_text="Page through this earlier answer (with offset and the same user_id)."
    )


class SimilarQuerySerializer(ItemFilterSerializer, AboutOneQuerySerializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)


class SimilarShopsQuerySerializer(AboutOneQuerySerializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=10)
    exclude = IdListField(
        max_length=20_000, required=False, help_text=f"Shop ids to leave out (at most {EXCLUDE_MAX}, comma-separated)."
    )


class RecommendedEntrySerializer(serializers.Serializer):
    item_id = serializers.CharField(required=False, help_text="Items slot and similar items.")
    shop_id = serializers.CharField(required=False, help_text="Shops slot; for an item, its shop (fields=shop_id).")
    rank = serializers.IntegerField(help_text="1-based position in the whole list (offset included).")
    score = serializers.FloatField(help_text="The proposing source's own score; comparable only within a source.")
    source = serializers.CharField(
        help_text=(
            "What put it there: an algorithm, 'session', 'exploration' (a new item at an exploration position) or "
            "'pinned'; for similar items and shops 'covisitation', 'content' or 'popularity'."
        )
    )
    title = serializers.CharField(required=False, help_text="With fields=title.")
    price = serializers.FloatField(required=False, allow_null=True, help_text="With fields=price; null: no price.")
    image_url = serializers.CharField(required=False, allow_blank=True, help_text="With fields=image_url.")
    category = serializers.CharField(required=False, allow_blank=True, help_text="With fields=category.")
    shop_name = serializers.CharField(required=False, help_text="With fields=shop_name.")


class PageSerializer(serializers.Serializer):
    """What every recommendation page starts with, whatever its slot."""

    recommendation_id = serializers.UUIDField(help_text="Send it back with events that follow, and to page.")
    slot = serializers.CharField()
    variant = serializers.CharField(help_text="The experiment variant that served this user.")
    algorithm = serializers.CharField(help_text="What supplied the list: the variant's algorithm or a fallback.")
    model_version = serializers.IntegerField(allow_null=True)
    offset = serializers.IntegerField()
    total = serializers.IntegerField(help_text="Entries this recommendation_id can page through.")


class RecommendationSerializer(PageSerializer):
    items = RecommendedEntrySerializer(many=True)


class ShopRecommendationSerializer(PageSerializer):
    shops = RecommendedEntrySerializer(many=True, help_text="Each with shop_id.")
    items = RecommendedEntrySerializer(
        many=True, help_text="Deprecated: the same shops, for clients written before `shops`."
    )


class SimilarShopsSerializer(PageSerializer):
    shops = RecommendedEntrySerializer(many=True, help_text="Each with shop_id.")


class FeatureItemSerializer(serializers.Serializer):
    item_id = serializers.CharField()
    rank = serializers.IntegerField()


class FeatureSerializer(serializers.Serializer):
    feature_id = serializers.CharField(help_text="The feature's slug.")
    title = serializers.CharField()
    description = serializers.CharField()
    cover_image_url = serializers.CharField()
    rank = serializers.IntegerField(help_text="1-based position in the whole list (offset included).")
    affinity = serializers.FloatField(help_text="How close the feature is to what the user does (0: no history).")
    items = FeatureItemSerializer(many=True, help_text="Its first items that may be shown now.")


class FeatureListSerializer(PageSerializer):
    features = FeatureSerializer(many=True, help_text="Published, in-schedule features.")
