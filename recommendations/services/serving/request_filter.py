"""What the app narrows one request to: a category, a price band, a shop, ids to leave out.

The filter runs inside the fill stage with the NG lists and stock, before the cut: a filtered page is
still full as long as the variant's chain (and popularity after it) has matching candidates, and the
trace names the filter that removed each entry. docs/api.md lists the parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext_lazy

from curation.vocabulary import categories
from recommendations.errors import FieldError, ValidationFailed
from recommendations.integrations import personalize as gateway
from recommendations.models import Item, Shop
from recommendations.models.catalog import CATEGORY_SEPARATOR
from recommendations.services.serving.item_flags import ItemFlags, item_flags

EXCLUDE_MAX = 100  # ids in one `exclude`: a screenful and a cart, not a catalogue
# Why an item is outside the filter, by parameter; worded only when shown (the preview's trace).
OUTSIDE = {
    "category": gettext_lazy("outside the request's filter: category"),
    "price": gettext_lazy("outside the request's filter: price"),
    "shop_id": gettext_lazy("outside the request's filter: shop_id"),
    "exclude": gettext_lazy("outside the request's filter: exclude"),
}


@dataclass(frozen=True)
class RequestFilter:
    """One request's filter; `keys` are our item (or, in the shops slot, shop) keys to leave out."""

    category: str = ""
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    shop_key: int | None = None
    exclude: frozenset[int] = field(default_factory=frozenset)
    # as the app named them, for a Personalize filter's values
    shop_id: str = ""
    exclude_ids: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.category or self.price_min is not None or self.price_max is not None) or bool(
            self.shop_key is not None or self.exclude
        )

    @property
    def signature(self) -> str:
        """The same text for the same filter: a stored list is paged only under the filter it was made with."""
        if not self:
            return ""
        return repr((self.category, str(self.price_min), str(self.price_max), self.shop_key, sorted(self.exclude)))

    def personalize_values(self) -> dict[str, str]:
        """The values of the Personalize filter's placeholders for this filter (the price band stays recsite's)."""
        levels = [level.strip() for level in self.category.split(CATEGORY_SEPARATOR)] if self.category else []
        return gateway.request_filter_values(sorted(self.exclude_ids), self.shop_id, levels)

    def item_mask(self, keys: np.ndarray, flags: ItemFlags) -> np.ndarray:
        """Which item `keys` pass, as a boolean array (the fast path over a whole candidate list)."""
        ok = np.ones(len(keys), dtype=bool)
        if self.category:
            ok &= np.isin(flags.category_codes_of(keys), self._category_codes(flags))
        if self.price_min is not None or self.price_max is not None:
            prices = flags.prices_of(keys)
            with np.errstate(invalid="ignore"):  # an item without a price is outside any band
                if self.price_min is not None:
                    ok &= prices >= float(self.price_min)
                if self.price_max is not None:
                    ok &= prices <= float(self.price_max)
        if self.shop_key is not None:
            ok &= flags.shops_of(keys) == self.shop_key
        if self.exclude:
            ok &= ~np.isin(keys, np.fromiter(self.exclude, dtype=np.int64, count=len(self.exclude)))
        return ok

    def item_reason(self, flags: ItemFlags) -> Callable[[int], str | None]:
        """Why an item is outside the filter (naming the parameter), or None."""
        if not self:
            return lambda _key: None  # every request without filters asks this of each candidate
        codes = set(self._category_codes(flags).tolist()) if self.category else set()

        def reason(key: int) -> str | None:
            one = np.array([key], dtype=np.int64)
            if self.category and int(flags.category_codes_of(one)[0]) not in codes:
                return OUTSIDE["category"]
            if self.price_min is not None or self.price_max is not None:
                price = float(flags.prices_of(one)[0])
                low = self.price_min is not None and not price >= float(self.price_min)
                if low or (self.price_max is not None and not price <= float(self.price_max)):
                    return OUTSIDE["price"]
            if self.shop_key is not None and int(flags.shops_of(one)[0]) != self.shop_key:
                return OUTSIDE["shop_id"]
            if key in self.exclude:
                return OUTSIDE["exclude"]
            return None

        return reason

    def _category_codes(self, flags: ItemFlags) -> np.ndarray:
        prefix = self.category + CATEGORY_SEPARATOR
        return np.array(
            [code for code, path in enumerate(flags.categories) if path == self.category or path.startswith(prefix)],
            dtype=np.int64,
        )


NO_FILTER = RequestFilter()


def request_filter(values: dict, *, slot: str = "items") -> RequestFilter:
    """The filter the validated query `values` ask for; ValidationFailed naming `category` or `shop_id` when the
    catalogue has no such one (with the closest categories), or `price_min` above `price_max`. Ids in `exclude`
    recsite does not know are simply not there to leave out."""
    price_min, price_max = values.get("price_min"), values.get("price_max")
    if price_min is not None and price_max is not None and price_min > price_max:
        raise ValidationFailed(
            "The request is invalid.", [FieldError(None, "price_min", f"{price_min} is above price_max ({price_max}).")]
        )
    shop_key = None
    if values.get("shop_id"):
        shop_key = Shop.objects.filter(external_id=values["shop_id"]).values_list("pk", flat=True).first()
        if shop_key is None:
            raise ValidationFailed(
                "The request is invalid.", [FieldError(None, "shop_id", f"unknown shop '{values['shop_id'][:60]}'.")]
            )
    category = ""
    if values.get("category"):
        # the catalogue's own spelling: full-width, case and spaces around ">" do not matter
        try:
            category = categories(item_flags().categories).canonical(values["category"])
        except ValueError as exc:
            raise ValidationFailed("The request is invalid.", [FieldError(None, "category", str(exc))]) from None
    ids = values.get("exclude") or []
    model = Shop if slot == "shops" else Item
    known = dict(model.objects.filter(external_id__in=ids).values_list("pk", "external_id")) if ids else {}
    return RequestFilter(
        category=category,
        price_min=price_min,
        price_max=price_max,
        shop_key=shop_key,
        exclude=frozenset(known),
        shop_id=values["shop_id"] if shop_key is not None else "",
        exclude_ids=frozenset(known.values()),
    )
