"""A run fits on the matrix input validation chose, saves the choice on its algorithm's setting, and the next runs
reuse it while nothing it depended on changed."""

import datetime as dt
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

from recommendations.models import AlgorithmSetting, ModelVersion, Slot, UserCandidates
from recommendations.services.training.artifacts import artifact_load
from recommendations.services.training.candidates import configured_input
from tests.recommendations.training_runs import train

pytestmark = pytest.mark.django_db


def test_a_run_fits_on_what_validation_chose_and_ranks_users_the_same_way(demo):
    run = train("ease")

    choice = run.metrics["choice"]
    assert run.status == "succeeded" and "choose" in run.timings
    assert len(choice["attempts"]) >= 3 * 3  # at least three distinct inputs, each with three λ
    best = max(choice["attempts"], key=lambda a: a["score"])
    assert (choice["input"], choice["params"]["l2"]) == (best["input"], best["params"]["l2"])
    assert run.params["l2"] == best["params"]["l2"]
    assert run.metrics["validation"]["ndcg@10"] == pytest.approx(best["score"], abs=1e-6)
    model = artifact_load(run)
    assert asdict(model.matrix_input) == choice["input_options"]
    setting = AlgorithmSetting.objects.get(algorithm="ease")
    assert setting.chosen_input["input"] == choice["input"] and setting.chosen_at is not None
    # the lists written rank each user's history weighed as the model learnt it
    version = ModelVersion.objects.get(run=run)
    row = UserCandidates.objects.filter(version=version, slot=Slot.ITEMS).first()
    from recommendations.services.training.candidates import data_lists
    from recommendations.services.training.data_load import training_frames

    full = model.own_input(data_lists(training_frames()).full)
    history = full.matrix[[list(full.user_ids).index(row.user_id)]][
        :, pd.Index(full.item_ids).get_indexer(model.item_ids)
    ]
    ids, _scores = model.recommend(np.array([0]), history.tocsr(), len(row.keys))
    assert [int(model.item_ids[i]) for i in ids[0] if i >= 0] == row.keys


def test_the_next_run_reuses_the_choice_until_the_parameters_change(demo, settings, monkeypatch):
    from recommendations.services.training import pipeline

    first = train("ease")

    splits = []
    real_split = pipeline.last_interactions_split
    monkeypatch.setattr(pipeline, "last_interactions_split", lambda events: splits.append(1) or real_split(events))
    second = train("ease")
    assert second.metrics["choice"]["reused"] and second.metrics["choice"]["run"] == first.pk
    assert len(splits) == 1  # the evaluation split only: a reused choice carves no validation split
    assert second.params == first.params

    AlgorithmSetting.objects.filter(algorithm="ease").update(params={"l2": 300.0})
    third = train("ease")
    assert not third.metrics["choice"].get("reused") and third.params["l2"] == 300.0
    assert {a["params"]["l2"] for a in third.metrics["choice"]["attempts"]} == {300.0}  # staff's λ is theirs


def test_a_choice_older_than_the_setting_or_for_other_weights_is_made_again(demo, settings):
    first = train("item_knn")
    AlgorithmSetting.objects.filter(algorithm="item_knn").update(chosen_at=timezone.now() - dt.timedelta(days=8))
    assert not train("item_knn").metrics["choice"].get("reused")

    settings.TRAINING_EVENT_WEIGHTS = {**settings.TRAINING_EVENT_WEIGHTS, "purchase": 20.0}
    again = train("item_knn")
    assert not again.metrics["choice"].get("reused")
    assert again.metrics["choice"]["configured"] == asdict(configured_input()) != first.metrics["choice"]["configured"]


def test_with_choosing_off_a_run_fits_on_the_configured_input(demo, settings):
    settings.TRAINING_CHOOSE_ON_VALIDATION = False

    run = train("ease")

    assert "choice" not in run.metrics and run.params["l2"] == 100.0
    assert artifact_load(run).matrix_input == configured_input()
    assert not AlgorithmSetting.objects.get(algorithm="ease").chosen_input


@pytest.mark.parametrize(
    "stored",
    [
        ["not", "a", "record"],
        {"input": "binary", "given": {}, "params": {}, "input_options": {"weights": 1}},
        {"input": "binary", "given": {}, "params": "l2", "input_options": {}},
    ],
)
def test_a_saved_choice_of_another_shape_is_made_again_not_a_failed_run(demo, stored):
    AlgorithmSetting.objects.update_or_create(
        algorithm="item_knn", defaults={"chosen_input": stored, "chosen_at": timezone.now()}
    )

    run = train("item_knn")

    assert run.status == "succeeded", run.error
    assert not run.metrics["choice"].get("reused") and run.metrics["choice"]["attempts"]


def test_a_tuned_run_searches_the_weights_and_half_lives_and_later_runs_fit_on_what_it_found(demo, settings):
    settings.TUNING_TRIALS = 5
    tuned = train("item_knn", tune=True)

    trials = tuned.metrics["trials"]
    assert len({repr(t["input"]) for t in trials}) == 5  # each trial on its own input
    best = max(trials, key=lambda t: t["ndcg@10"])
    setting = AlgorithmSetting.objects.get(algorithm="item_knn")
    assert setting.chosen_input["input"] == "tuned" and setting.chosen_input["input_options"] == best["input"]
    assert asdict(artifact_load(tuned).matrix_input) == best["input"]

    plain = train("item_knn")

    assert plain.metrics["choice"]["reused"] and plain.metrics["choice"]["run"] == tuned.pk
    assert asdict(artifact_load(plain).matrix_input) == best["input"] and plain.params == tuned.params


def test_when_the_choice_is_made_again_the_tuned_input_is_one_of_the_inputs_tried(demo, settings):
    settings.TUNING_TRIALS = 4
    tuned = train("item_knn", tune=True)
    found = tuned.metrics["choice"]["input_options"]
    AlgorithmSetting.objects.filter(algorithm="item_knn").update(chosen_at=timezone.now() - dt.timedelta(days=8))

    again = train("item_knn")

    choice = again.metrics["choice"]
    tried = {a["input"] for a in choice["attempts"]} | set(choice["same_as"])
    assert "tuned" in tried or found in [choice["input_options"]]
    assert choice["tuned_input"] == found  # kept for the choices after this one


@pytest.mark.parametrize(
    "tuned_input",
    [
        "view=1",
        {"weights": [1, 2], "half_life_days": None, "recency_half_life_events": None, "binary": False},
        {"weights": {"view": "heavy"}, "half_life_days": None, "recency_half_life_events": None, "binary": False},
        {"weights": {"view": 1.0}, "half_life_days": "soon", "recency_half_life_events": None, "binary": False},
    ],
)
def test_a_stored_tuned_input_of_another_shape_is_left_out_of_the_choice_not_a_failed_run(demo, tuned_input):
    AlgorithmSetting.objects.update_or_create(
        algorithm="item_knn",
        defaults={"chosen_input": {"input": "tuned", "tuned_input": tuned_input}, "chosen_at": timezone.now()},
    )

    run = train("item_knn")

    assert run.status == "succeeded", run.error
    assert "tuned" not in {a["input"] for a in run.metrics["choice"]["attempts"]}
