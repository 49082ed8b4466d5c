"""Training in the admin: runs with their charts, force publish, roll back, tuning, parameters."""

import pytest
from django.contrib.auth import get_user_model

from recommendations.models import (
    ModelVersion,
    TrainingRun,
)
from tests.recommendations.training_runs import train

pytestmark = pytest.mark.django_db


def test_staff_see_runs_with_a_chart_force_publish_and_roll_back(demo, client, settings):
    admin = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-for-tests-only")
    client.force_login(admin)
    first = train("als")
    settings.PUBLISH_GUARD_MARGIN = -1.0
    blocked = train("als")

    page = client.get("/admin/recommendations/trainingrun/").content.decode()
    assert "<svg" in page and "NDCG@10" in page
    publish = {"action": "publish_anyway", "_selected_action": [blocked.pk]}
    asked = client.post("/admin/recommendations/trainingrun/", publish).content.decode()
    assert "Publish past the metric guard?" in asked  # asked first: nothing changed yet
    assert ModelVersion.objects.get(is_live=True, algorithm="als").run == first
    client.post("/admin/recommendations/trainingrun/", {**publish, "confirm": "yes"})
    assert ModelVersion.objects.get(is_live=True, algorithm="als").run == blocked
    old = ModelVersion.objects.get(run=first)
    roll_back = {"action": "roll_back", "_selected_action": [old.pk]}
    assert (
        "Serve this version again?" in client.post("/admin/recommendations/modelversion/", roll_back).content.decode()
    )
    assert ModelVersion.objects.get(is_live=True, algorithm="als").run == blocked
    client.post("/admin/recommendations/modelversion/", {**roll_back, "confirm": "yes"})
    assert ModelVersion.objects.get(is_live=True, algorithm="als").run == first
    assert client.get("/admin/recommendations/algorithmsetting/").status_code == 200
    detail = client.get(f"/admin/recommendations/trainingrun/{first.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()  # a record, not a form
    assert "<th>popularity</th>" in detail.content.decode() and "fit " in detail.content.decode()
    assert client.get(f"/admin/recommendations/modelversion/{old.pk}/change/").status_code == 200


def test_a_tuned_runs_page_shows_validation_beside_evaluation(demo, client, settings):
    settings.TUNING_TRIALS = 3
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "pw-for-tests-only"))
    run = train("item_knn", tune=True)

    page = client.get(f"/admin/recommendations/trainingrun/{run.pk}/change/").content.decode()

    assert "<th>item_knn</th><th>item_knn on validation</th><th>popularity</th>" in page
    assert f"{run.metrics['validation']['ndcg@10']:.4f}" in page and f"{run.ndcg():.4f}" in page
    assert "Parameters chosen from 3 trials on a validation split" in page


def test_a_version_says_how_many_lists_came_out_short(demo, client):
    from recommendations.models import AlgorithmSetting

    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "pw-for-tests-only"))
    AlgorithmSetting.objects.filter(algorithm="ease").update(params={"max_items": 50})  # fewer items than a list
    run = train("ease")
    version = ModelVersion.objects.get(run=run)

    page = client.get(f"/admin/recommendations/modelversion/{version.pk}/change/").content.decode()

    assert version.ranking["short"] == version.ranking["ranked"] > 0
    assert f"{version.ranking['short']:,} of their item lists were shorter than CANDIDATES_PER_USER" in page


def test_tuning_from_the_admin_asks_first(demo, client):
    from recommendations.models import AlgorithmSetting

    admin = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-for-tests-only")
    client.force_login(admin)
    setting = AlgorithmSetting.objects.get(algorithm="als")

    page = client.post("/admin/recommendations/algorithmsetting/", {"action": "tune", "_selected_action": [setting.pk]})

    assert "costs about" in page.content.decode()
    assert not TrainingRun.objects.exists()


def test_the_parameter_form_lists_each_parameter_with_its_range_and_refuses_values_outside_it(client):
    from recommendations.models import AlgorithmSetting

    admin = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-for-tests-only")
    client.force_login(admin)
    setting = AlgorithmSetting.objects.get(algorithm="als")
    setting.tuned_params = {"factors": 32}
    setting.save()
    url = f"/admin/recommendations/algorithmsetting/{setting.pk}/change/"

    page = client.get(url).content.decode()
    assert 'name="param_factors"' in page and 'name="param_regularization"' in page
    assert "From 1 to 1024. Empty: the default, 64. Tuning found 32; empty uses that." in page
    huge = client.post(url, {"enabled": "on", "param_factors": "1e20"})
    negative = client.post(url, {"enabled": "on", "param_regularization": "-1"})
    good = client.post(url, {"enabled": "on", "param_factors": "128", "param_alpha": ""})

    assert huge.status_code == 200 and "Enter a whole number." in huge.content.decode()
    assert "Ensure this value is greater than or equal to 0." in negative.content.decode()
    assert good.status_code == 302
    setting.refresh_from_db()
    assert setting.params == {"factors": 128}  # only what was typed; the rest stays tuned or default
    assert setting.effective_params() == {"factors": 128}


def test_the_engine_refuses_parameters_out_of_range_whoever_sets_them():
    from recommendations.engine.algorithms import ALGORITHMS

    with pytest.raises(ValueError, match=r"factors must be between 1 and 1024 \(got 1e\+20\)"):
        ALGORITHMS["als"](factors=1e20)
    with pytest.raises(ValueError, match="unknown parameter"):
        ALGORITHMS["als"](factorz=3)


def test_staff_fold_in_new_events_and_see_whom_each_version_ranked(demo, client, django_capture_on_commit_callbacks):
    from recommendations.models import AlgorithmSetting, AppUser, Item
    from tests.factories import EventFactory

    admin = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-for-tests-only")
    client.force_login(admin)
    first = ModelVersion.objects.get(run=train("als"))
    EventFactory(user=AppUser.objects.filter(events__isnull=False).first(), item=Item.objects.first())
    chosen = AlgorithmSetting.objects.filter(algorithm__in=["als", "bpr", "ease"]).values_list("pk", flat=True)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            "/admin/recommendations/algorithmsetting/",
            {"action": "fold_in_now", "_selected_action": list(chosen), "index": 0},
            follow=True,
        ).content.decode()

    assert "Bpr ranks only the users it was fitted on" in page  # the admin capitalises messages
    assert "Ease has no live version to fold new events into" in page
    assert "Fold-in queued for als" in page
    fold = TrainingRun.objects.get(kind="fold_in")
    assert fold.status == TrainingRun.Status.SUCCEEDED, fold.error
    version = ModelVersion.objects.get(run=fold)
    runs = client.get("/admin/recommendations/trainingrun/").content.decode()
    assert f"1 / {first.ranking['ranked'] - 1:,}" in runs  # ranked / carried
    detail = client.get(f"/admin/recommendations/trainingrun/{fold.pk}/change/").content.decode()
    assert "1 users ranked again (new events 1)" in detail and f"lists from version {first.pk}" in detail
    assert f"model of run {first.run_id}" in detail
    listed = client.get(f"/admin/recommendations/modelversion/{version.pk}/change/").content.decode()
    assert "1 users ranked again" in listed
    full = client.get(f"/admin/recommendations/modelversion/{first.pk}/change/").content.decode()
    assert "Every user ranked" in full and "a full run ranks every user" in full
