"""Each algorithm on small data whose right answer is obvious."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from recommendations.engine.algorithms import ALGORITHMS, top_n
from recommendations.engine.algorithms.base import shared_lists_top_n
from recommendations.engine.interactions import training_data
from tests.recommendations.engine.matrix import matrix_options

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def co_bought_data():
    """A and B are always bought together, C and D too; user 'probe' bought only A."""
    rows = []
    for n in range(30):
        pair = ("A", "B") if n % 2 else ("C", "D")
        rows += [(f"u{n}", pair[0], "purchase", n), (f"u{n}", pair[1], "purchase", n)]
    rows += [(f"p{n}", "E", "purchase", n) for n in range(40)]  # E is the most popular item
    rows.append(("probe", "A", "purchase", 1))
    ev = pd.DataFrame(
        [{"user_id": u, "item_id": i, "type": t, "occurred_at": T0 + dt.timedelta(hours=h)} for u, i, t, h in rows]
    )
    return training_data(ev, **matrix_options(half_life_days=None))


@pytest.mark.parametrize("name", ["item_knn", "item_knn_bm25", "als", "ease", "lightfm"])
def test_a_user_who_bought_a_gets_the_item_bought_with_it(name):
    data = co_bought_data()
    params = {"epochs": 60, "use_attributes": False} if name == "lightfm" else {}
    if name == "als":
        params = {"factors": 8, "iterations": 30}
    model = ALGORITHMS[name](**params)
    model.fit(data)
    probe = data.user_index["probe"]

    ids, _scores = model.recommend(np.array([probe]), data.matrix[[probe]], 2)

    assert data.item_ids[ids[0][0]] == "B"
    assert "A" not in {data.item_ids[i] for i in ids[0] if i >= 0}  # already bought


@pytest.mark.parametrize("name", ["item_knn", "als", "ease"])
def test_similar_items_pairs_the_co_bought(name):
    data = co_bought_data()
    model = ALGORITHMS[name](**({"factors": 8, "iterations": 30} if name == "als" else {}))
    model.fit(data)

    ids, _scores = model.similar_items(np.array([data.item_index["C"]]), 1)

    assert data.item_ids[ids[0][0]] == "D"


def test_global_popularity_ranks_by_weight_and_serves_anyone():
    data = co_bought_data()
    model = ALGORITHMS["popularity"]()
    model.fit(data)

    ids, _ = model.recommend_cold(pd.DataFrame(index=["stranger"]), 1)

    assert data.item_ids[ids[0][0]] == "E"


def test_popularity_skips_each_users_own_items_however_many_they_have():
    data = co_bought_data()  # by weight: E, then A/B/C/D
    model = ALGORITHMS["popularity"]()
    model.fit(data)
    rows = np.array([data.user_index["probe"], data.user_index["p0"], data.user_index["u1"]])

    ids, scores = model.recommend(rows, data.matrix[rows], 5)

    lists = [[data.item_ids[c] for c in row if c >= 0] for row in ids]
    assert lists[0][0] == "E" and "A" not in lists[0]  # probe bought A
    assert "E" not in lists[1] and len(lists[1]) == 4  # p0 bought E: only A-D are left
    assert "A" not in lists[2] and "B" not in lists[2] and lists[2][0] == "E"
    assert ids[1, 4] == -1 and scores[1, 4] == -np.inf  # short lists are padded


def segment_data(extra_young_women: int):
    """Young women buy X, men buy Y, one tiny segment (old women in Kyushu) bought Z once."""
    rows, users = [], {}
    for n in range(60):
        users[f"m{n}"] = {"gender": "male", "birth_year": 1990, "region": "Kanto"}
        rows.append((f"m{n}", "Y", "purchase"))
    for n in range(20 + extra_young_women):
        users[f"w{n}"] = {"gender": "female", "birth_year": 2000, "region": "Kanto"}
        rows.append((f"w{n}", "X", "purchase"))
    users["tiny"] = {"gender": "female", "birth_year": 1950, "region": "Kyushu"}
    rows.append(("tiny", "Z", "view"))
    ev = pd.DataFrame([{"user_id": u, "item_id": i, "type": t, "occurred_at": T0} for u, i, t in rows])
    return training_data(ev, users=pd.DataFrame.from_dict(users, orient="index"), **matrix_options(half_life_days=None))


def test_segment_popularity_serves_each_segment_its_own_taste():
    data = segment_data(0)
    model = ALGORITHMS["segment_popularity"](shrinkage=10.0)
    model.fit(data)
    cold = pd.DataFrame(
        [
            {"gender": "female", "birth_year": 2001, "region": "Kanto"},
            {"gender": "male", "birth_year": 1991, "region": "Tohoku"},
        ],
        index=["new woman", "new man"],
    )

    ids, _ = model.recommend_cold(cold, 1)

    assert [data.item_ids[i] for i in ids[:, 0]] == ["X", "Y"]


def test_a_tiny_segment_is_shrunk_toward_its_parent():
    data = segment_data(0)
    model = ALGORITHMS["segment_popularity"](shrinkage=10.0)
    model.fit(data)
    tiny = pd.DataFrame([{"gender": "female", "birth_year": 1951, "region": "Kyushu"}], index=["new"])

    ids, _ = model.recommend_cold(tiny, 1)

    # one view of Z weighs less than the women's evidence for X that the tiny segment inherits
    assert data.item_ids[ids[0][0]] == "X"


def test_the_factorization_machine_ranks_an_unseen_user_from_attributes():
    data = segment_data(40)
    data.items = pd.DataFrame(
        {"category_path": ["Fashion", "Tools", "Misc"], "shop_id": ["s1", "s2", "s3"]}, index=["X", "Y", "Z"]
    )
    model = ALGORITHMS["lightfm"](epochs=80, no_components=8)
    model.fit(data)
    cold = pd.DataFrame(
        [
            {"gender": "female", "birth_year": 2002, "region": "Kanto"},
            {"gender": "male", "birth_year": 1989, "region": "Kanto"},
        ],
        index=["a", "b"],
    )

    ids, _ = model.recommend_cold(cold, 1)

    assert [data.item_ids[i] for i in ids[:, 0]] == ["X", "Y"]


def test_ease_leaves_items_beyond_its_size_limit_to_other_models():
    data = co_bought_data()
    model = ALGORITHMS["ease"](max_items=2)
    model.fit(data)
    probe = data.user_index["probe"]

    ids, _scores = model.recommend(np.array([probe]), data.matrix[[probe]], 5)

    assert len(model.kept) == 2
    assert set(data.item_ids[i] for i in ids[0] if i >= 0) <= set(data.item_ids[model.kept])


def test_top_n_skips_excluded_columns_and_pads_short_lists():
    import scipy.sparse as sp

    ids, scores = top_n(np.array([[0.1, 0.9, 0.5]]), 5, sp.csr_matrix(np.array([[0, 1, 0]])))

    assert ids.tolist() == [[2, 0, -1, -1, -1]]
    assert np.isneginf(scores[0, 2:]).all()


def test_unknown_parameters_are_refused_by_name():
    with pytest.raises(ValueError, match="factorz"):
        ALGORITHMS["als"](factorz=3)


def test_a_model_fitted_on_a_gpu_is_stored_as_a_cpu_one():
    """implicit fits ALS on an NVIDIA GPU when one is present; the pickled artifact must load anywhere."""
    import pickle

    data = co_bought_data()
    model = ALGORITHMS["als"](factors=8, iterations=30)
    model.fit(data)
    cpu_model = model.model

    class GpuModel:  # what implicit.gpu.als.AlternatingLeastSquares offers for this: to_cpu()
        def to_cpu(self):
            return cpu_model

    model.model = GpuModel()
    restored = pickle.loads(pickle.dumps(model))
    assert restored.model is not model.model and type(restored.model) is type(cpu_model)
    probe = data.user_index["probe"]
    ids, _scores = restored.recommend(np.array([probe]), data.matrix[[probe]], 2)
    assert data.item_ids[ids[0][0]] == "B"  # the stored model still ranks as the fitted one did


def test_a_missing_attribute_is_its_own_segment_value():
    data = segment_data(0)
    users = data.users.copy()
    users.loc["m0", "gender"] = np.nan  # a frame read from a file with an empty cell
    users.loc["m1", "region"] = None
    data = training_data(data.events, users=users, **matrix_options(half_life_days=None))
    model = ALGORITHMS["segment_popularity"](shrinkage=10.0)

    model.fit(data)
    rows = np.array([data.user_index["m0"], data.user_index["w0"]])
    ids, _ = model.recommend(rows, data.matrix[rows], 1, exclude_seen=False)

    assert "?" in model.segment_scores
    assert any(k.startswith("male|") and k.endswith("|?") for k in model.segment_scores)
    assert [data.item_ids[i] for i in ids[:, 0]] == ["Y", "X"]  # the unknown-gender segment leans on everyone


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), groups=st.integers(1, 4))
def test_shared_lists_rank_as_each_users_own_dense_list_would(seed, n, groups):
    rng = np.random.default_rng(seed)
    users, items = 30, 25
    lists = [rng.random(items).astype(np.float32) for _ in range(groups)]
    group_of = rng.integers(0, groups, users)
    seen = sp.random(users, items, density=0.3, format="csr", random_state=rng)

    ids, scores = shared_lists_top_n(lists, group_of, seen, n)

    dense_ids, dense_scores = top_n(np.vstack([lists[g] for g in group_of]), n, seen)
    assert (ids == dense_ids).all() and np.allclose(scores, dense_scores)


def test_trending_weighs_the_configured_kinds_of_event():
    # play counts, not a view/purchase funnel: the configured weights are the only ones that exist
    rows = [("u1", "old hit", "play", 20)] * 5 + [(f"u{n}", "new", "play", 1) for n in range(3)]
    rows += [("u9", "skipped", "skip", 1)] * 10
    events = pd.DataFrame(
        [{"user_id": u, "item_id": i, "type": t, "occurred_at": T0 - dt.timedelta(days=d)} for u, i, t, d in rows]
    )
    data = training_data(events, weights={"play": 1.0}, half_life_days=None, recency_half_life_events=None, now=T0)
    model = ALGORITHMS["trending"]()

    model.fit(data)
    ids, scores = model.recommend_cold(pd.DataFrame(index=["anyone"]), 3)

    assert data.item_ids[ids[0][0]] == "new"  # the old hit is outside the 7-day window
    assert (scores[0] > 0).sum() == 1  # skips weigh nothing: they are not configured


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), max_items=st.integers(1, 30))
def test_ease_ranks_its_kept_items_as_the_whole_catalogue_ranking_would(seed, max_items):
    rng = np.random.default_rng(seed)
    rows = [(f"u{u}", f"i{i}", "view") for u in range(40) for i in rng.choice(40, rng.integers(1, 8), replace=False)]
    events = pd.DataFrame([{"user_id": u, "item_id": i, "type": t, "occurred_at": T0} for u, i, t in rows])
    data = training_data(events, **matrix_options(half_life_days=None))
    model = ALGORITHMS["ease"](max_items=max_items)
    model.fit(data)
    users = np.arange(len(data.user_ids))

    ids, scores = model.recommend(users, data.matrix, 10)

    whole_ids, whole_scores = top_n(model.scores(users, data.matrix), 10, data.matrix)
    assert np.allclose(scores, whole_scores)
    for row in range(len(users)):  # ties may come in either order; every other position must agree
        values = list(whole_scores[row])
        unique = [k for k, v in enumerate(values) if np.isfinite(v) and values.count(v) == 1]
        assert list(ids[row, unique]) == list(whole_ids[row, unique])
