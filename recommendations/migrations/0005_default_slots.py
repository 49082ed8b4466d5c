"""Every slot starts served: items as an A/B test of ALS against EASE, shops and features by one variant."""

from django.db import migrations

FALLBACKS = ["segment_popularity", "popularity"]
SLOTS = {
    "items": {"size": 20, "per_shop_cap": 2, "variants": [("A", "als", 1), ("B", "ease", 1)]},
    "shops": {"size": 10, "per_shop_cap": 0, "variants": [("A", "ease", 1)]},
    "features": {"size": 6, "per_shop_cap": 0, "variants": [("A", "segment_popularity", 1)]},
}


def create(apps, schema_editor):
    SlotConfig = apps.get_model("recommendations", "SlotConfig")
    Variant = apps.get_model("recommendations", "Variant")
    for slot, spec in SLOTS.items():
        config, created = SlotConfig.objects.get_or_create(
            slot=slot, defaults={"size": spec["size"], "per_shop_cap": spec["per_shop_cap"]}
        )
        if created:
            for name, algorithm, weight in spec["variants"]:
                fallbacks = [a for a in FALLBACKS if a != algorithm]
                Variant.objects.create(slot=config, name=name, algorithm=algorithm, fallbacks=fallbacks, weight=weight)


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0004_serving")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
