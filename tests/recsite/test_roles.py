"""Every admin page and action, tried as each role and as staff with no permissions: exactly the table
of docs/roles.md is allowed, and the table names every page and action the admin has."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse

from recsite.roles import OPERATOR, ROLES, role_permissions
from tests.paths import PROJECT

pytestmark = pytest.mark.django_db

PEOPLE = [*ROLES, OPERATOR, "Staff, no permissions"]
STANDARD_VIEWS = ("_changelist", "_add", "_change", "_delete", "_history", "_autocomplete")


def documented_table() -> dict[str, dict[str, bool]]:
    """docs/roles.md's access table: {entry: {person: allowed}}."""
    text = (PROJECT / "docs" / "roles.md").read_text()
    table = text.split("<!-- access:start -->")[1].split("<!-- access:end -->")[0]
    lines = table.strip().splitlines()
    rows = [line for line in lines if line.startswith("| `")]
    header = [c.strip() for c in lines[0].strip("|").split("|")][1:] if rows else []
    return {
        re.search(r"`([^`]+)`", row).group(1): {
            person: cell.strip() == "✓" for person, cell in zip(header, row.strip("|").split("|")[1:], strict=True)
        }
        for row in rows
    }


def admin_entries() -> list[tuple[str, admin.ModelAdmin, str]]:
    """(entry, its model admin, what it is) for every list, custom page and action the admin has."""
    entries = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        entries.append((f"list {label}", model_admin, "list"))
        for pattern in model_admin.get_urls():
            name = pattern.name or ""
            if name and not name.endswith(STANDARD_VIEWS):
                # a page taking a part of its path (a slot) is tried with the items slot
                path_kwargs = {key: "items" for key in pattern.pattern.converters}
                entries.append((f"page admin:{name}", model_admin, (name, path_kwargs)))
        request = RequestFactory().get("/")
        request.user = get_user_model()(is_superuser=True, is_staff=True)
        entries += [(f"action {label}.{name}", model_admin, name) for name in model_admin.get_actions(request)]
    return entries


def _person(name: str) -> Client:
    user = get_user_model().objects.create_user(re.sub(r"\W", "", name).lower(), is_staff=True)
    if name in ROLES or name == OPERATOR:
        user.groups.add(Group.objects.get(name=name))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def actual_table() -> dict[str, dict[str, bool]]:
    """What each person can reach: a list or page that does not answer 403, an action offered on a list
    they can open, and the preview's pin-to-a-variant form (a POST)."""
    people = {name: _person(name) for name in PEOPLE}
    table: dict[str, dict[str, bool]] = {}
    for entry, model_admin, what in admin_entries():
        opts = model_admin.opts
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        row = {}
        for person, client in people.items():
            if what == "list":
                row[person] = client.get(changelist).status_code == 200
            elif entry.startswith("page "):
                url_name, path_kwargs = what
                row[person] = client.get(reverse(f"admin:{url_name}", kwargs=path_kwargs)).status_code != 403
            else:
                request = RequestFactory().get("/")
                request.user = client.user
                row[person] = table[f"list {opts.label_lower}"][person] and what in model_admin.get_actions(request)
        table[entry] = row
    preview = reverse("admin:recommendations_preview")
    table["pin from admin:recommendations_preview"] = {
        person: client.post(preview, {"user_id": "nobody", "slot": "items"}).status_code != 403
        for person, client in people.items()
    }
    return table


def _as_markdown(table: dict[str, dict[str, bool]]) -> str:
    lines = ["| Page or action | " + " | ".join(PEOPLE) + " |", "| --- |" + " :-: |" * len(PEOPLE)]
    for entry in sorted(table):
        lines.append(f"| `{entry}` | " + " | ".join("✓" if table[entry][p] else "—" for p in PEOPLE) + " |")
    return "\n".join(lines)


def test_each_role_reaches_exactly_what_docs_roles_md_says():
    actual = actual_table()
    assert documented_table() == actual, "docs/roles.md disagrees with the admin; as it is now:\n" + _as_markdown(
        actual
    )


def test_staff_with_no_permission_reaches_no_list_page_or_action():
    actual = actual_table()
    assert not [entry for entry, row in actual.items() if row["Staff, no permissions"]]


def test_the_roles_hold_what_recsite_roles_py_says():
    for role, permissions in ROLES.items():
        assert role_permissions(role) == set(permissions)
    assert "recommendations.add_apikey" in role_permissions(OPERATOR)
    assert not any(p.startswith("auth.") for p in role_permissions(OPERATOR))  # people stay with superusers


def test_viewing_features_is_not_publishing_them():
    from django.contrib.auth.models import Permission

    from tests.factories import FeatureFactory

    feature = FeatureFactory(status="draft")
    viewer = get_user_model().objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_feature"))
    client = Client()
    client.force_login(viewer)
    changelist = reverse("admin:curation_feature_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "publish", "_selected_action": [feature.pk]})
    feature.refresh_from_db()
    assert feature.status == "draft"


def test_pages_that_cost_money_or_show_people_answer_403_without_their_permission():
    from recommendations.models import TrainingRun

    client = _person("Staff, no permissions")
    assert client.post(reverse("admin:recommendations_trainingrun_personalize_train")).status_code == 403
    assert not TrainingRun.objects.exists()
    assert client.get(reverse("admin:recommendations_preview") + "?user_id=u-1").status_code == 403
    merchandiser = _person("Merchandiser")
    page = merchandiser.get(reverse("admin:recommendations_preview")).content.decode()
    assert "Preview recommendations" in page and "Pin this user" not in page
