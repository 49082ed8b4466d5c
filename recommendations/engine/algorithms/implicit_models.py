"""Collaborative filtering from the `implicit` library: item-kNN (cosine, BM25), ALS and BPR."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from implicit.als import AlternatingLeastSquares
from implicit.bpr import BayesianPersonalizedRanking
from implicit.nearest_neighbours import BM25Recommender, CosineRecommender
from implicit.utils import ParameterWarning
from threadpoolctl import threadpool_limits

from recommendations.engine.algorithms.base import Recommender, without_seen
from recommendations.engine.algorithms.parameters import (
    FACTORS,
    ITERATIONS,
    LEARNING_RATE,
    REGULARIZATION,
    SEED,
    Param,
    gettext_noop,
)
from recommendations.engine.interactions import TrainingData

# implicit parallelises with OpenMP itself; a multi-threaded BLAS underneath only fights it.
_BLAS_THREADS = 1


def _clean(ids: np.ndarray, scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """implicit pads short lists with arbitrary ids and huge negative scores; make them -1 / -inf."""
    ids = np.asarray(ids, dtype=np.int64).reshape(-1, n)
    scores = np.asarray(scores, dtype=np.float32).reshape(-1, n)
    bad = ~np.isfinite(scores) | (scores < -1e30)
    return np.where(bad, -1, ids), np.where(bad, -np.inf, scores).astype(np.float32)


def on_cpu(model: Any) -> Any:
    """The model as a CPU one: implicit's wheels fit ALS and BPR on an NVIDIA GPU when they find one
    (implicit.gpu.HAS_CUDA), and only its GPU models have `to_cpu`."""
    to_cpu = getattr(model, "to_cpu", None)
    return to_cpu() if callable(to_cpu) else model


class _ImplicitModel(Recommender):
    supports_similar_items: ClassVar[bool] = True
    recalculate_user: ClassVar[bool] = False
    pads_with_seen: ClassVar[bool] = False

    def __getstate__(self) -> dict[str, Any]:
        # a model fitted on a GPU is stored as a CPU one: the web server, a rollback or a later run loads it
        # on a machine that may have no GPU (the run that fitted it ranks its users on the GPU first)
        state = self.__dict__.copy()
        if "model" in state:
            state["model"] = on_cpu(state["model"])
        return state

    def _make(self) -> Any:
        raise NotImplementedError

    def _fit(self, data: TrainingData) -> None:
        with threadpool_limits(_BLAS_THREADS, "blas"), warnings.catch_warnings():
            # item-kNN normalises to COO internally and then warns about its own conversion
            warnings.simplefilter("ignore", ParameterWarning)
            self.model = self._make()
            self.model.fit(self._prepare(data.matrix), show_progress=False)

    def _prepare(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        return matrix.astype(np.float32).tocsr()

    def recommend(
        self, user_rows: np.ndarray, user_items: sp.csr_matrix, n: int, *, exclude_seen: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        n = min(n, len(self.item_ids))
        if len(user_rows) == 0 or n == 0:
            return np.full((len(user_rows), n), -1), np.full((len(user_rows), n), -np.inf, dtype=np.float32)
        user_items = self._prepare(user_items)
        with threadpool_limits(_BLAS_THREADS, "blas"):
            ids, scores = self.model.recommend(
                user_rows,
                user_items,
                N=n,
                filter_already_liked_items=exclude_seen,
                recalculate_user=self.recalculate_user,
            )
        ids, scores = _clean(ids, scores, n)
        if exclude_seen and self.pads_with_seen:
            # item-kNN returns a user's own items with score 0 when it runs out of neighbours
            return without_seen(ids, scores, user_items, n)
        return ids, scores

    def similar_items(self, item_rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        ids, scores = self.model.similar_items(item_rows, N=n + 1)
        ids, scores = _clean(ids, scores, n + 1)
        # drop each item itself from its own list
        keep = ids != np.asarray(item_rows)[:, None]
        out_ids = np.array([row[k][:n] for row, k in zip(ids, keep, strict=True)])
        out_scores = np.array([row[k][:n] for row, k in zip(scores, keep, strict=True)])
        return out_ids, out_scores


class ItemKNN(_ImplicitModel):
    name: ClassVar[str] = "item_knn"
    scores_from_history: ClassVar[bool] = True
    pads_with_seen: ClassVar[bool] = True
    parameters: ClassVar[dict[str, Param]] = {
        # 200: the validation's choice, or within noise of it, on every data set bench/defaults.py scores
        "K": Param(200, gettext_noop("Neighbours kept per item: more finds more, costs memory."), 1, 5000),
    }
    param_space: ClassVar[dict[str, list]] = {"K": [20, 50, 100, 200, 400]}

    def _make(self) -> Any:
        return CosineRecommender(K=self.params["K"])


class ItemKNNBM25(_ImplicitModel):
    name: ClassVar[str] = "item_knn_bm25"
    scores_from_history: ClassVar[bool] = True
    pads_with_seen: ClassVar[bool] = True
    parameters: ClassVar[dict[str, Param]] = {
        "K": Param(100, gettext_noop("Neighbours kept per item: more finds more, costs memory."), 1, 5000),
        "K1": Param(1.2, gettext_noop("BM25 saturation: higher lets users with many events weigh more."), 0, 10),
        "B": Param(0.75, gettext_noop("BM25 length normalisation: 0 none, 1 full."), 0, 1),
    }
    param_space: ClassVar[dict[str, list]] = {
        "K": [20, 50, 100, 200, 400],
        "K1": [0.8, 1.2, 2.0],
        "B": [0.5, 0.75, 0.9],
    }

    def _make(self) -> Any:
        return BM25Recommender(K=self.params["K"], K1=self.params["K1"], B=self.params["B"])


class ALS(_ImplicitModel):
    """Implicit-feedback ALS (Hu, Koren & Volinsky); users' recent events are folded in when ranking."""

    name: ClassVar[str] = "als"
    parameters: ClassVar[dict[str, Param]] = {
        "factors": Param(64, FACTORS, 1, 1024),
        "regularization": Param(0.05, REGULARIZATION, 0, 1000),
        "alpha": Param(2.0, gettext_noop("How much more a user's event counts than no event (confidence)."), 0, 1000),
        "iterations": Param(15, ITERATIONS, 1, 200),
        "random_state": SEED,
    }
    param_space: ClassVar[dict[str, list]] = {
        "factors": [32, 64, 128],
        "regularization": [0.01, 0.05, 0.1, 0.5],
        "alpha": [1.0, 2.0, 5.0, 10.0],
        "iterations": [10, 15, 30],
    }
    recalculate_user: ClassVar[bool] = True
    scores_from_history: ClassVar[bool] = True

    def _make(self) -> Any:
        p = self.params
        return AlternatingLeastSquares(
            factors=p["factors"],
            regularization=p["regularization"],
            alpha=p["alpha"],
            iterations=p["iterations"],
            random_state=p["random_state"],
        )


class BPR(_ImplicitModel):
    name: ClassVar[str] = "bpr"
    # `implicit`'s own defaults: they beat the 64 factors at learning rate 0.05 once shipped here on every
    # data set bench/defaults.py scores (MovieLens NDCG@10 0.165 against 0.118)
    parameters: ClassVar[dict[str, Param]] = {
        "factors": Param(100, FACTORS, 1, 1024),
        "learning_rate": Param(0.01, LEARNING_RATE, 0.0001, 1),
        "regularization": Param(0.01, REGULARIZATION, 0, 10),
        "iterations": Param(100, ITERATIONS, 1, 2000),
        "random_state": SEED,
    }
    param_space: ClassVar[dict[str, list]] = {
        "factors": [32, 64, 100, 128],
        "learning_rate": [0.01, 0.05, 0.1],
        "regularization": [0.001, 0.01, 0.1],
        "iterations": [50, 100, 200],
    }

    def _make(self) -> Any:
        p = self.params
        return BayesianPersonalizedRanking(
            factors=p["factors"],
            learning_rate=p["learning_rate"],
            regularization=p["regularization"],
            iterations=p["iterations"],
            random_state=p["random_state"],
        )
