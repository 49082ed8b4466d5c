"""The learned ranker: the union of its sources' candidates, ordered by what it learnt on a carved split."""

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.algorithms.popularity import GlobalPopularity
from recommendations.engine.algorithms.ranker import SOURCES
from recommendations.engine.evaluation import comparisons, fit_and_score
from recommendations.engine.interactions import training_data
from recommendations.engine.ranking.candidates import candidate_union
from recommendations.engine.split import last_interactions_split
from tests.recommendations.engine.matrix import matrix_options
from tests.recommendations.engine.worlds import T0, paired_world


def fitted(events: pd.DataFrame, **params):
    data = training_data(events, **matrix_options(half_life_days=None))
    model = ALGORITHMS["ranker"](**{"trees": 30, "min_child_samples": 5, "depth": 10, **params})
    model.fit(data)
    return model, data


def test_candidate_union_keeps_every_sources_pairs_once_with_each_sources_rank():
    a = (np.array([[3, 1, -1]]), np.array([[0.9, 0.5, -np.inf]]))
    b = (np.array([[1, 4, 2]]), np.array([[2.0, 1.0, 0.0]]))

    union = candidate_union({"a": a, "b": b}, n_items=5)

    assert union.items.tolist() == [1, 2, 3, 4]  # item 1 listed by both is one candidate
    assert union.ranks["a"].tolist() == [1, 3, 0, 3]  # unlisted: the list's depth
    assert union.ranks["b"].tolist() == [0, 2, 3, 1]
    assert np.isnan(union.scores["a"][1]) and union.group_sizes().tolist() == [4]


def test_the_ranker_puts_the_twin_of_what_the_user_just_viewed_first_and_never_what_they_have():
    events = paired_world()
    probe = pd.DataFrame([{"user_id": "probe", "item_id": "i10", "type": "view", "occurred_at": T0}])
    model, data = fitted(pd.concat([events, probe], ignore_index=True))
    row = data.user_index["probe"]

    ids, scores = model.recommend(np.array([row]), data.matrix[[row]], 5)

    assert data.item_ids[ids[0][0]] == "i11"
    assert "i10" not in {data.item_ids[i] for i in ids[0] if i >= 0}
    assert np.all(np.diff(scores[0][np.isfinite(scores[0])]) <= 0)  # best first


def test_the_ranker_reports_how_much_each_feature_weighed_and_what_it_learnt_from():
    model, _data = fitted(paired_world())

    report = model.fit_report

    assert set(report["feature_importance"]) >= {f"{s}_rank" for s in SOURCES} | {"category_share", "price"}
    assert sum(report["feature_importance"].values()) == pytest.approx(1.0, abs=0.01)
    assert report["learning_lists"] > 100 and 0 < report["held_back_found"] <= 1


def test_each_carve_is_cut_by_its_rule_and_more_carves_learn_from_more_lists():
    one, _ = fitted(paired_world(), carves=1)
    two, _ = fitted(paired_world(), carves=2)
    by_time, _ = fitted(paired_world(), carve="by_time", carves=1)

    assert two.fit_report["learning_lists"] > one.fit_report["learning_lists"]
    assert by_time.fit_report["learning_lists"] > 0


def test_a_ranker_with_no_one_to_hold_back_says_so():
    few = paired_world(users=3).groupby("user_id").head(2)  # two events each: too few to hold any back

    with pytest.raises(ValueError, match="nothing to learn from"):
        fitted(few)


def test_a_rankers_evaluation_names_the_best_model_it_blends_and_compares_with_it():
    split = last_interactions_split(paired_world(users=200))
    train = training_data(split.train, **matrix_options(half_life_days=None))
    evaluation = fit_and_score("ranker", {"trees": 30, "min_child_samples": 5, "depth": 10}, train, split)
    popularity = GlobalPopularity()
    popularity.fit(train)

    report = comparisons(evaluation, popularity, split)

    assert set(report["blended"]) == set(SOURCES)
    best = report["against_best_blended"]["model"]
    assert report["blended"][best]["ndcg@10"] == max(m["ndcg@10"] for m in report["blended"].values())
    low, high = report["against_popularity"]["ratio_low"], report["against_popularity"]["ratio_high"]
    assert low <= report["against_popularity"]["ratio"] <= high and low > 1  # twins beat the best-seller


def test_a_single_model_blends_nothing():
    split = last_interactions_split(paired_world())
    train = training_data(split.train, **matrix_options(half_life_days=None))
    popularity = GlobalPopularity()
    popularity.fit(train)

    assert "blended" not in comparisons(fit_and_score("ease", {}, train, split), popularity, split)


def test_a_list_asked_deeper_than_the_candidates_goes_on_with_the_first_sources_ranking():
    model, data = fitted(paired_world(), depth=5)
    row = data.user_index["u0"]
    n = len(data.item_ids)  # every item: far beyond what seven sources' top 5 bring together

    ids, scores = model.recommend(np.array([row]), data.matrix[[row]], n)

    listed = ids[0][ids[0] >= 0]
    seen = set(data.matrix[row].indices)
    assert len(listed) == len(set(listed)) and not seen & set(listed)
    assert len(listed) == n - len(seen)  # every item the user has not seen, as EASE ranks every one
    assert np.all(np.diff(scores[0][: len(listed)]) <= 0)
