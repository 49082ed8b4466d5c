"""The role groups (Merchandiser, Analyst, Operator) with their permissions: recsite/roles.py."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def roles_create(apps, schema_editor):
    from recsite.roles import roles_sync

    # permissions are otherwise made after the last migration; the roles need them now
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, verbosity=0, apps=apps)
        config.models_module = None
    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("curation", "0003_permissions"),
        ("recommendations", "0012_permissions"),
    ]

    operations = [migrations.RunPython(roles_create, migrations.RunPython.noop)]
