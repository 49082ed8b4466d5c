"""manage.py train."""

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_the_train_command_reports_each_algorithm(demo, capsys):
    call_command("train", "segment_popularity", "ease", verbosity=0)

    out = capsys.readouterr().out
    assert "segment_popularity: run" in out and "ease: run" in out and "NDCG@10" in out


def test_the_train_command_folds_in_and_says_whom_it_ranked(demo, capsys):
    call_command("train", "als", verbosity=0)
    with pytest.raises(CommandError, match="failed for bpr"):
        call_command("train", "als", "bpr", kind="fold_in", verbosity=0)

    captured = capsys.readouterr()
    assert "0 users ranked, " in captured.out and "fold-in" in captured.out
    assert "bpr: bpr ranks only the users it was fitted on" in captured.err
