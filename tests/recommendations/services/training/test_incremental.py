"""Incremental training: a fold-in or refit ranks only the users whose data changed, the others keep the lists
they had (served by reference from the version before), and a long or old chain is ranked again in full."""

import datetime as dt

import pytest
from django.utils import timezone

from recommendations.errors import Conflict
from recommendations.models import (
    AlgorithmSetting,
    AppUser,
    Event,
    Item,
    ModelVersion,
    TrainingRun,
    UserCandidates,
    Variant,
)
from recommendations.services.serving.pipeline import recommend
from recommendations.services.serving.state import serving_state_changed
from recommendations.services.training.pipeline import training_run_create, training_run_execute
from recommendations.services.training.publishing import model_version_rollback
from recommendations.services.training.schedule import training_runs_fold_in, training_runs_nightly
from tests.factories import AppUserFactory, EventFactory
from tests.recommendations.training_runs import train

pytestmark = pytest.mark.django_db


def _listed(version: ModelVersion) -> set[int]:
    return set(UserCandidates.objects.filter(version=version, slot="items").values_list("user_id", flat=True))


def _keys(version: ModelVersion, user: AppUser) -> list[int]:
    return UserCandidates.objects.get(version=version, user=user, slot="items").keys


@pytest.fixture
def als_serves_items(demo):
    Variant.objects.filter(slot__slot="items").exclude(name="A").update(weight=0)
    Variant.objects.filter(slot__slot="items", name="A").update(algorithm="als")
    first = train("als")
    assert first.status == TrainingRun.Status.SUCCEEDED, first.error
    return ModelVersion.objects.get(run=first)


def test_a_fold_in_ranks_only_changed_users_and_the_others_keep_their_lists(als_serves_items):
    v1 = als_serves_items
    active, moved, quiet = AppUser.objects.filter(events__isnull=False).distinct().order_by("pk")[:3]
    newcomer = AppUserFactory()
    items = list(Item.objects.order_by("pk")[:2])
    EventFactory(user=active, item=items[0])
    EventFactory(user=newcomer, item=items[1])
    AppUser.objects.filter(pk=moved.pk).update(region="Okinawa" if moved.region != "Okinawa" else "Kanto")

    fold = train("als", kind="fold_in")

    assert fold.status == TrainingRun.Status.SUCCEEDED, fold.error
    v2 = ModelVersion.objects.get(run=fold)
    assert v2.is_live and v2.carried_from == v1
    assert _listed(v2) == {active.pk, moved.pk, newcomer.pk}
    assert v2.ranking["reasons"] == {
        "new_user": 1,
        "new_events": 1,
        "history_changed": 0,
        "attributes_changed": 1,
        "no_longer_ranked": 0,
    }
    assert v2.ranking["carried"] == v1.ranking["ranked"] - 2
    # nothing was fitted: the live model's own file serves, and its metrics are not claimed again
    assert fold.artifact.name == v1.run.artifact.name and "fit" not in fold.timings and fold.ndcg() is None

    serving_state_changed()
    kept = recommend("items", quiet.external_id, limit=10)
    assert kept.model_version == v2.pk and kept.algorithm == "als"
    from_model = [e.key for e in kept.entries if e.source == "als"]
    assert from_model and set(from_model) <= set(_keys(v1, quiet))
    assert any(f"carried from v{v1.pk}" in step for step in kept.trace.steps)
    fresh = recommend("items", newcomer.external_id, limit=10)
    from_model = [e.key for e in fresh.entries if e.source == "als"]
    assert fresh.algorithm == "als" and from_model and set(from_model) <= set(_keys(v2, newcomer))


def test_a_user_whose_events_are_gone_stops_being_served_their_old_list(als_serves_items):
    v1 = als_serves_items
    gone = AppUser.objects.filter(events__isnull=False).distinct().order_by("pk").first()
    Event.objects.filter(user=gone).delete()

    v2 = ModelVersion.objects.get(run=train("als", kind="fold_in"))

    assert v2.ranking["reasons"]["no_longer_ranked"] == 1 and v2.ranking["retired"] == 1
    assert _keys(v2, gone) == [] and len(_keys(v1, gone)) > 0
    serving_state_changed()
    result = recommend("items", gone.external_id, limit=10)
    assert result.algorithm != "als"  # the segment list behind it, not v1's list


def test_nightly_refits_carry_lists_until_the_chain_is_long_then_rank_everyone(als_serves_items, settings):
    settings.TRAINING_CARRY_MAX_VERSIONS = 2
    AlgorithmSetting.objects.update(enabled=False)
    AlgorithmSetting.objects.filter(algorithm="als").update(enabled=True)
    v1 = als_serves_items
    EventFactory(user=AppUser.objects.filter(events__isnull=False).first(), item=Item.objects.first())

    (refit_id,) = training_runs_nightly()
    refit = training_run_execute(refit_id)
    assert refit.kind == TrainingRun.Kind.REFIT and "fit" in refit.timings, refit.error
    v2 = ModelVersion.objects.get(run=refit)
    assert v2.carried_from == v1 and v2.ranking["ranked"] == 1

    v3 = ModelVersion.objects.get(run=train("als", kind="refit"))
    assert v3.carried_from is None and v3.ranking["full"] == "lineage_limit"
    assert len(_listed(v3)) == v1.ranking["ranked"]


def test_an_old_chain_is_ranked_again_in_full(als_serves_items, settings):
    settings.TRAINING_RERANK_ALL_DAYS = 7
    ModelVersion.objects.filter(pk=als_serves_items.pk).update(published_at=timezone.now() - dt.timedelta(days=8))
    v2 = ModelVersion.objects.get(run=train("als", kind="fold_in"))
    assert v2.carried_from is None and v2.ranking["full"] == "lineage_age"


def test_pruning_keeps_the_versions_a_live_version_reads_through(als_serves_items, settings):
    settings.CANDIDATE_VERSIONS_KEPT = 0
    v1 = als_serves_items
    v2 = ModelVersion.objects.get(run=train("als", kind="fold_in"))
    v1.refresh_from_db()
    assert v1.candidates_written_at is not None and _listed(v1)  # v2's users are served from it

    v3 = ModelVersion.objects.get(run=train("als"))  # full: reads through nothing
    for old in (v1, v2):
        old.refresh_from_db()
        assert old.candidates_written_at is None and not _listed(old)

    model_version_rollback(v2)  # its lists and its base's were pruned: it is ranked again in full
    v2.refresh_from_db()
    assert v2.is_live and v2.carried_from is None and v2.ranking["full"] == "rebuilt"
    assert len(_listed(v2)) == v3.ranking["ranked"]


def test_fold_in_is_refused_where_it_cannot_work(demo):
    with pytest.raises(Conflict, match="refit"):
        training_run_create(algorithm="bpr", kind="fold_in")
    with pytest.raises(Conflict, match="cannot tune"):
        training_run_create(algorithm="als", kind="fold_in", tune=True)
    run = train("als", kind="fold_in")
    assert run.status == TrainingRun.Status.FAILED and "no live version" in run.error


def test_the_hourly_fold_in_queues_only_what_can_fold_in_and_is_not_busy(als_serves_items, settings):
    AlgorithmSetting.objects.update(enabled=False)
    for algorithm in ("als", "bpr", "ease"):
        AlgorithmSetting.objects.filter(algorithm=algorithm).update(enabled=True)
    train("bpr")  # live, but cannot fold in; ease is enabled but has no live version

    (queued,) = training_runs_fold_in()
    assert TrainingRun.objects.get(pk=queued).kind == "fold_in"
    assert training_runs_fold_in() == []  # the queued one is still waiting
    settings.TRAINING_FOLD_IN = False
    TrainingRun.objects.filter(pk=queued).update(status=TrainingRun.Status.FAILED)
    assert training_runs_fold_in() == []
