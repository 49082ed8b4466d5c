"""A training run through the Django side: publishing and its guard, candidates, failures, retries, the reaper,
tuning."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from recommendations.engine.algorithms.popularity import category_segment
from recommendations.models import (
    AppUser,
    Item,
    ModelVersion,
    SegmentCandidates,
    Slot,
    TrainingRun,
    UserCandidates,
)
from recommendations.services.training import input_choice, pipeline
from recommendations.services.training.pipeline import training_run_create, training_run_execute, training_runs_reap
from tests.recommendations.training_runs import train

pytestmark = pytest.mark.django_db


def test_demo_data_trains_publishes_and_writes_candidates(demo, monkeypatch):
    from recommendations.services.training.candidates import writing

    monkeypatch.setattr(writing, "USER_BATCH", 64)  # several blocks of users, as with real data
    run = train("als")

    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert run.metrics["model"]["ndcg@10"] > run.metrics["popularity"]["ndcg@10"]
    assert set(run.timings) >= {"load", "split", "choose", "fit", "evaluate", "store", "candidates"}
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
    # and every category, at every level, has its popular items for similar items to fill from
    fashion = SegmentCandidates.objects.get(version=version, slot=Slot.ITEMS, segment=category_segment("Fashion"))
    paths = dict(Item.objects.filter(pk__in=fashion.keys).values_list("pk", "category_path"))
    assert fashion.keys and all(paths[k].startswith("Fashion > ") for k in fashion.keys)


def test_each_stage_and_outcome_is_measured_for_metrics(demo):
    def count(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    stages = ("load", "split", "fit", "evaluate", "store", "candidates")
    before = {s: count("recsite_training_stage_seconds_count", algorithm="popularity", stage=s) for s in stages}
    runs = count("recsite_training_runs_total", algorithm="popularity", status="succeeded")
    run = train("popularity")
    assert run.status == "succeeded", run.error
    for stage in stages:
        assert count("recsite_training_stage_seconds_count", algorithm="popularity", stage=stage) == before[stage] + 1
    assert count("recsite_training_runs_total", algorithm="popularity", status="succeeded") == runs + 1
    took = count("recsite_training_stage_seconds_sum", algorithm="popularity", stage="fit")
    assert took >= run.timings["fit"]  # the histogram holds what the run's page shows


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


def test_tuning_saves_the_best_parameters_for_plain_runs(demo, settings):
    from recommendations.engine.algorithms import ALGORITHMS
    from recommendations.models import AlgorithmSetting

    settings.TUNING_TRIALS = 3
    run = train("item_knn", tune=True)

    assert len(run.metrics["trials"]) == 3
    best = max(run.metrics["trials"], key=lambda t: t["ndcg@10"])
    defaults = ALGORITHMS["item_knn"].default_params
    assert AlgorithmSetting.objects.get(algorithm="item_knn").tuned_params == {**defaults, **best["params"]}
    assert training_run_create(algorithm="item_knn").params == {**defaults, **best["params"]}


def test_a_tuned_run_reports_what_its_chosen_model_scores_on_the_evaluation_split(demo, settings, monkeypatch):
    from recommendations.engine.split import last_interactions_split
    from recommendations.services.training.data_load import training_frames

    settings.TUNING_TRIALS = 4
    searched = []
    real_search = input_choice.random_search
    monkeypatch.setattr(
        input_choice, "random_search", lambda a, split, **kw: searched.append(split) or real_search(a, split, **kw)
    )
    tuned = train("item_knn", tune=True)

    plain = train("item_knn")  # a plain run takes the tuned parameters

    assert plain.params == tuned.params
    # the search saw only the validation split: the reported figures are the chosen model's alone
    assert tuned.metrics["model"]["ndcg@10"] == plain.metrics["model"]["ndcg@10"]
    assert tuned.metrics["validation"]["ndcg@10"] == max(t["ndcg@10"] for t in tuned.metrics["trials"])
    held_out = last_interactions_split(training_frames().events).test
    pairs = lambda frame: set(zip(frame["user_id"], frame["item_id"], strict=True))  # noqa: E731
    assert not pairs(held_out) & (pairs(searched[0].train) | pairs(searched[0].test))  # never seen by the search


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
