import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from recommendations.demo_data.generator import DemoSize, generate
from recommendations.demo_data.store import dataset_counts, demo_serving_settings, trusted_events_store
from recommendations.management.dataset_loading import store_with_progress
from recommendations.models import Shop


class Command(BaseCommand):
    help = (
        "Generate a demo marketplace: shops, items, users with attributes and N days of shopping sessions "
        "(view -> favorite -> cart_add -> purchase) whose tastes depend on the user segment. Deterministic per seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = DemoSize()
        parser.add_argument("--shops", type=int, default=defaults.shops)
        parser.add_argument("--items", type=int, default=defaults.items)
        parser.add_argument("--users", type=int, default=defaults.users)
        parser.add_argument("--days", type=int, default=defaults.days)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--force", action="store_true", help="generate even if demo shops already exist")

    def handle(self, *args: object, **options: object) -> None:
        if Shop.objects.filter(external_id__startswith="demo-shop-").exists() and not options["force"]:
            counts = dataset_counts()
            self.stdout.write(
                f"Demo data is already here ({counts['items']} items, {counts['users']} users, "
                f"{counts['events']} events); use --force to add a fresh run."
            )
            return
        size = DemoSize(options["shops"], options["items"], options["users"], options["days"])
        end = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
        self.stdout.write(f"Generating {size} with seed {options['seed']} ...")
        data = generate(size, seed=options["seed"], end=end, image_base=settings.DEMO_IMAGE_BASE_URL)
        stored = store_with_progress(data, quiet=options["verbosity"] < 1, store_events=trusted_events_store)
        demo_serving_settings()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo marketplace ready: {len(data.shops)} shops, {len(data.items)} items, "
                f"{len(data.users)} users, {stored} new events over {size.days} days."
            )
        )
