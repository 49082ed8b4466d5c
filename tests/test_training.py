"""Training through the Django side: runs, publishing, the guard, candidates, failures, the reaper."""

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from recommendations.models import (
    AppUser,
    Item,
    ModelVersion,
    SegmentCandidates,
    Slot,
    TrainingRun,
    UserCandidates,
)
from recommendations.services.training import pipeline
from recommendations.services.training.pipeline import training_run_create, training_run_execute, training_runs_reap
from recommendations.services.training.publishing import model_version_rollback

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("generate_demo", shops=20, items=300, users=300, days=20, seed=3, verbosity=0)


def train(algorithm, **kwargs):
    run = training_run_create(algorithm=algorithm, trigger="command", **kwargs)
    return training_run_execute(run.pk)


def test_demo_data_trains_publishes_and_writes_candidates(demo, monkeypatch):
    from recommendations.services.training.candidates import writing

    monkeypatch.setattr(writing, "USER_BATCH", 64)  # several blocks of users, as with real data
    run = train("als")

    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert run.metrics["model"]["ndcg@10"] > run.metrics["popularity"]["ndcg@10"]
    assert set(run.timings) >= {"load", "split", "fit", "evaluate", "store", "candidates"}
    assert run.snapshot["events"] > 1000
    assert Path(run.artifact.path).is_file()
    version = ModelVersion.objects.get(run=run)
    assert version.is_live
    active_user = AppUser.objects.filter(events__isnull=False).first()
    items = UserCandidates.objects.get(version=version, user=active_user, slot=Slot.ITEMS)
    shops = UserCandidates.objects.get(version=version, user=active_user, slot=Slot.SHOPS)
    assert len(items.keys) == 200 and items.values == sorted(items.values, reverse=True)
    assert 0 < len(shops.keys) <= 50
    assert set(items.keys) <= set(Item.objects.values_list("id", flat=True))
    active_users = AppUser.objects.filter(events__isnull=False).distinct().count()
    assert UserCandidates.objects.filter(version=version, slot=Slot.ITEMS).count() == active_users
    # users the model never saw are served from segment lists, finest segment included
    segments = set(SegmentCandidates.objects.filter(version=version, slot=Slot.ITEMS).values_list("segment", flat=True))
    assert "all" in segments and any(s.count("|") == 2 for s in segments)


def test_a_worse_run_is_not_published_and_the_live_version_keeps_serving(demo, settings):
    first = train("als")
    settings.PUBLISH_GUARD_MARGIN = -1.0  # nothing can pass: any NDCG is "worse by more than the margin"

    second = train("als")

    assert second.status == TrainingRun.Status.SUCCEEDED
    assert "not published" in second.publish_note
    assert ModelVersion.objects.get(is_live=True, algorithm="als").run == first


def test_a_run_that_fails_midway_leaves_the_previous_version_live(demo, monkeypatch):
    first = train("item_knn")

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "artifact_save", explode)
    broken = train("item_knn")

    assert broken.status == TrainingRun.Status.FAILED
    assert "disk on fire" in broken.error
    assert ModelVersion.objects.get(is_live=True, algorithm="item_knn").run == first


def test_a_redelivered_task_does_nothing_twice(demo):
    run = train("segment_popularity")

    again = training_run_execute(run.pk)

    assert again.status == TrainingRun.Status.SUCCEEDED
    assert again.attempt == 1
    assert ModelVersion.objects.filter(run=run).count() == 1


def test_runs_whose_worker_died_are_requeued_then_failed(demo, settings):
    settings.TRAINING_MAX_ATTEMPTS = 2
    expired = timezone.now() - dt.timedelta(minutes=1)
    first_try = TrainingRun.objects.create(algorithm="als", status="running", attempt=1, lease_expires_at=expired)
    last_try = TrainingRun.objects.create(algorithm="als", status="running", attempt=2, lease_expires_at=expired)
    healthy = TrainingRun.objects.create(
        algorithm="als", status="running", attempt=1, lease_expires_at=timezone.now() + dt.timedelta(hours=1)
    )

    requeued, failed = training_runs_reap()

    assert requeued == [first_try.pk] and failed == 1
    first_try.refresh_from_db(), last_try.refresh_from_db(), healthy.refresh_from_db()
    assert first_try.status == "queued"
    assert last_try.status == "failed" and "lease expired" in last_try.error
    assert healthy.status == "running"


def test_rollback_serves_an_earlier_version_rebuilding_pruned_lists(demo, settings):
    settings.CANDIDATE_VERSIONS_KEPT = 0
    first = ModelVersion.objects.get(run=train("segment_popularity"))
    train("segment_popularity")
    first.refresh_from_db()
    assert first.candidates_written_at is None  # pruned

    model_version_rollback(first)

    first.refresh_from_db()
    assert first.is_live and UserCandidates.objects.filter(version=first).exists()
    assert ModelVersion.objects.filter(algorithm="segment_popularity", is_live=True).count() == 1


def test_tuning_saves_the_best_parameters_for_plain_runs(demo, settings):
    from recommendations.models import AlgorithmSetting

    settings.TUNING_TRIALS = 3
    run = train("item_knn", tune=True)

    assert len(run.metrics["trials"]) == 3
    best = max(run.metrics["trials"], key=lambda t: t["ndcg@10"])
    assert AlgorithmSetting.objects.get(algorithm="item_knn").tuned_params == best["params"]
    assert training_run_create(algorithm="item_knn").params == best["params"]


def test_the_train_command_reports_each_algorithm(demo, capsys):
    call_command("train", "segment_popularity", "ease", verbosity=0)

    out = capsys.readouterr().out
    assert "segment_popularity: run" in out and "ease: run" in out and "NDCG@10" in out


def test_staff_see_runs_with_a_chart_force_publish_and_roll_back(demo, client, settings):
    admin = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-for-tests-only")
    client.force_login(admin)
    first = train("als")
    settings.PUBLISH_GUARD_MARGIN = -1.0
    blocked = train("als")

    page = client.get("/admin/recommendations/trainingrun/").content.decode()
    assert "<svg" in page and "NDCG@10" in page
    client.post("/admin/recommendations/trainingrun/", {"action": "publish_anyway", "_selected_action": [blocked.pk]})
    assert ModelVersion.objects.get(is_live=True, algorithm="als").run == blocked
    old = ModelVersion.objects.get(run=first)
    client.post("/admin/recommendations/modelversion/", {"action": "roll_back", "_selected_action": [old.pk]})
    assert ModelVersion.objects.get(is_live=True, algorithm="als").run == first
    assert client.get("/admin/recommendations/algorithmsetting/").status_code == 200
    detail = client.get(f"/admin/recommendations/trainingrun/{first.pk}/change/")
    assert detail.status_code == 200
    assert "<th>popularity</th>" in detail.content.decode() and "fit " in detail.content.decode()
    assert client.get(f"/admin/recommendations/modelversion/{old.pk}/change/").status_code == 200


def test_tuning_from_the_admin_asks_first(demo, client):
    from recommendations.models import AlgorithmSetting

    admin = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-for-tests-only")
    client.force_login(admin)
    setting = AlgorithmSetting.objects.get(algorithm="als")

    page = client.post("/admin/recommendations/algorithmsetting/", {"action": "tune", "_selected_action": [setting.pk]})

    assert "costs about" in page.content.decode()
    assert not TrainingRun.objects.exists()


def test_the_nightly_task_trains_every_enabled_algorithm(demo, django_capture_on_commit_callbacks):
    from recommendations.models import AlgorithmSetting
    from recommendations.tasks import training_nightly_task

    AlgorithmSetting.objects.update(enabled=False)
    AlgorithmSetting.objects.filter(algorithm__in=["segment_popularity", "item_knn"]).update(enabled=True)

    with django_capture_on_commit_callbacks(execute=True):
        run_ids = training_nightly_task.delay().get()

    runs = TrainingRun.objects.filter(pk__in=run_ids)
    assert sorted(runs.values_list("algorithm", flat=True)) == ["item_knn", "segment_popularity"]
    assert set(runs.values_list("status", flat=True)) == {"succeeded"}
    assert set(runs.values_list("trigger", flat=True)) == {"schedule"}


def test_shops_are_ranked_by_their_best_candidate_item():
    import numpy as np

    from recommendations.services.training.candidates import shops_from_items

    ids = np.array([[0, 1, 2, 3], [2, 4, -1, -1]])
    scores = np.array([[0.9, 0.8, 0.7, 0.6], [0.5, 0.4, -np.inf, -np.inf]], dtype=np.float32)
    column_shop = np.array([10, 10, 20, 30, -1])  # item 4 has no known shop

    shops, shop_scores = shops_from_items(ids, scores, column_shop, 2)

    assert shops.tolist() == [[10, 20], [20, -1]]
    assert np.allclose(shop_scores[0], [0.9, 0.7]) and shop_scores[1, 0] == np.float32(0.5)


def test_the_admin_refuses_parameters_an_algorithm_does_not_have(client):
    from recommendations.models import AlgorithmSetting

    admin = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-for-tests-only")
    client.force_login(admin)
    setting = AlgorithmSetting.objects.get(algorithm="als")
    url = f"/admin/recommendations/algorithmsetting/{setting.pk}/change/"

    bad = client.post(url, {"enabled": "on", "params": '{"factorz": 128}'})
    good = client.post(url, {"enabled": "on", "params": '{"factors": 128}'})

    assert "unknown parameter(s) factorz" in bad.content.decode() and "factors (default 64)" in bad.content.decode()
    assert good.status_code == 302
    setting.refresh_from_db()
    assert setting.params == {"factors": 128}


def test_training_reads_every_event_of_the_window_exactly_as_stored():
    from recommendations.models import EventType
    from recommendations.services.training.data_load import training_frames
    from tests.factories import EventFactory, ItemFactory

    item = ItemFactory()
    now = timezone.now()
    stored = [
        EventFactory(item=item, type=kind, occurred_at=now - dt.timedelta(days=n, microseconds=n * 1001))
        for n, kind in enumerate(EventType.values)
    ]
    EventFactory(item=item, occurred_at=now - dt.timedelta(days=400))  # outside the training window

    events = training_frames(now=now).events

    got = {(r.user_id, r.item_id, str(r.type), r.occurred_at.to_pydatetime()) for r in events.itertuples()}
    assert got == {(e.user_id, e.item_id, e.type, e.occurred_at) for e in stored}


def test_a_failure_while_writing_lists_leaves_no_partial_version(demo, monkeypatch):
    from recommendations.services.training.candidates import writing

    first = train("als")
    monkeypatch.setattr(writing, "USER_BATCH", 64)
    blocks = {"ranked": 0}
    real_shops = writing.shops_from_items

    def fail_on_the_third_block(*args, **kwargs):
        blocks["ranked"] += 1
        if blocks["ranked"] == 3:
            raise MemoryError("out of memory on block 3")
        return real_shops(*args, **kwargs)

    monkeypatch.setattr(writing, "shops_from_items", fail_on_the_third_block)
    broken = train("als")

    assert broken.status == TrainingRun.Status.FAILED and "out of memory on block 3" in broken.error
    assert not ModelVersion.objects.filter(run=broken).exists()
    assert ModelVersion.objects.get(is_live=True, algorithm="als").run == first
    assert set(UserCandidates.objects.values_list("version__run", flat=True)) == {first.pk}
