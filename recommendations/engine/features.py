"""Attribute features for the factorization machine: user segments and item category, shop, price band."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommendations.engine.algorithms.popularity import age_band

PRICE_BANDS = 5


def user_attribute_tokens(users: pd.DataFrame, user_ids: np.ndarray, year: int) -> list[list[str]]:
    """Per user: gender, age band and region tokens (missing values are left out)."""
    records = users.reindex(user_ids).to_dict("records") if len(users) else [{} for _ in user_ids]
    tokens = []
    for r in records:
        row = []
        if r.get("gender"):
            row.append(f"gender={r['gender']}")
        band = age_band(r.get("birth_year"), year)
        if band != "?":
            row.append(f"age={band}")
        if r.get("region"):
            row.append(f"region={r['region']}")
        tokens.append(row)
    return tokens


def item_attribute_tokens(items: pd.DataFrame, item_ids: np.ndarray) -> list[list[str]]:
    """Per item: every prefix of its category path, its shop and its price quintile."""
    frame = items.reindex(item_ids) if len(items) else pd.DataFrame(index=item_ids)
    prices = pd.to_numeric(frame.get("price", pd.Series(index=frame.index, dtype=float)), errors="coerce")
    bands = pd.Series(np.nan, index=frame.index)
    if prices.notna().sum() >= PRICE_BANDS:
        bands = pd.qcut(prices, PRICE_BANDS, labels=False, duplicates="drop")
    tokens = []
    for (_item_id, row), band in zip(frame.iterrows(), bands, strict=True):
        out = []
        parts = [p.strip() for p in str(row.get("category_path") or "").split(">") if p.strip()]
        out += [f"category={' > '.join(parts[: i + 1])}" for i in range(len(parts))]
        shop = row.get("shop_id")
        if shop is not None and not pd.isna(shop):
            out.append(f"shop={shop}")
        if not pd.isna(band):
            out.append(f"price_band={int(band)}")
        tokens.append(out)
    return tokens


class FeatureSpace:
    """Maps tokens to columns; column i < n_ids is the identity feature of row i when `identity` is on."""

    def __init__(self, n_ids: int, token_rows: list[list[str]], *, identity: bool) -> None:
        self.identity = identity
        self.n_ids = n_ids if identity else 0
        vocabulary = sorted({t for row in token_rows for t in row})
        self.columns = {t: self.n_ids + i for i, t in enumerate(vocabulary)}

    @property
    def width(self) -> int:
        return self.n_ids + len(self.columns)

    def matrix(self, token_rows: list[list[str]], *, with_identity: bool) -> sp.csr_matrix:
        """One row per entry; weights in a row sum to 1 (LightFM learns best from normalised rows)."""
        rows, cols = [], []
        for r, tokens in enumerate(token_rows):
            if with_identity and self.identity:
                rows.append(r)
                cols.append(r)
            for t in tokens:
                if t in self.columns:
                    rows.append(r)
                    cols.append(self.columns[t])
        data = np.ones(len(rows), dtype=np.float32)
        m = sp.csr_matrix((data, (rows, cols)), shape=(len(token_rows), self.width), dtype=np.float32)
        sums = np.asarray(m.sum(axis=1)).ravel()
        sums[sums == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / sums) @ m)
