"""The roles people hold in the admin, as groups of permissions (docs/roles.md).

Groups are created and kept in step with this table by `manage.py migrate` (a migration, then a
post_migrate hook after every later migrate). Superusers stay superusers; anyone else gets what their
groups grant. Every custom admin view and action names the permission it needs (recsite/admin_access.py).
"""

from __future__ import annotations

from django.apps import apps as global_apps

_CATALOG_READ = ["recommendations.view_shop", "recommendations.view_item", "recommendations.view_appuser"]
_CURATION = [
    f"curation.{action}_{model}"
    for model in ("ngitem", "ngshop", "ngcategory", "pin", "boost", "feature", "featureitem")
    for action in ("add", "change", "delete", "view")
]
_VARIANT_PINS = [f"recommendations.{a}_variantpin" for a in ("add", "change", "delete", "view")]

ROLES: dict[str, list[str]] = {
    "Merchandiser": [
        *_CATALOG_READ,
        *_CURATION,
        "curation.publish_feature",
        "recommendations.preview_recommendations",
        # the slots' variety, new-item and rotation settings (the experiment's fields stay read-only to them)
        "recommendations.view_slotconfig",
        "recommendations.change_slotconfig",
    ],
    "Analyst": [
        *_CATALOG_READ,
        "recommendations.preview_recommendations",
        *_VARIANT_PINS,
        "recommendations.view_experiment",
        "recommendations.view_slotconfig",
        "recommendations.view_impression",
        "recommendations.view_event",
        "recommendations.view_algorithmsetting",
        "recommendations.view_trainingrun",
        "recommendations.view_modelversion",
        "recommendations.train_model",
        "recommendations.publish_model",
    ],
}
# The Operator runs the rest: every permission of these apps (API keys, Personalize, slots and variants,
# schedules, events, the catalog, curation), but not the people (auth stays with superusers).
OPERATOR = "Operator"
OPERATOR_APPS = ("recommendations", "curation", "django_celery_beat", "axes")


def roles_sync(apps: object = global_apps) -> None:
    """Create the role groups and set each one's permissions to exactly the table's (historical `apps` in
    a migration). A permission named in the table that does not exist is an error, not skipped."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    by_name = {
        f"{app}.{codename}": pk
        for pk, app, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    for role, names in ROLES.items():
        missing = sorted(set(names) - set(by_name))
        if missing:
            raise LookupError(f"role {role} names permissions that do not exist: {', '.join(missing)}")
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([by_name[n] for n in names])
    group, _created = Group.objects.get_or_create(name=OPERATOR)
    group.permissions.set([pk for name, pk in by_name.items() if name.split(".")[0] in OPERATOR_APPS])


def role_permissions(role: str) -> set[str]:
    """The permissions a role's group grants, as 'app_label.codename' (for the docs and tests)."""
    from django.contrib.auth.models import Group

    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
