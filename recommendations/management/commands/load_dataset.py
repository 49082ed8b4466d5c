from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommendations.demo_data.public_datasets import DATASETS, DatasetMissing
from recommendations.demo_data.store import events_store
from recommendations.errors import ValidationFailed
from recommendations.management.dataset_loading import store_with_progress


class Command(BaseCommand):
    help = (
        "Load a public data set (ml-100k or olist, as in ../shared/data) into the catalog and event tables, "
        "through the same validation as the API. Loading twice stores nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=sorted(DATASETS))
        parser.add_argument("--path", type=Path, required=True, help="folder holding the data set's files")

    def handle(self, *args: object, **options: object) -> None:
        try:
            data = DATASETS[options["name"]](options["path"])
        except DatasetMissing as exc:
            raise CommandError(f"Not a {options['name']} folder: {exc}") from None
        try:
            result = store_with_progress(data, quiet=options["verbosity"] < 1, store_events=events_store)
        except ValidationFailed as exc:
            details = "; ".join(f"row {e.index} {e.field}: {e.message}" for e in exc.errors[:10])
            raise CommandError(f"{exc.message} {details}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{options['name']}: {len(data.shops)} shops, {len(data.items)} items, {len(data.users)} users; "
                f"{result.stored} events stored, {result.duplicates} already there."
            )
        )
