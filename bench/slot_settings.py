"""What each items-slot setting costs a request, in process (no HTTP), on the database bench/serve.py built.

    .venv/bin/python bench/slot_settings.py [--requests 400] [--reps 3]

Run bench/serve.py first (it leaves its database, BENCH_DATABASE_URL). Serves the same random known users
through `recommend("items", ...)` with the slot's exploration, fatigue and category cap off, each alone,
and all on as the demo sets them; prints the best of `--reps` passes in ms a request (the first setting is
the baseline, in the same process).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from common import setup_django

SETTINGS = {
    "all off": {"exploration_share": 0, "fatigue_shows": 0, "per_category_cap": 0},
    "per-category cap 10": {"exploration_share": 0, "fatigue_shows": 0, "per_category_cap": 10},
    "fatigue after 5 shows in 7 days": {"exploration_share": 0, "fatigue_shows": 5, "per_category_cap": 0},
    "exploration 10%": {"exploration_share": 10, "fatigue_shows": 0, "per_category_cap": 0},
    "all three (the demo's)": {"exploration_share": 10, "fatigue_shows": 5, "per_category_cap": 10},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    setup_django(fresh=False)
    from recommendations.models import AppUser, SlotConfig
    from recommendations.services.serving.pipeline import recommend

    users = list(AppUser.objects.values_list("external_id", flat=True))
    sample = random.Random(1).sample(users, min(args.requests, len(users)))
    base = None
    for name, values in SETTINGS.items():
        config = SlotConfig.objects.get(slot="items")
        for field, value in values.items():
            setattr(config, field, value)
        config.save()
        for user in sample[:50]:  # the state and flags rebuilt, connections warm
            recommend("items", user, limit=20, log=False, explain=False)
        passes = []
        for _rep in range(args.reps):
            started = time.perf_counter()
            for user in sample:
                recommend("items", user, limit=20, log=False, explain=False)
            passes.append(1000 * (time.perf_counter() - started) / len(sample))
        best = min(passes)
        base = base or best
        print(f"{name}: {best:.2f} ms a request ({best / base:.2f}x; passes {', '.join(f'{p:.2f}' for p in passes)})")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
