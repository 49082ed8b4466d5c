"""What a merchandiser may name: categories the catalogue has, and user segments as segment lists name
them. Typed or uploaded text is compared after NFKC normalisation (full-width and half-width alike, e.g.
Ｔシャツ and Tシャツ), with spaces around ">" and letter case ignored; a match is stored in the catalogue's own
spelling, and text that matches nothing is refused with the closest names as suggestions."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy

from recommendations.engine.algorithms.popularity import AGE_BANDS, GLOBAL
from recommendations.models import AppUser, Gender, Item
from recommendations.models.catalog import CATEGORY_SEPARATOR

SUGGESTIONS = 3
WHAT = {"category": gettext_lazy("category"), "segment": gettext_lazy("segment")}
UNKNOWN = "?"  # a segment part for users whose gender, age or region recsite does not know


def normalized(text: str) -> str:
    """The form two spellings of one name share: NFKC, ' > ' between levels, single spaces, casefolded."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s*>\s*", CATEGORY_SEPARATOR, text)
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass(frozen=True)
class Vocabulary:
    """Known names by their normalized form; `what` names them in messages ('category', 'segment')."""

    what: str
    known: dict[str, str]

    def canonical(self, text: str) -> str:
        """The known spelling of `text`; ValueError with suggestions when nothing known matches."""
        found = self.known.get(normalized(text))
        if found is not None:
            return found
        close = difflib.get_close_matches(normalized(text), list(self.known), n=SUGGESTIONS, cutoff=0.6)
        values = {"what": WHAT[self.what], "text": text[:80]}
        if not close:
            raise ValueError(gettext("no %(what)s '%(text)s' exists") % values)
        suggestions = gettext(" or ").join(f"'{self.known[c]}'" for c in close)
        raise ValueError(
            gettext("no %(what)s '%(text)s' exists; did you mean %(suggestions)s?")
            % {**values, "suggestions": suggestions}
        )


def categories(paths: Iterable[str] | None = None) -> Vocabulary:
    """Every category path of the catalogue (or of `paths`) and every level above one ('Beauty' and
    'Beauty > Skincare')."""
    known: dict[str, str] = {}
    if paths is None:
        paths = Item.objects.exclude(category_path="").values_list("category_path", flat=True).distinct()
    for path in paths:
        levels = [level.strip() for level in path.split(">") if level.strip()]
        for depth in range(1, len(levels) + 1):
            name = CATEGORY_SEPARATOR.join(levels[:depth])
            known.setdefault(normalized(name), name)
    return Vocabulary("category", known)


def segments() -> Vocabulary:
    """Every segment a segment list can have: gender, gender|age band, gender|age band|region (regions the
    users have), with '?' for what is unknown; 'all' is everyone."""
    genders = [g for g in Gender.values if g] + [UNKNOWN]
    bands = [label for _low, _high, label in AGE_BANDS] + [UNKNOWN]
    regions = [r for r in AppUser.objects.exclude(region="").values_list("region", flat=True).distinct()]
    names = [GLOBAL, *genders]
    names += [f"{g}|{b}" for g in genders for b in bands]
    names += [f"{g}|{b}|{r}" for g in genders for b in bands for r in [*regions, UNKNOWN]]
    return Vocabulary("segment", {normalized(n): n for n in names})
