"""The matrix input and fit-time parameters chosen on validation, never on the evaluation split."""

import datetime as dt
import random

import pandas as pd
import pytest

from recommendations.demo_data.public_datasets import movielens_100k
from recommendations.engine.evaluation import fit_and_evaluate
from recommendations.engine.interactions import MatrixInput, training_data
from recommendations.engine.matrix_input import choose_on_validation, input_candidates, parameter_grid
from recommendations.engine.split import Split, last_interactions_split
from tests.paths import SHARED_DATA
from tests.recommendations.engine.matrix import matrix_options

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def configured(**overrides) -> MatrixInput:
    return MatrixInput(**matrix_options(**overrides))


def funnel_with_noise(users: int = 240, seed: int = 0) -> pd.DataFrame:
    """Each user views the five items of their group in any order and buys two things at random on the way: weighed
    8 to 1, the random purchases drown the group that predicts what a user views next."""
    rng = random.Random(seed)
    rows = []
    for u in range(users):
        group = [f"G{u % 8}-{n}" for n in range(5)]
        rng.shuffle(group)
        history = [(item, "view") for item in group]
        for bought in rng.sample(range(300), 2):
            history.insert(rng.randrange(1, len(history) - 1), (f"R{bought}", "purchase"))
        for step, (item, kind) in enumerate(history):
            rows.append(
                {"user_id": f"u{u}", "item_id": item, "type": kind, "occurred_at": T0 + dt.timedelta(hours=step)}
            )
    return pd.DataFrame(rows)


def test_candidates_start_with_the_configured_input_and_are_distinct():
    names = list(input_candidates(configured()))
    assert names == ["configured", "equal_weights", "counts", "binary"]
    # configured as plain counts already: trying "counts" again would fit the same matrix twice
    plain = configured(weights={"view": 1.0, "purchase": 1.0}, half_life_days=None, recency_half_life_events=None)
    assert list(input_candidates(plain)) == ["configured", "binary"]


def test_the_grid_leaves_parameters_set_by_staff_alone():
    assert parameter_grid("ease", {}) == [{"l2": 100.0}, {"l2": 500.0}, {"l2": 2500.0}]
    assert parameter_grid("ease", {"l2": 300.0}) == [{}]
    assert parameter_grid("als", {}) == [{}]


def test_an_input_with_equal_weights_is_chosen_where_weighed_purchases_drown_the_signal():
    split = last_interactions_split(funnel_with_noise())
    validation = last_interactions_split(split.train)

    choice = choose_on_validation("item_knn", {}, validation, configured())

    scores = {a.input: a.score for a in choice.attempts}
    assert set(choice.input.weights.values()) == {1.0} and scores[choice.input_name] > scores["configured"]
    assert choice.metrics["ndcg@10"] == pytest.approx(max(scores.values()), abs=1e-6)
    chosen = fit_and_evaluate("item_knn", choice.params, split, **choice.input.options())
    as_configured = fit_and_evaluate("item_knn", {}, split, **matrix_options())
    assert chosen.metrics["ndcg@10"] > as_configured.metrics["ndcg@10"]  # and it holds on the evaluation split


def test_inputs_that_give_the_same_matrix_are_fitted_once():
    events = funnel_with_noise()  # nobody did the same thing twice: plain counts are already 0/1
    validation = last_interactions_split(last_interactions_split(events).train)

    choice = choose_on_validation("ease", {}, validation, configured())

    assert choice.same_as == {"binary": "counts"}
    assert len(choice.attempts) == 3 * 3  # three distinct inputs, three λ each
    assert {a.input for a in choice.attempts} == {"configured", "equal_weights", "counts"}


def test_a_validation_split_that_scores_no_one_keeps_the_configured_input_after_one_fit():
    events = funnel_with_noise(users=4)
    nobody = Split(train=events, test=events.iloc[:0][["user_id", "item_id"]])

    choice = choose_on_validation("ease", {"l2": 50.0}, nobody, configured())

    assert (choice.input_name, choice.params, choice.attempts) == ("configured", {"l2": 50.0}, [])


def test_a_model_ranks_histories_weighed_as_it_learnt_them():
    from recommendations.engine.algorithms import ALGORITHMS

    events = funnel_with_noise()
    full = training_data(events, **matrix_options())
    binary = MatrixInput(**{**matrix_options(), "binary": True})
    model = ALGORITHMS["item_knn"]()
    model.fit(full.reweighed(binary))

    own = model.own_input(full)

    assert own.input == binary and set(own.matrix.data) == {1.0}
    assert (own.user_ids == full.user_ids).all() and (own.item_ids == full.item_ids).all()
    assert full.reweighed(full.input) is full


@pytest.mark.dataset
def test_ease_with_shipped_settings_finds_movielens_own_input():
    data = SHARED_DATA / "ml-100k"
    if not data.is_dir():
        pytest.skip(f"MovieLens 100K not found at {data} (it lives in ../shared/data beside the repo)")
    events = pd.DataFrame(movielens_100k(data).events)
    events["occurred_at"] = pd.to_datetime(events["occurred_at"], utc=True)
    split = last_interactions_split(events)

    choice = choose_on_validation("ease", {}, last_interactions_split(split.train), configured())
    chosen = fit_and_evaluate("ease", choice.params, split, **choice.input.options())
    as_configured = fit_and_evaluate("ease", {}, split, **matrix_options())

    # ratings are not a view → purchase funnel: the 3x weight of a high rating and the 60-day decay cost EASE
    assert choice.input_name == "equal_weights"
    assert chosen.metrics["ndcg@10"] > 1.1 * as_configured.metrics["ndcg@10"]
