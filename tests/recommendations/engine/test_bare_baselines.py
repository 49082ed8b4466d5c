"""Every run's bare baseline: the same library with its own defaults on the 0/1 matrix."""

import pytest

from recommendations.engine.algorithms.popularity import GlobalPopularity
from recommendations.engine.bare_baselines import bare_fit
from recommendations.engine.evaluation import comparisons, fit_and_score
from recommendations.engine.interactions import training_data
from recommendations.engine.split import last_interactions_split
from tests.recommendations.engine.matrix import matrix_options
from tests.recommendations.engine.worlds import paired_world


@pytest.mark.parametrize("name", ["als", "bpr", "item_knn", "item_knn_bm25", "ease"])
def test_the_bare_fit_uses_the_librarys_defaults_on_the_zero_one_matrix(name):
    train = training_data(paired_world(), **matrix_options())

    model, data = bare_fit(name, train)

    assert data.input.binary and set(data.matrix.data) == {1.0}
    assert model.matrix_input == data.input
    if name == "als":
        assert (model.params["factors"], model.params["regularization"], model.params["alpha"]) == (100, 0.01, 1.0)


def test_a_model_already_fitted_on_zero_one_gets_its_bare_fit_on_the_same_matrix():
    train = training_data(paired_world(), **matrix_options(binary=True))

    model, data = bare_fit("item_knn", train)

    assert data.input.binary and (data.matrix != train.matrix).nnz == 0 and model.params["K"] == 20


@pytest.mark.parametrize("name", ["popularity", "segment_popularity", "lightfm", "ranker"])
def test_algorithms_without_a_library_of_their_own_have_no_bare_fit(name):
    assert bare_fit(name, training_data(paired_world(), **matrix_options())) is None


def test_a_run_compares_with_its_bare_fit_on_the_same_users():
    split = last_interactions_split(paired_world(users=200))
    train = training_data(split.train, **matrix_options())
    popularity = GlobalPopularity()
    popularity.fit(train)

    report = comparisons(fit_and_score("ease", {}, train, split), popularity, split, bare=bare_fit("ease", train))

    assert report["bare"]["users"] == report["popularity"]["users"] > 0
    against = report["against_bare"]
    assert against["ratio_low"] <= against["ratio"] <= against["ratio_high"]
