"""Japanese first: the admin speaks Japanese unless a person switches to English, and the catalogue
(locale/ja/LC_MESSAGES/django.po) leaves no message untranslated."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from tests.factories import ItemFactory
from tests.paths import PROJECT

PO = PROJECT / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def _catalogue(path=PO):
    with open(path, "rb") as f:
        return read_po(f, locale="ja")


def test_every_message_of_the_japanese_catalogue_is_translated():
    untranslated = [m.id for m in _catalogue() if m.id and (not m.string or not all(m.string) or m.fuzzy)]
    assert untranslated == []


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext is not installed (.ci/run installs it)")
def test_the_catalogue_holds_every_message_the_code_marks():
    """makemessages run afresh finds no message the catalogue lacks (the file is put back as it was)."""
    kept_bytes = PO.read_bytes()
    kept = {m.id for m in _catalogue() if m.id}
    try:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-location", "--ignore=.venv",
             "--ignore=bench", "--ignore=tests", "--ignore=artifacts"],
            cwd=PROJECT, check=True, capture_output=True,
        )  # fmt: skip
        fresh = {m.id for m in _catalogue() if m.id}
    finally:
        PO.write_bytes(kept_bytes)
    assert fresh - kept == set(), "run manage.py makemessages -l ja and translate the new messages"


@pytest.mark.django_db
def test_the_admin_speaks_japanese_by_default_and_english_on_request(staff, settings):
    settings.LANGUAGE_CODE = "ja"
    ItemFactory()
    page = staff.get("/admin/curation/ngitem/upload/").content.decode()
    assert "1 行に 1 件" in page and "ファイルをチェック" in page and "NG 商品" in page
    staff.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    page = staff.get("/admin/curation/ngitem/upload/").content.decode()
    assert "One entry per row" in page and "Check the file" in page


@pytest.mark.django_db
def test_api_errors_are_english_unless_the_client_asks_for_japanese(settings, make_client):
    settings.LANGUAGE_CODE = "ja"  # the site's default, for the admin
    client = make_client("events:write")
    body = {"events": [{"event_id": "nope", "user_id": "u", "item_id": "i", "type": "view"}]}
    plain = client.post("/api/v1/events", body, format="json").json()
    asked = client.post("/api/v1/events", body, format="json", HTTP_ACCEPT_LANGUAGE="ja").json()
    assert "'nope' is not a valid UUID" in str(plain)
    assert "「nope」は正しい UUID ではありません" in str(asked)
