"""On real data: collaborative filtering must beat popularity (MovieLens 100K in ../shared/data)."""

import pytest

from recommendations.demo_data.public_datasets import movielens_100k
from recommendations.engine.evaluation import fit_and_evaluate
from recommendations.engine.split import last_interactions_split
from tests.paths import SHARED_DATA
from tests.recommendations.engine.matrix import matrix_options

DATA = SHARED_DATA / "ml-100k"
pytestmark = pytest.mark.dataset


@pytest.fixture(scope="module")
def split():
    if not DATA.is_dir():
        pytest.skip(f"MovieLens 100K not found at {DATA} (it lives in ../shared/data beside the repo)")
    import pandas as pd

    events = pd.DataFrame(movielens_100k(DATA).events)
    return last_interactions_split(events)


@pytest.mark.parametrize("algorithm", ["als", "item_knn"])
def test_collaborative_filtering_beats_popularity_on_recall_at_10(split, algorithm):
    popularity = fit_and_evaluate("popularity", {}, split, **matrix_options())
    model = fit_and_evaluate(algorithm, {}, split, **matrix_options())

    assert popularity.metrics["users"] == model.metrics["users"] > 900
    assert model.metrics["recall@10"] > 1.2 * popularity.metrics["recall@10"]
