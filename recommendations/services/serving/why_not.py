"""The preview's question "why does (or doesn't) this user see this item?", answered from the same
pipeline run and trace the preview shows, so the answer cannot disagree with the list."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from recommendations.models import AppUser, Item, Slot
from recommendations.services.serving import reads
from recommendations.services.serving.item_flags import item_flags
from recommendations.services.serving.lists import excluded_by_history, item_filter
from recommendations.services.serving.paging import slot_ng
from recommendations.services.serving.preview import references_namer
from recommendations.services.serving.result import Recommendation
from recommendations.services.serving.state import current_state


@dataclass
class ItemAnswer:
    """The item asked about and what the list does with it, in sentences for staff."""

    item: Item | None
    shown: bool
    lines: list[str]


def item_answer(user_id: str, item_id: str, served: Recommendation) -> ItemAnswer:
    """Where `item_id` is in the items list `served` to `user_id`, or why it is not there."""
    answer = _answer(user_id, item_id, served)
    named = references_namer(answer.lines)
    answer.lines = [named(line) for line in answer.lines]
    return answer


def _answer(user_id: str, item_id: str, served: Recommendation) -> ItemAnswer:
    item = Item.objects.select_related("shop").filter(external_id=item_id.strip()).first()
    if item is None:
        return ItemAnswer(None, False, [_("No item '%(item)s' in the catalogue.") % {"item": item_id[:128]}])
    slot = str(Slot(served.slot).label)
    context = {"slot": slot, "variant": served.variant or "-", "title": item.title, "item": item.external_id}
    if item.pk in served.ranked_keys:
        rank = served.ranked_keys.index(item.pk) + 1
        entry = next((e for e in served.entries if e.key == item.pk), None)
        if entry is not None:
            lines = [
                _("%(title)s (%(item)s) is shown at rank %(rank)s of %(slot)s (variant %(variant)s), from %(source)s.")
                % {**context, "rank": rank, "source": entry.source}
            ]
            return ItemAnswer(item, True, lines + [str(note) for note in entry.notes])
        line = _(
            "%(title)s (%(item)s) is ranked %(rank)s of %(total)s in %(slot)s (variant %(variant)s): "
            "on a later page, the first shows %(size)s."
        ) % {**context, "rank": rank, "total": served.total, "size": len(served.entries)}
        return ItemAnswer(item, False, [line])
    why = served.trace.removed.get(item.pk)
    if why is not None:
        line = _("%(title)s (%(item)s) is not shown in %(slot)s (variant %(variant)s): %(why)s")
        return ItemAnswer(item, False, [line % {**context, "why": why}])
    blocked = _blocked(user_id, item)
    if blocked is not None:
        line = _("%(title)s (%(item)s) could not be shown in %(slot)s whatever the model says: %(why)s")
        return ItemAnswer(item, False, [line % {**context, "why": blocked}])
    line = _(
        "%(title)s (%(item)s) is not among the %(total)s candidates the lists of variant %(variant)s hold for "
        "this user (%(source)s): the model did not rank it high enough. Nothing blocks it; a pin or a boost "
        "would bring it in."
    )
    return ItemAnswer(item, False, [line % {**context, "total": served.total, "source": served.algorithm or "-"}])


def _blocked(user_id: str, item: Item) -> object | None:
    """An NG entry, the item being unservable, or the user's own history (bought, not interested)."""
    user = AppUser.objects.filter(external_id=user_id).values_list("pk", flat=True).first()
    activity = reads.user_activity(user, None) if user is not None else []
    allowed = item_filter(slot_ng(current_state(), "items"), item_flags(), excluded_by_history(activity))
    return allowed(item.pk)
