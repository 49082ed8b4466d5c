import datetime as dt

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from tqdm import tqdm

from recommendations.models import CONFIGURED_SLOTS
from recommendations.services.measurement.rollup import rollup_days
from recommendations.services.measurement.simulation import simulate_traffic


class Command(BaseCommand):
    help = (
        "For the demo: serve known users a list a day for the last N days through the serving pipeline and store "
        "their simulated reactions (more likely for items of categories they like), then roll the days up, so the "
        "experiment dashboard has real data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=500)
        parser.add_argument("--days", type=int, default=7)
        slots = [s.value for s in CONFIGURED_SLOTS]
        parser.add_argument(
            "--slot", default="all", choices=["all", *slots], help="The slot to serve (default: every slot in turn)."
        )
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: object, users: int, days: int, slot: str, seed: int, **options: object) -> None:
        slots = [s.value for s in CONFIGURED_SLOTS] if slot == "all" else [slot]
        for name in slots:
            quiet = options["verbosity"] == 0
            with tqdm(total=users * days, desc=f"{name} lists served", unit="list", disable=quiet) as bar:
                totals = simulate_traffic(users=users, days=days, slot=name, seed=seed, progress=bar.update)
            self.stdout.write(
                f"{name}: served {totals['lists_served']} lists, stored {totals['events_stored']} reaction events."
            )
        today = timezone.now().date()
        rollup_days(today - dt.timedelta(days=days), today)  # the simulated days lie in the past
        self.stdout.write(f"Rolled up {days + 1} day(s). See admin > Slots > (a slot) > dashboard.")
