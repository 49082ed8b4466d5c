"""Draft features proposed from the data, for a merchandiser to edit and publish.

Two kinds: categories whose activity this week is well above their usual (trending), and an item
much viewed this week with the items viewed in the same sessions (co-visitation). Proposals are
always drafts; running it again does not repeat a proposal that still exists.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify

from curation.models import Feature, FeatureItem
from recommendations.models import Event, Item, ItemNeighbours, ModelVersion
from recommendations.models.catalog import CATEGORY_SEPARATOR

WEEK = dt.timedelta(days=7)
BASELINE = dt.timedelta(days=28)
MIN_WEEK_EVENTS = 20  # fewer than this in a week is noise, not a trend
TRENDING = 3
TOGETHER = 2
TOGETHER_ITEMS = 12


def _trending_categories(now: dt.datetime) -> list[tuple[str, int, float]]:
    """(category, events this week, ratio to its weekly average over the four weeks before), best first."""
    week = dict(
        Event.objects.filter(occurred_at__gte=now - WEEK, occurred_at__lt=now)
        .values_list("item__category_path")
        .annotate(n=Count("pk"))
        .values_list("item__category_path", "n")
    )
    before = dict(
        Event.objects.filter(occurred_at__gte=now - WEEK - BASELINE, occurred_at__lt=now - WEEK)
        .values_list("item__category_path")
        .annotate(n=Count("pk"))
        .values_list("item__category_path", "n")
    )
    rows = []
    for category, n in week.items():
        if not category or n < MIN_WEEK_EVENTS:
            continue
        usual = before.get(category, 0) * WEEK / BASELINE
        rows.append((category, n, n / (usual + 5.0)))  # +5 keeps a small category from a huge ratio
    return sorted(rows, key=lambda r: -r[2])


def _unique_slug(base: str) -> str | None:
    """The slug for a proposal, or None if that proposal already exists (draft or not)."""
    slug = slugify(base)[:90] or "feature"
    return None if Feature.objects.filter(slug=slug).exists() else slug


def features_suggest(*, now: dt.datetime | None = None, by: str = "suggestions") -> list[Feature]:
    """Create draft features from this week's data; returns the new drafts."""
    now = now or timezone.now()
    created: list[Feature] = []
    with transaction.atomic():
        for category, n, ratio in _trending_categories(now)[:TRENDING]:
            leaf = category.split(CATEGORY_SEPARATOR)[-1]
            slug = _unique_slug(f"trending-{category}-{now:%Y-%m-%d}")
            if slug is None:
                continue
            created.append(
                Feature.objects.create(
                    title=f"Trending this week: {leaf}",
                    slug=slug,
                    description=f"{leaf} is drawing more attention than usual this week.",
                    rule_categories=[category],
                    rule_min_popularity=1,
                    source=f"suggested: {category} had {n} events this week, {ratio:.1f}x its usual",
                    created_by=by,
                )
            )
        created += _viewed_together(now, by)
    return created


def _viewed_together(now: dt.datetime, by: str) -> list[Feature]:
    version = ModelVersion.objects.filter(is_live=True, item_neighbours__isnull=False).order_by("-published_at").first()
    if version is None:
        return []
    popular = (
        Event.objects.filter(occurred_at__gte=now - WEEK, type="view", item__published=True, item__in_stock=True)
        .values("item")
        .annotate(n=Count("pk"))
        .order_by("-n")[:20]
    )
    drafts = []
    for row in popular:
        if len(drafts) >= TOGETHER:
            break
        lists = ItemNeighbours.objects.filter(version=version, item_id=row["item"]).first()
        if lists is None or len(lists.keys) < 4:
            continue
        anchor = Item.objects.get(pk=row["item"])
        slug = _unique_slug(f"viewed-with-{anchor.external_id}-{now:%Y-%m-%d}")
        if slug is None:
            continue
        feature = Feature.objects.create(
            title=f"Often viewed with {anchor.title}"[:200],
            slug=slug,
            description="Items shoppers looked at in the same visits.",
            cover_image_url=anchor.image_url,
            source=f"suggested: co-visitation of {anchor.external_id}, viewed {row['n']} times this week",
            created_by=by,
        )
        keys = list(dict.fromkeys([anchor.pk, *lists.keys]))[:TOGETHER_ITEMS]
        existing = set(Item.objects.filter(pk__in=keys).values_list("pk", flat=True))
        FeatureItem.objects.bulk_create(
            [FeatureItem(feature=feature, item_id=k, position=n) for n, k in enumerate(keys) if k in existing]
        )
        drafts.append(feature)
    return drafts
