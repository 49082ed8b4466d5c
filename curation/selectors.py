"""What curation has in force, read for serving, the admin and the API: NG entries, pins, boosts,
published features and the items their rules match. Reads only; every change is in curation/services/.

Serving reads curation only through here, so a change to what merchandisers edit never reaches into
the serving code, and curation never imports serving.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import models
from django.db.models import Case, Count, DateTimeField, Q, QuerySet, Value, When
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from curation.models import EXPIRY_MAX_AHEAD, Boost, Feature, NgCategory, NgItem, NgShop, Pin, ng_in_force
from recommendations.generation import current_generation
from recommendations.models import Item, Shop
from recommendations.models.catalog import CATEGORY_SEPARATOR
from recommendations.spreadsheet import SafeWriter

POPULARITY_DAYS = 30
LAST_READABLE = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)
CACHE_SECONDS = 600  # a feature's matched items are recomputed at most this often (or on any change)


# ASCII letters, digits and signs to their full-width forms (U+FF01..U+FF5E)
FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}


@dataclass(frozen=True)
class NgKind:
    model: type[models.Model]
    id_field: str  # the column files and the API name it by
    target: str  # the entry's field pointing at it
    catalog: type[models.Model] | None  # where ids must exist (categories need not)
    noun: str  # what one entry blocks, as the trace and NgRule name it

    def label(self) -> str:
        return self.model._meta.verbose_name_plural

    def target_label(self) -> str:
        """What one entry points at, in the reader's language ("item", "shop")."""
        catalog = self.catalog
        return str(catalog._meta.verbose_name) if catalog is not None else str(_("category"))

    @property
    def column(self) -> str:
        """The entry's column holding the target: a catalog key, or the category path itself."""
        return f"{self.target}_id" if self.catalog else self.target


KINDS = {
    "items": NgKind(NgItem, "item_id", "item", Item, "item"),
    "shops": NgKind(NgShop, "shop_id", "shop", Shop, "shop"),
    "categories": NgKind(NgCategory, "category_path", "category_path", None, "category"),
}


CSV_COLUMNS = ("reason", "expires_at", "slots")
# Written by the export and ignored on upload, so an exported file can be edited and uploaded again.
EXPORT_ONLY = ("created_by", "created_at", "active")


@dataclass(frozen=True)
class NgRule:
    """One NG entry in force: what it covers (an item or shop key, or a category path) and in which slots."""

    kind: str  # "item", "shop" or "category"
    target: int | str
    reason: str
    created_by: str
    slots: list[str]
    expires_at: dt.datetime | None


def ng_rules_in_force(now: dt.datetime) -> Iterator[NgRule]:
    """Every NG entry that applies at `now` (no expiry, or one still ahead), of every kind."""
    for kind in KINDS.values():
        # an expiry stored past what Python can read (the calendar's edge with an offset, written before
        # the API bounded it) is read as the calendar's last day: one bad row never fails every request
        rows = (
            kind.model.objects.filter(ng_in_force(now))
            .annotate(expiry=_readable_expiry())
            .values_list(kind.column, "reason", "created_by", "slots", "expiry")
        )
        for key, reason, by, slots, expires_at in rows:
            yield NgRule(kind.noun, key, reason, by, slots or [], expires_at)


def ng_entries(kind_name: str) -> models.QuerySet:
    """The list as it stands, expired entries included (they are kept until someone removes them)."""
    kind = KINDS[kind_name]
    related = [kind.target] if kind.catalog else []
    return readable_expiry(kind.model.objects.select_related(*related)).order_by("-created_at")


def readable_expiry(entries: models.QuerySet) -> models.QuerySet:
    """NG entries with their expiry as `expiry`, read as the calendar's last day where PostgreSQL holds a
    time Python cannot (written before the API bounded it), so one bad row fails no list or export."""
    return entries.defer("expires_at").annotate(expiry=_readable_expiry())


def _readable_expiry() -> Case:
    # PostgreSQL's LEAST skips NULLs: an entry without expiry must stay without one
    clamped = Least("expires_at", Value(LAST_READABLE, output_field=DateTimeField()))
    return Case(When(expires_at__isnull=True, then=Value(None)), default=clamped, output_field=DateTimeField())


def ng_expiries_out_of_range(now: dt.datetime) -> dict[str, int]:
    """How many entries of each kind expire further ahead than an entry may now be given (stored before
    expiries were bounded; the furthest are read as 9999-12-30), by kind name; kinds with none left out."""
    counts = {
        name: kind.model.objects.filter(expires_at__gt=now + EXPIRY_MAX_AHEAD).count() for name, kind in KINDS.items()
    }
    return {name: n for name, n in counts.items() if n}


def ng_entry_row(kind_name: str, entry: models.Model) -> dict:
    """One entry as the API and the CSV export show it."""
    kind = KINDS[kind_name]
    target = getattr(entry, kind.target)
    expiry = entry.expiry if hasattr(entry, "expiry") else entry.expires_at  # read through readable_expiry, or saved
    return {
        kind.id_field: target.external_id if kind.catalog else target,
        "reason": entry.reason,
        "expires_at": expiry.isoformat() if expiry else None,
        "slots": entry.slots,
        "created_by": entry.created_by,
        "created_at": entry.created_at.isoformat(),
        "active": expiry is None or expiry > timezone.now(),
    }


def ng_csv_export(kind_name: str) -> str:
    """The whole list as CSV, in the upload format plus who added each entry and whether it applies now;
    times in the site's time zone (2099-02-01T00:00:00+09:00), which an upload reads back as the same instant."""
    kind = KINDS[kind_name]
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow([kind.id_field, *CSV_COLUMNS, *EXPORT_ONLY])
    for entry in ng_entries(kind_name).iterator():
        row = ng_entry_row(kind_name, entry)
        writer.writerow(
            [
                row[kind.id_field],
                row["reason"],
                _local(entry.expiry),
                "|".join(row["slots"]),
                row["created_by"],
                _local(entry.created_at),
                "yes" if row["active"] else "expired",
            ]
        )
    return out.getvalue()


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def pins_in_order() -> QuerySet:
    """Every pin, by position and then age (the older of two pins at one position keeps it)."""
    return Pin.objects.order_by("position", "created_at")


def boosts_in_order() -> QuerySet:
    """Every boost and bury, oldest first."""
    return Boost.objects.order_by("created_at")


@dataclass
class FeatureRule:
    """What a rule asks for; empty parts ask nothing."""

    categories: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    shops: list[int] = field(default_factory=list)
    min_popularity: int = 0

    @property
    def empty(self) -> bool:
        asks_price = self.price_min is not None or self.price_max is not None
        return not (self.categories or self.keywords or asks_price or self.shops or self.min_popularity)

    @classmethod
    def of(cls, feature: Feature) -> FeatureRule:
        return cls(
            categories=list(feature.rule_categories or []),
            keywords=list(feature.rule_keywords or []),
            price_min=feature.rule_price_min,
            price_max=feature.rule_price_max,
            shops=list(feature.rule_shops.values_list("pk", flat=True)) if feature.pk else [],
            min_popularity=feature.rule_min_popularity,
        )


def rule_matches(rule: FeatureRule) -> QuerySet:
    """Published, in-stock items the rule matches, most popular (last 30 days) first; none for an empty rule."""
    if rule.empty:
        return Item.objects.none()
    since = timezone.now() - dt.timedelta(days=POPULARITY_DAYS)
    items = Item.objects.filter(published=True, in_stock=True)
    if rule.categories:
        in_category = Q()
        for path in rule.categories:
            in_category |= Q(category_path=path) | Q(category_path__startswith=f"{path}{CATEGORY_SEPARATOR}")
        items = items.filter(in_category)
    if rule.keywords:
        any_word = Q()
        for word in rule.keywords:
            # keywords are stored NFKC-normalized (Tシャツ); a title may still spell it full-width (Ｔシャツ)
            for spelling in {word, unicodedata.normalize("NFKC", word).translate(FULL_WIDTH)}:
                any_word |= Q(title__icontains=spelling)
        items = items.filter(any_word)
    if rule.price_min is not None:
        items = items.filter(price__gte=rule.price_min)
    if rule.price_max is not None:
        items = items.filter(price__lte=rule.price_max)
    if rule.shops:
        items = items.filter(shop_id__in=rule.shops)
    items = items.annotate(popularity=Count("events", filter=Q(events__occurred_at__gte=since)))
    if rule.min_popularity:
        items = items.filter(popularity__gte=rule.min_popularity)
    return items.select_related("shop").order_by("-popularity", "external_id")


def feature_item_keys(feature: Feature) -> list[int]:
    """The feature's items before live filters: picks in order, then rule matches, up to max_items."""
    return features_item_keys([feature])[feature.pk]


def features_item_keys(features: list[Feature]) -> dict[int, list[int]]:
    """feature_item_keys of each feature, by its pk, in one cache round trip (matches are cached for
    CACHE_SECONDS, and forgotten at once when any curation or catalog change moves the generation)."""
    generation = current_generation()
    keys_of = {f"curation:feature-items:{f.pk}:{f.updated_at.timestamp()}:{generation}": f for f in features}
    cached = cache.get_many(list(keys_of))
    found: dict[int, list[int]] = {}
    fresh = {}
    for cache_key, feature in keys_of.items():
        keys = cached.get(cache_key)
        if keys is None:
            keys = fresh[cache_key] = _feature_items(feature)
        found[feature.pk] = keys
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)
    return found


def _feature_items(feature: Feature) -> list[int]:
    keys = list(feature.picks.values_list("item_id", flat=True))
    if len(keys) < feature.max_items:
        seen = set(keys)
        for pk in rule_matches(FeatureRule.of(feature)).values_list("pk", flat=True)[: feature.max_items * 2]:
            if pk not in seen:
                keys.append(pk)
                seen.add(pk)
    return keys[: feature.max_items]


def live_features(now: dt.datetime | None = None) -> QuerySet:
    """Published features whose schedule includes now, each with `hand_picked`: how many items merchandisers
    placed in it by hand (they lead its items, in their order)."""
    now = now or timezone.now()
    return (
        Feature.objects.filter(status=Feature.Status.PUBLISHED)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now), Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .annotate(hand_picked=Count("picks"))
    )
