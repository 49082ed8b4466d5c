"""manage.py train."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_train_command_reports_each_algorithm(demo, capsys):
    call_command("train", "segment_popularity", "ease", verbosity=0)

    out = capsys.readouterr().out
    assert "segment_popularity: run" in out and "ease: run" in out and "NDCG@10" in out
