"""Store a generated or loaded data set with a progress bar per table (generate_demo, load_dataset)."""

from __future__ import annotations

from collections.abc import Callable

from tqdm import tqdm

from recommendations.demo_data.generator import DemoData
from recommendations.demo_data.store import catalog_store


def store_with_progress(
    data: DemoData, *, quiet: bool, store_events: Callable[[list[dict], Callable], object]
) -> object:
    """Upsert shops, items and users, then hand the events to `store_events`; returns what it returns."""
    for kind in ("shops", "items", "users"):
        rows = getattr(data, kind)
        with tqdm(total=len(rows), desc=kind, unit="rows", disable=quiet) as bar:
            catalog_store(kind, rows, bar.update)
    with tqdm(total=len(data.events), desc="events", unit="events", disable=quiet) as bar:
        return store_events(data.events, bar.update)
