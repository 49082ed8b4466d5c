from django.core.management.base import BaseCommand

from recommendations.services.training.content_lists import content_neighbours_refresh


class Command(BaseCommand):
    help = (
        "Recompute every servable item's content neighbours (alike in title, category, shop and price) now: "
        "similar items for items with few views, and the new items exploration offers. The beat schedule "
        "does this every CONTENT_REFRESH_MINUTES."
    )

    def handle(self, *args: object, **options: object) -> None:
        outcome = content_neighbours_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Content neighbours: {outcome['with_neighbours']:.0f} of {outcome['items']:.0f} items have some "
                f"(computed in {outcome['compute_seconds']:.1f} s, written in {outcome['write_seconds']:.1f} s)."
            )
        )
