from django.core.management.base import BaseCommand

from curation.services.feature_suggestions import features_suggest


class Command(BaseCommand):
    help = "Propose draft themed features from this week's data (trending categories, items viewed together)."

    def handle(self, *args: object, **options: object) -> None:
        drafts = features_suggest(by="manage.py suggest_features")
        for feature in drafts:
            self.stdout.write(f"draft: {feature.title}  ({feature.source})")
        self.stdout.write(
            f"{len(drafts)} draft feature(s) proposed; review and publish them in the admin (Curation > Features)."
            if drafts
            else "Nothing new to propose (too little activity this week, or the proposals already exist)."
        )
