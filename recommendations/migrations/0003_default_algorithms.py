from django.db import migrations

# Trained nightly out of the box: the cold-start fallback, two collaborative models and EASE.
ENABLED = ["segment_popularity", "item_knn", "als", "ease"]
ALL = ["popularity", "trending", "segment_popularity", "item_knn", "item_knn_bm25", "als", "bpr", "ease", "lightfm"]


def create_settings(apps, schema_editor):
    AlgorithmSetting = apps.get_model("recommendations", "AlgorithmSetting")
    for name in ALL:
        AlgorithmSetting.objects.get_or_create(algorithm=name, defaults={"enabled": name in ENABLED})


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0002_training")]
    operations = [migrations.RunPython(create_settings, migrations.RunPython.noop)]
