import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommendations.services.measurement.rollup import rollup_day, rollup_pending, rollup_range_default


class Command(BaseCommand):
    help = (
        "Recompute the experiment roll-ups: the days with new data (default), a range (--from/--to, "
        "YYYY-MM-DD, inclusive), or every day with impressions (--all). Running it twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", type=dt.date.fromisoformat, help="first day, e.g. 2026-11-01")
        parser.add_argument("--to", dest="last", type=dt.date.fromisoformat, help="last day (default: --from)")
        parser.add_argument("--all", action="store_true", help="every day from the first impression on")

    def handle(self, *args: object, first: dt.date | None, last: dt.date | None, all: bool, **options: object) -> None:
        if all:
            span = rollup_range_default()
            if span is None:
                self.stdout.write("No impressions yet: nothing to roll up.")
                return
            first, last = span
        if first is None and last is not None:
            raise CommandError("--to needs --from.")
        if first is None:
            days = rollup_pending()
            self.stdout.write(f"Recomputed {len(days)} day(s) with new data: {', '.join(map(str, days)) or 'none'}.")
            return
        last = last or first
        if last < first:
            raise CommandError(f"--to {last} is before --from {first}.")
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        rows = sum(rollup_day(day) for day in tqdm(days, desc="days", unit="day", disable=options["verbosity"] == 0))
        self.stdout.write(f"Recomputed {len(days)} day(s), {rows} variant row(s), {first} to {last}.")
