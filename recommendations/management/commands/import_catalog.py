from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommendations.management.import_report import write_problems
from recommendations.services.csv_import import catalog_import_csv, count_data_rows


class Command(BaseCommand):
    help = (
        "Create or update shops, items and users from CSV files (Amazon Personalize's items and users "
        "formats, plus a shops file). All files are imported in one transaction: any bad row rejects them all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shops", type=Path, help="SHOP_ID, NAME[, CREATION_TIMESTAMP, other columns...]")
        parser.add_argument(
            "--items",
            type=Path,
            help="ITEM_ID, SHOP_ID, TITLE[, CATEGORY_L1..L5 or CATEGORY_PATH, PRICE, IMAGE_URL, PUBLISHED, IN_STOCK]",
        )
        parser.add_argument("--users", type=Path, help="USER_ID[, GENDER, BIRTH_YEAR, REGION, other columns...]")
        parser.add_argument("--chunk-size", type=int, default=1000, choices=range(1, 1001), metavar="1..1000")

    def handle(self, *args: object, **options: object) -> None:
        files = {kind: options[kind] for kind in ("shops", "items", "users") if options[kind]}
        if not files:
            raise CommandError("Give at least one of --shops, --items, --users.")
        for kind, path in files.items():
            if not path.is_file():
                raise CommandError(f"No such file for --{kind}: {path}")
        total = sum(count_data_rows(p) for p in files.values())
        with tqdm(total=total, unit="rows", desc="catalog", disable=options["verbosity"] < 1) as bar:
            report = catalog_import_csv(files, chunk_size=options["chunk_size"], progress=bar.update)
        if report.problems:
            self.stderr.write("Problems:")
            write_problems(self.stderr, report)
            raise CommandError(
                f"{report.rows} rows read, {len(report.rejected_rows)} with problems. Nothing was imported."
            )
        self.stdout.write(
            self.style.SUCCESS(f"{report.rows} rows read: {report.stored} created, {report.updated} updated")
        )
