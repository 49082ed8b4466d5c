"""A factorization machine with user and item attributes: LightFM (the `lightfm-next` fork), WARP loss.

Users are their id plus gender, age band and region; items their id plus every level of their
category, their shop and their price band. A user the model never saw is ranked from attributes
alone, which is what makes it useful for cold start.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from lightfm import LightFM

from recommendations.engine.algorithms.base import Recommender, top_n
from recommendations.engine.algorithms.parameters import (
    FACTORS,
    ITERATIONS,
    LEARNING_RATE,
    SEED,
    Param,
    gettext_noop,
)
from recommendations.engine.features import FeatureSpace, item_attribute_tokens, user_attribute_tokens
from recommendations.engine.interactions import TrainingData


class FactorizationMachine(Recommender):
    name: ClassVar[str] = "lightfm"
    parameters: ClassVar[dict[str, Param]] = {
        "no_components": Param(64, FACTORS, 1, 1024),
        "learning_rate": Param(0.05, LEARNING_RATE, 0.0001, 1),
        "epochs": Param(30, ITERATIONS, 1, 500),
        "item_alpha": Param(1e-6, gettext_noop("Penalty on item and item-attribute vectors."), 0, 1),
        "user_alpha": Param(1e-6, gettext_noop("Penalty on user and user-attribute vectors."), 0, 1),
        "loss": Param(
            "warp",
            gettext_noop("What it learns to rank: warp suits top-N lists."),
            choices=("warp", "bpr", "logistic", "warp-kos"),
        ),
        "max_sampled": Param(20, gettext_noop("Negative items tried per positive one (warp)."), 1, 1000),
        "use_attributes": Param(True, gettext_noop("Learn from user and item attributes, not only from events.")),
        "random_state": SEED,
        "threads": Param(2, gettext_noop("CPU threads used to train."), 1, 64),
    }
    param_space: ClassVar[dict[str, list]] = {
        "no_components": [32, 64, 128],
        "learning_rate": [0.02, 0.05, 0.1],
        "epochs": [15, 30, 60],
        "item_alpha": [0.0, 1e-6, 1e-5],
        "user_alpha": [0.0, 1e-6, 1e-5],
    }
    supports_cold_users: ClassVar[bool] = True
    supports_similar_items: ClassVar[bool] = True

    def _fit(self, data: TrainingData) -> None:
        p = self.params
        self.year = data.now.year
        use_attributes = p["use_attributes"]
        user_tokens = user_attribute_tokens(data.users, data.user_ids, self.year) if use_attributes else []
        item_tokens = item_attribute_tokens(data.items, data.item_ids) if use_attributes else []
        user_tokens = user_tokens or [[] for _ in data.user_ids]
        item_tokens = item_tokens or [[] for _ in data.item_ids]
        self.user_space = FeatureSpace(len(data.user_ids), user_tokens, identity=True)
        self.item_space = FeatureSpace(len(data.item_ids), item_tokens, identity=True)
        user_features = self.user_space.matrix(user_tokens, with_identity=True)
        item_features = self.item_space.matrix(item_tokens, with_identity=True)
        positives = data.matrix.tocoo()
        # WARP learns from which items were positive; how strongly is passed as a per-pair weight
        weights = positives.copy()
        weights.data = (weights.data / max(float(weights.data.mean()), 1e-9)).astype(np.float32)
        binary = positives.copy()
        binary.data[:] = 1.0
        self.model = LightFM(
            no_components=p["no_components"],
            learning_rate=p["learning_rate"],
            loss=p["loss"],
            item_alpha=p["item_alpha"],
            user_alpha=p["user_alpha"],
            max_sampled=p["max_sampled"],
            random_state=np.random.RandomState(p["random_state"]),
        )
        self.model.fit(
            binary,
            user_features=user_features,
            item_features=item_features,
            sample_weight=weights,
            epochs=p["epochs"],
            num_threads=p["threads"],
        )
        self.item_bias, self.item_embedding = self.model.get_item_representations(item_features)
        self.user_bias, self.user_embedding = self.model.get_user_representations(user_features)

    def scores(self, user_rows: np.ndarray, user_items: sp.csr_matrix) -> np.ndarray:
        return self.user_embedding[user_rows] @ self.item_embedding.T + self.item_bias

    def recommend_cold(self, users: pd.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
        tokens = user_attribute_tokens(users, users.index.to_numpy(), self.year)
        features = self.user_space.matrix(tokens, with_identity=False)
        _bias, embedding = self.model.get_user_representations(features)
        return top_n(embedding @ self.item_embedding.T + self.item_bias, n)

    def similar_items(self, item_rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        unit = self.item_embedding / np.maximum(np.linalg.norm(self.item_embedding, axis=1, keepdims=True), 1e-9)
        sims = unit[item_rows] @ unit.T
        sims[np.arange(len(item_rows)), item_rows] = -np.inf
        return top_n(sims, n)
