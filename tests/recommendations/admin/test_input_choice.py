"""The matrix input a run chose, as staff read it on the run's and the algorithm's pages (Japanese by default)."""

import pytest

from recommendations.models import AlgorithmSetting
from tests.recommendations.training_runs import train

pytestmark = pytest.mark.django_db


def test_a_runs_page_shows_every_input_tried_and_the_one_chosen(demo, staff_ja):
    run = train("ease")
    choice = run.metrics["choice"]

    page = staff_ja.get(f"/admin/recommendations/trainingrun/{run.pk}/change/").content.decode()

    assert "選んだ行列の入力" in page and "検証での NDCG@10" in page
    assert "設定した重みと減衰" in page and "どのイベントも重み 1、経過日数の減衰なし" in page
    assert page.count("✔") == 1
    assert f"{len(choice['attempts'])} 回の学習" in page
    assert "入力の選択" in page  # its stage timing
    assert "<td>configured</td>" not in page and "<td>equal_weights</td>" not in page  # worded, not stored keys


def test_a_reused_choice_names_the_run_that_made_it(demo, staff_ja):
    first = train("ease")
    second = train("ease")

    page = staff_ja.get(f"/admin/recommendations/trainingrun/{second.pk}/change/").content.decode()

    assert f"実行 {first.pk} が検証用の分割で選んだものを使い回しています" in page


def test_the_algorithm_page_shows_the_last_choice(demo, staff_ja):
    train("ease")
    setting = AlgorithmSetting.objects.get(algorithm="ease")

    listing = staff_ja.get("/admin/recommendations/algorithmsetting/").content.decode()
    page = staff_ja.get(f"/admin/recommendations/algorithmsetting/{setting.pk}/change/").content.decode()

    assert "行列の入力" in listing and "l2=" in listing
    assert "最後の選択" in page and "検証での NDCG@10" in page and "入力を選んだ日時" in page


def test_a_run_of_ease_says_when_it_left_items_to_the_fallback_chain(demo, staff_ja):
    AlgorithmSetting.objects.update_or_create(algorithm="ease", defaults={"params": {"max_items": 50}})
    run = train("ease")

    page = staff_ja.get(f"/admin/recommendations/trainingrun/{run.pk}/change/").content.decode()

    assert (
        run.metrics["fit"] == {"kept_items": 50, "items": run.metrics["fit"]["items"]}
        and run.metrics["fit"]["items"] > 50
    )
    assert "よく使われる 50 件" in page


@pytest.mark.parametrize(
    "stored",
    [
        ["a", "list"],
        {"input": "binary", "attempts": "many"},
        {"input": "binary", "attempts": [{"input": "binary", "score": "high"}, 7], "seconds": "slow", "same_as": 3},
        {"input": "binary", "params": "l2", "given": [1]},
    ],
)
def test_a_stored_choice_of_another_shape_still_shows_the_pages(staff_ja, stored):
    setting, _created = AlgorithmSetting.objects.update_or_create(algorithm="ease", defaults={"chosen_input": stored})

    listing = staff_ja.get("/admin/recommendations/algorithmsetting/")
    page = staff_ja.get(f"/admin/recommendations/algorithmsetting/{setting.pk}/change/")

    assert listing.status_code == 200 and page.status_code == 200


def test_a_tuned_runs_page_shows_every_weighting_it_tried_in_words(demo, staff_ja, settings):
    settings.TUNING_TRIALS = 4
    run = train("item_knn", tune=True)

    page = staff_ja.get(f"/admin/recommendations/trainingrun/{run.pk}/change/").content.decode()
    listing = staff_ja.get("/admin/recommendations/algorithmsetting/").content.decode()

    assert page.count("チューナーが見つけた入力（") >= 4 and "経過日数の半減期" in page and "閲覧 1" in page
    assert page.count("✔") == 1 and "4 回の学習" in page
    assert "チューナーが見つけた入力（" in listing
    assert "half_life_days" not in page.split("保存されている値")[0]  # worded, not stored keys
