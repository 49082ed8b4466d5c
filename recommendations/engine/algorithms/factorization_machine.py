"""A factorization machine with user and item attributes: LightFM (the `lightfm-next` fork), WARP loss.

Users are their id plus gender, age band and region; items their id plus every level of their
category, their shop and their price band. A user the model never saw is ranked from attributes
alone, which is what makes it useful for cold start.
"""

from __future__ import annotations

import os
import time
from typing import ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from lightfm import LightFM

from recommendations.engine.algorithms.base import Recommender, top_n
from recommendations.engine.algorithms.parameters import (
    FACTORS,
    LEARNING_RATE,
    SEED,
    Param,
    gettext_noop,
)
from recommendations.engine.features import FeatureSpace, item_attribute_tokens, user_attribute_tokens
from recommendations.engine.interactions import TrainingData

CHECK_EVERY = 5  # epochs between early-stopping checks
HELD_BACK_USERS = 500


def _held_back(matrix: sp.csr_matrix, seed: int) -> tuple[sp.csr_matrix, tuple[np.ndarray, np.ndarray] | None]:
    """The matrix without one random item of each of up to HELD_BACK_USERS users with 3+ items, and those
    (users, items); None where too few users qualify. The held cells are never trained on: a few hundred
    among the whole matrix."""
    rng = np.random.default_rng(seed)
    lengths = np.diff(matrix.indptr)
    eligible = np.flatnonzero(lengths >= 3)
    if len(eligible) < 20:
        return matrix, None
    users = np.sort(rng.choice(eligible, size=min(HELD_BACK_USERS, len(eligible)), replace=False))
    positions = matrix.indptr[users] + rng.integers(0, lengths[users])
    items = matrix.indices[positions].astype(np.int64)
    train = matrix.copy()
    train.data[positions] = 0.0
    train.eliminate_zeros()
    return train, (users, items)


class FactorizationMachine(Recommender):
    name: ClassVar[str] = "lightfm"
    parameters: ClassVar[dict[str, Param]] = {
        "no_components": Param(64, FACTORS, 1, 1024),
        "learning_rate": Param(0.05, LEARNING_RATE, 0.0001, 1),
        "epochs": Param(30, gettext_noop("Most training passes over the data (fewer when it stops early)."), 1, 500),
        "max_seconds": Param(
            300.0,
            gettext_noop("Stop after the pass that takes training past this many seconds (0: no limit)."),
            0,
            86400,
        ),
        "early_stopping": Param(
            True, gettext_noop("Stop once the hit rate on a few users' held-back items stops improving.")
        ),
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
        "threads": Param(0, gettext_noop("CPU threads used to train (0: every core)."), 0, 64),
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
        matrix, held = _held_back(data.matrix, p["random_state"]) if p["early_stopping"] else (data.matrix, None)
        positives = matrix.tocoo()
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
        self.fit_report = self._epochs(binary, weights, user_features, item_features, matrix, held)
        self.item_bias, self.item_embedding = self.model.get_item_representations(item_features)
        self.user_bias, self.user_embedding = self.model.get_user_representations(user_features)

    def _epochs(
        self,
        binary: sp.coo_matrix,
        weights: sp.coo_matrix,
        user_features: sp.csr_matrix,
        item_features: sp.csr_matrix,
        train: sp.csr_matrix,
        held: tuple[np.ndarray, np.ndarray] | None,
    ) -> dict:
        """Up to `epochs` passes, checked every few: stops past `max_seconds`, or once the held-back items' hit
        rate has not improved for two checks (on 200,000 items a pass took 115 s: 30 of them, an hour)."""
        p = self.params
        threads = p["threads"] or os.cpu_count() or 1
        started, best, best_epoch, stopped = time.perf_counter(), -1.0, 0, "epochs"
        for epoch in range(1, p["epochs"] + 1):
            self.model.fit_partial(
                binary,
                user_features=user_features,
                item_features=item_features,
                sample_weight=weights,
                epochs=1,
                num_threads=threads,
            )
            if p["max_seconds"] and time.perf_counter() - started > p["max_seconds"]:
                stopped = "time"
                break
            if held is not None and (epoch % CHECK_EVERY == 0):
                hit_rate = self._hit_rate(held, train, user_features, item_features)
                if hit_rate > best:
                    best, best_epoch = hit_rate, epoch
                elif epoch - best_epoch >= 2 * CHECK_EVERY:
                    stopped = "converged"
                    break
        return {
            "epochs": epoch,
            "of": p["epochs"],
            "stopped": stopped,
            "seconds": round(time.perf_counter() - started, 3),
            "held_back_hit_rate": round(best, 4) if held is not None else None,
        }

    def _hit_rate(
        self,
        held: tuple[np.ndarray, np.ndarray],
        train: sp.csr_matrix,
        user_features: sp.csr_matrix,
        item_features: sp.csr_matrix,
    ) -> float:
        users, items = held
        item_bias, item_embedding = self.model.get_item_representations(item_features)
        _bias, user_embedding = self.model.get_user_representations(user_features[users])
        ranked, _scores = top_n(user_embedding @ item_embedding.T + item_bias, 10, train[users])
        return float((ranked == items[:, None]).any(axis=1).mean())

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
