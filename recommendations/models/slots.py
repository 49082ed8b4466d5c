"""The slots of the app, in one enum; each kind of row says which of them it can belong to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Slot(models.TextChoices):
    ITEMS = "items", _("Recommended items")
    SHOPS = "shops", _("Recommended shops")
    FEATURES = "features", _("Themed features")
    SIMILAR = "similar", _("Similar items")
    SIMILAR_SHOPS = "similar_shops", _("Similar shops")

    @classmethod
    def reported(cls) -> tuple[str, ...]:
        """Slots whose impressions are logged and measured (every slot)."""
        return tuple(cls.values)


def slot_choices(slots: tuple[Slot, ...]) -> list[tuple[str, str]]:
    """Field choices for a subset of the slots."""
    return [(s.value, s.label) for s in slots]


# Lists a trained version writes per user and segment; pins and boosts apply to these.
LIST_SLOTS = (Slot.ITEMS, Slot.SHOPS)
# Slots with settings in the admin (size, per-shop cap, experiment); similar items follow the items slot.
CONFIGURED_SLOTS = (Slot.ITEMS, Slot.SHOPS, Slot.FEATURES)
# Slots an NG entry can be scoped to; similar items obey the items slot's entries.
NG_SLOTS = (Slot.ITEMS, Slot.SHOPS, Slot.FEATURES)
