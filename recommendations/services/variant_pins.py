"""Staff putting a user on one variant of a slot: one pin per user and slot, whichever screen made it."""

from __future__ import annotations

from django.db import transaction

from recommendations.errors import NotFound
from recommendations.generation import generation_changed
from recommendations.models import AppUser, Variant, VariantPin


def variant_pin_save(pin: VariantPin, *, by: str) -> VariantPin:
    """Save the pin, replacing the user's earlier pin in the same slot (pinning to B removes A)."""
    with transaction.atomic():
        VariantPin.objects.filter(user=pin.user, variant__slot=pin.variant.slot).exclude(pk=pin.pk).delete()
        pin.created_by = by
        pin.save()
        generation_changed()
    return pin


def variant_pin_set(slot: str, user: AppUser, variant_name: str | None, by: str) -> None:
    """Put the user on a variant of the slot (None: back to the hash), replacing any earlier pin."""
    if variant_name:
        variant = Variant.objects.filter(slot__slot=slot, name=variant_name).first()
        if variant is None:
            raise NotFound(f"Slot '{slot}' has no variant '{variant_name}'.")
        variant_pin_save(VariantPin(user=user, variant=variant), by=by)
        return
    with transaction.atomic():
        VariantPin.objects.filter(user=user, variant__slot__slot=slot).delete()
        generation_changed()
