"""A ranker run as staff read it (Japanese by default): the models it blends, and what its decisions rest on."""

import pytest

from recommendations.models import AlgorithmSetting, ModelVersion, TrainingRun, UserCandidates
from tests.factories import TrainingRunFactory
from tests.recommendations.training_runs import train

pytestmark = pytest.mark.django_db


def test_a_ranker_run_is_published_and_its_page_shows_the_blend_and_the_features(demo, staff_ja):
    assert AlgorithmSetting.objects.filter(algorithm="ranker", enabled=False).exists()  # listed, off until enabled
    # a lighter learner than the shipped one: the page, not the model's quality, is under test here
    AlgorithmSetting.objects.update_or_create(algorithm="ranker", defaults={"params": {"trees": 40, "carves": 1}})
    run = train("ranker")

    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    page = staff_ja.get(f"/admin/recommendations/trainingrun/{run.pk}/change/").content.decode()

    assert "ブレンドしたモデルとランカーが学んだこと" in page
    assert "EASE（どのイベントも重み 1、λ 100）" in page and "リスト内の順位" in page
    assert "ブレンドした中で最も良いモデル" in page and "人気順に対する NDCG@10" in page
    assert "ease_equal_rank" not in page.split("保存されている値")[0]  # worded, not the stored key
    assert "選んだ行列の入力" not in page  # a ranker chooses no input: nothing to show
    version = ModelVersion.objects.get(run=run)  # published like any model: its lists are served
    assert UserCandidates.objects.filter(version=version).count() > 100


def test_a_single_models_page_has_no_blend_row_but_compares_with_popularity(demo, staff_ja):
    run = train("item_knn")

    page = staff_ja.get(f"/admin/recommendations/trainingrun/{run.pk}/change/").content.decode()

    assert "ブレンドしたモデル" not in page and "選んだ行列の入力" in page
    assert "人気順に対する NDCG@10" in page and "95% 区間" in page
    assert "item_knn（ライブラリの既定値、0/1）" in page and "ライブラリ既定値の 0/1 学習に対する NDCG@10" in page


@pytest.mark.parametrize(
    "metrics",
    [
        {"blended": {"als": ["0.1"]}, "against_best_blended": {"model": ["als"], "ratio": "1.3", "ratio_low": None}},
        {"blended": {"als": {"ndcg@10": "high"}}, "against_best_blended": ["als", 1.3], "model": [0.1]},
        {"fit": {"feature_importance": {"ease_equal_rank": "most"}, "learning_lists": "many", "held_back_found": True}},
        {"fit": ["feature_importance"], "against_popularity": {"ratio": {"x": 1}}, "bare": {"ndcg@10": [1]}},
    ],
)
def test_a_ranker_run_stored_in_another_shape_still_shows_its_page(staff_ja, metrics):
    run = TrainingRunFactory(algorithm="ranker", metrics={"model": {"ndcg@10": 0.1, "users": 3}, **metrics})

    page = staff_ja.get(f"/admin/recommendations/trainingrun/{run.pk}/change/")

    assert page.status_code == 200
