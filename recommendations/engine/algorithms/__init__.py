"""Every algorithm recsite trains, by name."""

from recommendations.engine.algorithms.base import Recommender, top_n
from recommendations.engine.algorithms.ease import EASE
from recommendations.engine.algorithms.factorization_machine import FactorizationMachine
from recommendations.engine.algorithms.implicit_models import ALS, BPR, ItemKNN, ItemKNNBM25
from recommendations.engine.algorithms.popularity import GlobalPopularity, SegmentPopularity, TrendingPopularity
from recommendations.engine.algorithms.ranker import LearnedRanker

ALGORITHMS: dict[str, type[Recommender]] = {
    cls.name: cls
    for cls in (
        GlobalPopularity,
        TrendingPopularity,
        SegmentPopularity,
        ItemKNN,
        ItemKNNBM25,
        ALS,
        BPR,
        EASE,
        FactorizationMachine,
        LearnedRanker,
    )
}

__all__ = ["ALGORITHMS", "Recommender", "SegmentPopularity", "top_n"]
