"""What every answer tells browsers and proxies: a Content-Security-Policy on pages, no caching of the API."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from recommendations.models import Scope
from tests.paths import PROJECT

pytestmark = pytest.mark.django_db
SETTINGS = "recsite.settings"


def test_admin_pages_carry_a_csp_whose_scripts_need_the_pages_nonce(staff):
    page = staff.get("/admin/curation/feature/add/")
    policy = page["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert "script-src 'self' 'nonce-" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy
    assert f'<script nonce="{nonce}">' in page.content.decode()  # the rule check's script runs


def test_api_answers_are_never_cached(make_client):
    client = make_client(Scope.RECOMMENDATIONS_READ)
    for response in (client.get("/api/v1/users/u-1/recommendations/items"), client.get("/api/v1/nowhere")):
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    "key",
    [
        "",
        "abc",
        "django-insecure-recsite-development-only-do-not-use-in-production",
        "a" * 60,
        "change-me-" + "x1y2z3" * 10,
    ],
)
def test_debug_off_refuses_to_start_without_a_strong_secret_key(key):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": key,
        "DJANGO_SETTINGS_MODULE": "recsite.settings",
    }
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert started.returncode != 0 and "DJANGO_SECRET_KEY must be set, at least 50 characters" in started.stderr


def test_debug_off_starts_with_a_strong_secret_key():
    key = "k7Qp2vX9-" + "aZ3mN8rT1wY6" * 5
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": key,
        "DJANGO_SETTINGS_MODULE": "recsite.settings",
    }
    started = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=PROJECT, env=env)
    assert started.returncode == 0


def test_a_replica_of_another_kind_of_database_is_refused_at_start(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/recsite",
        "DJANGO_SETTINGS_MODULE": "recsite.settings",
    }
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert started.returncode != 0 and "DATABASE_REPLICA_URL must be a replica of DATABASE_URL" in started.stderr
