"""What a team gets out of the box: each algorithm's library fitted with the library's own defaults on the 0/1
matrix, scored beside recsite's fit on every run (issue 21), as bench/quality.py scores them on the public data.

EASE has no library; its bare form is Steck's: the 0/1 matrix and λ 500. Algorithms with no bare counterpart
(popularity, segments, LightFM's attribute model, the ranker, which is compared with the models it blends) get
none.
"""

from __future__ import annotations

from recommendations.engine.algorithms import ALGORITHMS, Recommender
from recommendations.engine.interactions import TrainingData

# recsite's algorithm name -> the same algorithm's parameters at `implicit`'s own defaults
LIBRARY_DEFAULTS: dict[str, dict] = {
    "als": {"factors": 100, "regularization": 0.01, "alpha": 1.0, "iterations": 15},
    "bpr": {"factors": 100, "learning_rate": 0.01, "regularization": 0.01, "iterations": 100},
    "item_knn": {"K": 20},
    "item_knn_bm25": {"K": 20, "K1": 1.2, "B": 0.75},
    "ease": {"l2": 500.0},
}


def bare_fit(algorithm: str, train: TrainingData) -> tuple[Recommender, TrainingData] | None:
    """The bare counterpart of `algorithm` fitted on `train`'s 0/1 matrix, with that matrix; None if it has none."""
    if algorithm not in LIBRARY_DEFAULTS:
        return None
    binary = train.reweighed(train.input.as_binary())
    model = ALGORITHMS[algorithm](**LIBRARY_DEFAULTS[algorithm])
    model.fit(binary)
    return model, binary
