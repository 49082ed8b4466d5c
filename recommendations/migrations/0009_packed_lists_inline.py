"""Keep packed candidate lists inline and uncompressed on PostgreSQL; drop a redundant index.

A 200-entry list (1,600 bytes of int64 keys and 800 of float32 scores) passes PostgreSQL's 2 kB TOAST
threshold, and compressing every row cost about 1.5 s of the 2.3 s it took to COPY a version's
44,000 lists (bench/train.py). Rows up to 8 kB now stay in the heap as they are; longer lists (over
about 650 entries) are still moved out of line. Reads are not affected: an inline row is one fetch.

UserCandidates' own index on user_id repeated the leading column of its unique (user, version, slot)
index, which already serves every lookup by user.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLES = ("recommendations_usercandidates", "recommendations_segmentcandidates", "recommendations_itemneighbours")


def inline(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET (toast_tuple_target = 8160)")


def default(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0008_variant_personalize")]

    operations = [
        migrations.RunPython(inline, default),
        migrations.AlterField(
            model_name="usercandidates",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="recommendations.appuser",
            ),
        ),
    ]
