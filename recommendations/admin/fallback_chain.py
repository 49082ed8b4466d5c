"""A variant's fallback chain as ordered drop-downs ("then try", up to MAX_FALLBACKS) instead of a JSON list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from recommendations.models import Variant
from recommendations.models.serving import SERVING_ALGORITHM_CHOICES

MAX_FALLBACKS = 4
NARROW = "width: 12em"


class FallbackChainWidget(forms.MultiWidget):
    """One select per step of the chain; the first empty one ends it."""

    def __init__(self, choices: list[tuple[str, str]]) -> None:
        # narrow, so the slot's variant table fits a 1,366 px screen
        super().__init__([forms.Select(choices=choices, attrs={"style": NARROW}) for _ in range(MAX_FALLBACKS)])

    def decompress(self, value: Any) -> list[str]:
        chain = [a for a in value if isinstance(a, str)] if isinstance(value, list) else []
        return (chain + [""] * MAX_FALLBACKS)[:MAX_FALLBACKS]


class FallbackChainField(forms.MultiValueField):
    """The algorithms tried in order when the main one has nothing for the user; blanks are skipped."""

    def __init__(self, **kwargs: Any) -> None:
        choices = [("", "—"), *SERVING_ALGORITHM_CHOICES]
        fields = [forms.ChoiceField(choices=choices, required=False) for _ in range(MAX_FALLBACKS)]
        kwargs.setdefault("help_text", gettext_lazy("Tried left to right when the main algorithm has nothing."))
        super().__init__(
            fields, require_all_fields=False, required=False, widget=FallbackChainWidget(choices), **kwargs
        )

    def compress(self, data_list: list[str]) -> list[str]:
        chain = [a for a in data_list or [] if a]
        repeated = sorted({a for a in chain if chain.count(a) > 1})
        if repeated:
            raise forms.ValidationError(
                gettext("%(algorithms)s appears more than once in the chain.") % {"algorithms": ", ".join(repeated)}
            )
        return chain


class VariantForm(forms.ModelForm):
    fallbacks = FallbackChainField(label=gettext_lazy("Fallbacks"))

    class Meta:
        model = Variant
        fields = ("name", "algorithm", "fallbacks", "weight")
        widgets = {
            "name": forms.TextInput(attrs={"size": 6}),
            "algorithm": forms.Select(attrs={"style": NARROW}),
            "weight": forms.NumberInput(attrs={"style": "width: 5em"}),
        }
