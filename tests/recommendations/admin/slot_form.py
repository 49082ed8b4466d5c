"""The slot page's fields besides size, caps and experiment, at their defaults, for tests that post the form."""

SLOT_SETTINGS = {
    "per_category_cap": 0,
    "exploration_share": 0,
    "exploration_after": 3,
    "new_item_days": 7,
    "fatigue_shows": 0,
    "fatigue_days": 7,
}
