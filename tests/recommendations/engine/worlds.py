"""Small event logs whose right answers are obvious, shared by the engine tests."""

import datetime as dt

import numpy as np
import pandas as pd

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def paired_world(users: int = 120, seed: int = 0) -> pd.DataFrame:
    """Items come in pairs (0,1), (2,3)…: whoever views one of a pair buys its twin soon after. Each user views
    three pairs' first items and buys their twins, in time order, among a background of popular item 98."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(users):
        hour = 0
        for pair in rng.choice(20, size=4, replace=False):
            rows.append((f"u{u}", f"i{2 * pair}", "view", hour))
            rows.append((f"u{u}", f"i{2 * pair + 1}", "purchase", hour + 1))
            hour += 2
        if u % 2:
            rows.append((f"u{u}", "i98", "view", hour))
    return pd.DataFrame(
        [{"user_id": u, "item_id": i, "type": t, "occurred_at": T0 + dt.timedelta(hours=h)} for u, i, t, h in rows]
    )
