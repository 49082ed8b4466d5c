from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommendations.management.import_report import write_problems
from recommendations.services.csv_import import count_data_rows, events_import_csv


class Command(BaseCommand):
    help = (
        "Import interaction events from a CSV in Amazon Personalize's interactions format "
        "(USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE; optional EVENT_ID, SESSION_ID, RECOMMENDATION_ID). "
        "A file with any bad row is rejected whole unless --skip-invalid is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--chunk-size", type=int, default=5000, help="rows validated and written together")
        parser.add_argument("--skip-invalid", action="store_true", help="store the good rows, report the bad ones")

    def handle(self, *args: object, **options: object) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1")
        show_bar = options["verbosity"] >= 1
        with tqdm(total=count_data_rows(path), unit="rows", desc="events", disable=not show_bar) as bar:
            report = events_import_csv(
                path, chunk_size=options["chunk_size"], skip_invalid=options["skip_invalid"], progress=bar.update
            )
        summary = (
            f"{report.rows} rows read: {report.stored} stored, {report.duplicates} duplicates, "
            f"{len(report.rejected_rows)} rejected, {report.users_created} new users"
        )
        if report.problems:
            self.stderr.write(f"Problems in {path.name}:")
            write_problems(self.stderr, report)
        if not report.written:
            raise CommandError(f"{summary}. Nothing was imported: fix the rows above or use --skip-invalid.")
        self.stdout.write(self.style.SUCCESS(summary))
