from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommendations.errors import ValidationFailed
from recommendations.models import Scope
from recommendations.services.api_keys import api_key_create


class Command(BaseCommand):
    help = "Create an API key and print it alone on the last line (it cannot be shown again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument(
            "--scopes",
            nargs="+",
            required=True,
            choices=Scope.values,
            metavar="SCOPE",
            help=f"one or more of: {', '.join(Scope.values)}",
        )
        parser.add_argument("--throttle-rate", default="", help="e.g. 600/minute; default: the site's rate")

    def handle(self, *args: object, **options: object) -> None:
        try:
            key, plain = api_key_create(
                name=options["name"], scopes=options["scopes"], throttle_rate=options["throttle_rate"]
            )
        except ValidationFailed as exc:
            raise CommandError("; ".join(f"{e.field}: {e.message}" for e in exc.errors)) from None
        self.stderr.write(f"API key '{key.name}' (prefix {key.prefix}) with scopes {', '.join(key.scopes)}:")
        self.stdout.write(plain)
