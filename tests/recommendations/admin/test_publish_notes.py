"""Publish notes are stored in English and shown in the reader's language."""

import pytest
from django.utils import translation

from recommendations.admin.publish_notes import publish_note_text
from recommendations.models import TrainingRun
from recommendations.services.training.publishing import publish_guard
from tests.factories import ModelVersionFactory, TrainingRunFactory

pytestmark = pytest.mark.django_db


def test_every_note_training_writes_reads_in_japanese(settings):
    live = ModelVersionFactory(
        algorithm="als", run=TrainingRunFactory(algorithm="als", metrics={"model": {"ndcg@10": 0.2}})
    )
    worse = TrainingRunFactory(algorithm="als", metrics={"model": {"ndcg@10": 0.1}})
    better = TrainingRunFactory(algorithm="als", metrics={"model": {"ndcg@10": 0.3}})
    fold = TrainingRunFactory(algorithm="als", kind=TrainingRun.Kind.FOLD_IN, metrics={"model_of_run": live.run_id})
    notes = [publish_guard(run)[1] for run in (worse, better, fold)]
    notes += [f"published as version 7; {notes[1]}", "publishing was interrupted (worker lost); publishing again"]

    with translation.override("ja"):
        shown = [publish_note_text(note) for note in notes]

    assert shown[0].startswith("公開しませんでした") and "0.1000" in shown[0] and "10%" in shown[0]
    assert "0.3000" in shown[1] and "公開中のバージョン" in shown[1]
    assert f"実行 {live.run_id} のモデル" in shown[2]
    assert shown[3].startswith("バージョン 7 として公開") and "0.3000" in shown[3]
    assert all(not any(word in text for word in ("published", "version", "against", "ranking")) for text in shown)


def test_a_note_of_another_form_is_shown_as_stored():
    with translation.override("ja"):
        assert publish_note_text("something the operator typed") == "something the operator typed"


def test_a_runs_page_in_japanese_shows_its_note_and_split_once_and_translated(client, settings):
    from django.contrib.auth import get_user_model

    from recommendations.engine.split import HOLDOUT_FRACTION

    settings.LANGUAGE_CODE = "ja"  # the site's default
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "pw-for-tests-only"))
    metrics = {
        "model": {"ndcg@10": 0.3, "users": 12},
        "split": f"each user's last {HOLDOUT_FRACTION:.0%} of events held out",
    }
    run = TrainingRunFactory(algorithm="als", metrics=metrics, publish_note="first version of this algorithm")

    page = client.get(
        f"/admin/recommendations/trainingrun/{run.pk}/change/", HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()

    assert "first version of this algorithm" not in page and "このアルゴリズムの最初のバージョン" in page
    assert "評価したユーザー 12 人。各ユーザーの最新 20% のイベントを評価用に取り置き。" in page
