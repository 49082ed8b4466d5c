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
