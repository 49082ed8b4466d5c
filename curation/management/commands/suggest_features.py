from django.core.management.base import BaseCommand, CommandParser

from curation.models import Feature
from curation.services.feature_suggestions import features_suggest
from curation.services.features import features_status_set


class Command(BaseCommand):
    help = (
        "Propose draft themed features from this week's data (trending categories, items viewed together); "
        "--publish N publishes the first N proposals at once (the demo does, so its shop window has features)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--publish", type=int, default=0, help="publish the first N proposals (default: none)")

    def handle(self, *args: object, **options: object) -> None:
        drafts = features_suggest(by="manage.py suggest_features")
        for feature in drafts:
            self.stdout.write(f"draft: {feature.title}  ({feature.source})")
        self.stdout.write(
            f"{len(drafts)} draft feature(s) proposed; review and publish them in the admin (Curation > Features)."
            if drafts
            else "Nothing new to propose (too little activity this week, or the proposals already exist)."
        )
        published = features_status_set(drafts[: max(options["publish"], 0)], Feature.Status.PUBLISHED)
        if published:
            self.stdout.write(f"published {published}: {', '.join(f.title for f in drafts[:published])}")
