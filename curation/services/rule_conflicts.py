"""What a merchandiser should know about a pin or boost before relying on it.

The serving order (docs/serving.md): NG and stock filters first, so an NG or sold-out item is never
placed, whatever pins it; of two pins at one position the older keeps it and the newer takes the
next; boosts and buries multiply, so two rules on one item combine.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from curation.models import Boost, NgCategory, NgItem, NgShop, Pin, ng_in_force
from recommendations.models import Item
from recommendations.models.catalog import within_category


def _overlapping(model: type, obj: Pin | Boost) -> Q:
    """Rules of the same slot and segment whose validity overlaps obj's and that have not ended."""
    q = (
        Q(slot=obj.slot, segment=obj.segment)
        & ~Q(pk=obj.pk)
        & (Q(ends_at__isnull=True) | Q(ends_at__gt=timezone.now()))
    )
    if obj.ends_at:
        q &= Q(starts_at__isnull=True) | Q(starts_at__lt=obj.ends_at)
    if obj.starts_at:
        q &= Q(ends_at__isnull=True) | Q(ends_at__gt=obj.starts_at)
    return q


def _applying(model: type, slot: str, **target: object) -> list:
    """NG entries in force for `target` whose scope includes `slot` (no slots listed: every slot)."""
    entries = model.objects.filter(ng_in_force(timezone.now()), **target)
    return [entry for entry in entries if not entry.slots or slot in entry.slots]


def _ng_reason(slot: str, item_id: int | None, shop_id: int | None) -> str | None:
    """Why serving would never show this target in `slot`, or None; the same scope rules as serving's."""
    if item_id:
        entry = next(iter(_applying(NgItem, slot, item_id=item_id)), None)
        if entry:
            return _("item is on the NG list (%(reason)s)") % {"reason": entry.reason}
        item = Item.objects.filter(pk=item_id).values("shop_id", "category_path", "published", "in_stock").first()
        if item:
            shop_id = shop_id or item["shop_id"]
            for category in _applying(NgCategory, slot):
                if within_category(item["category_path"], category.category_path):
                    return _("its category is on the NG list (%(reason)s)") % {"reason": category.reason}
            if not (item["published"] and item["in_stock"]):
                return _("item is unpublished or sold out")
    if shop_id:
        entry = next(iter(_applying(NgShop, slot, shop_id=shop_id)), None)
        if entry:
            return _("shop is on the NG list (%(reason)s)") % {"reason": entry.reason}
    return None


def pin_conflicts(pin: Pin) -> list[str]:
    """Warnings for a pin: another pin at its position, or a target that will never be shown."""
    warnings = []
    others = Pin.objects.filter(_overlapping(Pin, pin), position=pin.position).order_by("created_at")
    for other in others:
        first = other.created_at <= pin.created_at
        if first:
            text = _("pin %(other)s is at position %(position)s too: it keeps the position and this one goes next")
        else:
            text = _("pin %(other)s is at position %(position)s too: this one keeps it, the other goes next")
        warnings.append(text % {"other": other.pk, "position": pin.position})
    same_target = Pin.objects.filter(_overlapping(Pin, pin), item_id=pin.item_id, shop_id=pin.shop_id).exclude(
        position=pin.position
    )
    for other in same_target:
        warnings.append(
            _("pin %(other)s pins the same target at position %(position)s")
            % {"other": other.pk, "position": other.position}
        )
    why = _ng_reason(pin.slot, pin.item_id, pin.shop_id)
    if why:
        warnings.append(_("will not be placed: %(why)s") % {"why": why})
    return warnings


def boost_conflicts(boost: Boost) -> list[str]:
    """Warnings for a boost or bury: another rule on the same target (they multiply), or an NG target."""
    warnings = []
    target = Q(item_id=boost.item_id, shop_id=boost.shop_id, category_path=boost.category_path)
    for other in Boost.objects.filter(_overlapping(Boost, boost) & target):
        warnings.append(
            _("rule %(other)s also applies x%(factor)s to this target: they multiply")
            % {"other": other.pk, "factor": f"{other.factor:g}"}
        )
    why = _ng_reason(boost.slot, boost.item_id, boost.shop_id)
    if why:
        warnings.append(_("has no effect: %(why)s") % {"why": why})
    return warnings
