"""A second stage that ranks the union of every source's candidates with LightGBM's lambdarank (issue 21).

The sources are recsite's own models, each on the matrix input that suits it, popularity and trending, and the
co-visitation neighbours of the user's latest items.
To learn how much to trust each source for which user and item, the ranker carves a split from its own
training data (each user's last 20% of events held back, the rule the evaluation uses), fits the sources on
the rest, and learns to put the held-back items first among the candidates: a held-back purchase counts for
more than a held-back view. It then fits the sources again on all its data and ranks with those. Every
feature is a rank, a score standardised within the user's list, or a figure measured at the data's `now`, so
what it learnt on the carved split reads the same on the full one.
"""

from __future__ import annotations

import os
import time
from typing import ClassVar, NamedTuple

import lightgbm
import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommendations.engine.algorithms.base import USER_BLOCK, Recommender
from recommendations.engine.algorithms.ease import EASE
from recommendations.engine.algorithms.implicit_models import ALS, ItemKNNBM25
from recommendations.engine.algorithms.parameters import LEARNING_RATE, SEED, Param, gettext_noop
from recommendations.engine.algorithms.popularity import GlobalPopularity, TrendingPopularity
from recommendations.engine.interactions import POSITIVE_TYPES, TrainingData, input_candidates, training_data
from recommendations.engine.ranking.candidates import Candidates, candidate_union
from recommendations.engine.ranking.features import Context, context_of, pair_features
from recommendations.engine.ranking.recent_items import RecentCovisitation
from recommendations.engine.split import last_interactions_split, time_cut_split

# source name: (model, its parameters, the input it is fitted on as engine/matrix_input.py names it). EASE twice:
# no one input and λ wins on every data set (issue 20), and the ranker learns which to trust when. A third EASE
# (configured weights, λ 2,500) cost a third more time and moved no figure in BENCHMARKS.md.
SOURCES: dict[str, tuple[type[Recommender], dict, str]] = {
    "ease_equal": (EASE, {"l2": 100.0}, "equal_weights"),
    "ease_binary": (EASE, {"l2": 500.0}, "binary"),
    "als": (ALS, {}, "equal_weights"),
    "item_knn_bm25": (ItemKNNBM25, {}, "equal_weights"),
    "popularity": (GlobalPopularity, {}, "configured"),
    "trending": (TrendingPopularity, {}, "configured"),
    "recent_covisitation": (RecentCovisitation, {}, "configured"),
}
# how the learning split is carved from the training data: as the evaluation holds out (each user's last
# events), or as a global cut in time (the first 80% of all events learn, the rest are held back)
CARVES = {"each_user": last_interactions_split, "by_time": time_cut_split}


class LearningSet(NamedTuple):
    """One carved split's lists, ready for LightGBM, and what its report counts."""

    sizes: np.ndarray  # candidates per user list kept (lists with a held-back item among them)
    features: np.ndarray
    grades: np.ndarray
    found: int  # held-back items among the candidates
    held: int  # held-back items of the users sampled
    asked: int  # users sampled


def source_top(
    sources: dict[str, Recommender], histories: dict[str, sp.csr_matrix], name: str, user_rows: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Source `name`'s top n for `user_rows`, ranked from the history of the input it was fitted on."""
    return sources[name].recommend(user_rows, histories[SOURCES[name][2]][user_rows], n)


class LearnedRanker(Recommender):
    """LightGBM lambdarank over the candidates of every source in SOURCES."""

    name: ClassVar[str] = "ranker"
    parameters: ClassVar[dict[str, Param]] = {
        "depth": Param(50, gettext_noop("Candidates taken from each source for each user."), 5, 1000),
        "trees": Param(300, gettext_noop("Most boosting rounds of the ranking model."), 10, 5000),
        "leaves": Param(7, gettext_noop("Leaves per tree: more learns finer rules, and over-fits sooner."), 2, 1024),
        "learning_rate": Param(0.02, LEARNING_RATE, 0.001, 1),
        "min_child_samples": Param(
            100, gettext_noop("Fewest candidates a rule may rest on: higher guards against noise."), 1, 10**6
        ),
        "training_users": Param(
            5000, gettext_noop("Most users whose held-back events the ranking model learns from."), 10, 10**7
        ),
        "carves": Param(
            3,
            gettext_noop("Most held-back splits learnt from, each carved from the one before, until enough users."),
            1,
            5,
        ),
        "carve": Param(
            "each_user",
            gettext_noop("How the learning split is held back: each user's last events, or the last of all by time."),
            choices=tuple(CARVES),
        ),
        "threads": Param(0, gettext_noop("CPU threads used to train (0: every core)."), 0, 64),
        "seed": SEED,
    }
    param_space: ClassVar[dict[str, list]] = {
        "depth": [30, 50, 100],
        "trees": [150, 300, 600],
        "leaves": [7, 15, 31],
        "learning_rate": [0.02, 0.05],
        "min_child_samples": [50, 100, 300],
    }
    # it weighs events itself: each source fits on its own input, and the labels grade by event type
    chooses_input: ClassVar[bool] = False

    def _fit(self, data: TrainingData) -> None:
        started = time.perf_counter()
        sets, events = [], data.events
        wanted = int(self.params["training_users"])
        # each carve fits every source again: stop carving once enough users' lists are gathered
        while len(sets) < int(self.params["carves"]) and sum(s.asked for s in sets) < wanted:
            carved = CARVES[self.params["carve"]](events)
            if not len(carved.test):
                break
            sets.append(self._learning_set(carved.train, events, data))
            events = carved.train
        if not sets:
            raise ValueError("ranker: no user has events to hold back; nothing to learn from")
        sizes = np.concatenate([s.sizes for s in sets])
        grades = np.concatenate([s.grades for s in sets])
        self.model = self._learn(sizes, np.concatenate([s.features for s in sets]), grades)
        learnt = time.perf_counter() - started
        self.sources, self.histories = self._sources(data)
        self.context = context_of(data)
        importance = self.model.booster_.feature_importance(importance_type="gain")
        total = max(float(importance.sum()), 1e-12)
        self.fit_report = {
            "learning_lists": len(sizes),
            "candidates_per_list": round(len(grades) / max(len(sizes), 1), 1),
            "held_back_found": round(sum(s.found for s in sets) / max(sum(s.held for s in sets), 1), 4),
            "trees": int(self.model.booster_.num_trees()),
            "learn_seconds": round(learnt, 3),
            "feature_importance": {
                name: round(float(value) / total, 4)
                for name, value in sorted(
                    zip(self.feature_names(self.context), importance, strict=True), key=lambda p: -p[1]
                )
            },
        }

    def _learning_set(self, before: pd.DataFrame, events: pd.DataFrame, data: TrainingData) -> LearningSet:
        """The lists of one split carved from `events` (`before`: what it learns from)."""
        inner = training_data(
            before, users=data.users, items=data.items, now=before["occurred_at"].max(), **data.input.options()
        )
        labels = self._labels(inner, events, data.input.weights)
        users = self._learning_users(labels)
        sources, histories = self._sources(inner)
        candidates = self._candidates(sources, histories, users)
        features = self._features(candidates, context_of(inner), users, histories)
        grades = np.asarray(labels[users[candidates.users], candidates.items]).ravel()
        sizes = candidates.group_sizes()
        starts = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
        useful = np.add.reduceat(grades > 0, starts) > 0 if len(grades) else np.zeros(0, bool)
        keep = np.repeat(useful, sizes)
        found, held = int((grades > 0).sum()), int(labels[users].nnz)
        return LearningSet(sizes[useful], features[keep], grades[keep], found, held, len(users))

    def feature_names(self, context: Context) -> list[str]:
        """The columns `_features` builds, in order."""
        per_source = [f"{s}_rank" for s in SOURCES] + [f"{s}_score" for s in SOURCES]
        return [*per_source, "sources", *context.names]

    def _labels(self, inner: TrainingData, events: pd.DataFrame, weights: dict[str, float]) -> sp.csr_matrix:
        """Grades of the carved-off events new to each user, in `inner`'s rows and columns: each kind of event
        ranked by its configured weight (view 1, favorite 2, cart 3, purchase 4 with the shipped weights)."""
        weights = weights or dict.fromkeys(POSITIVE_TYPES, 1.0)
        order = sorted({w for w in weights.values() if w > 0})
        grade = {kind: order.index(w) + 1 for kind, w in weights.items() if w > 0}
        events = events[events["type"].isin(list(grade))]
        rows = pd.Index(inner.user_ids).get_indexer(events["user_id"])
        cols = pd.Index(inner.item_ids).get_indexer(events["item_id"])
        keep = (rows >= 0) & (cols >= 0)
        values = events["type"].map(grade).to_numpy(dtype=np.float32)[keep]
        pairs = pd.DataFrame({"r": rows[keep], "c": cols[keep], "g": values}).groupby(["r", "c"])["g"].max()
        graded = sp.csr_matrix(
            (pairs.to_numpy(), (pairs.index.get_level_values(0), pairs.index.get_level_values(1))),
            shape=inner.matrix.shape,
        )
        seen = inner.matrix.copy()
        seen.data[:] = 1.0
        graded = graded - graded.multiply(seen)  # only items new to the user are learnt from
        graded.eliminate_zeros()
        return graded

    def _learning_users(self, labels: sp.csr_matrix) -> np.ndarray:
        """Rows with held-back items, at most `training_users` of them (a seeded sample)."""
        users = np.flatnonzero(labels.getnnz(axis=1) > 0)
        limit = int(self.params["training_users"])
        if len(users) > limit:
            users = np.sort(np.random.default_rng(self.params["seed"]).choice(users, limit, replace=False))
        return users

    def _sources(self, data: TrainingData) -> tuple[dict[str, Recommender], dict[str, sp.csr_matrix]]:
        """Every source fitted on its own input of `data`, and those inputs' matrices (users' histories)."""
        inputs = input_candidates(data.input)
        histories: dict[str, sp.csr_matrix] = {}
        sources: dict[str, Recommender] = {}
        for name, (model_class, params, input_name) in SOURCES.items():
            own = data.reweighed(inputs.get(input_name, data.input))
            histories.setdefault(input_name, own.matrix)
            model = model_class(**params)
            model.fit(own)
            sources[name] = model
        return sources, histories

    def _candidates(
        self, sources: dict[str, Recommender], histories: dict[str, sp.csr_matrix], user_rows: np.ndarray
    ) -> Candidates:
        depth = int(self.params["depth"])
        lists = {name: source_top(sources, histories, name, user_rows, depth) for name in SOURCES}
        return candidate_union(lists, next(iter(histories.values())).shape[1])

    def _features(
        self, candidates: Candidates, context: Context, user_rows: np.ndarray, histories: dict[str, sp.csr_matrix]
    ) -> np.ndarray:
        ranks = [candidates.ranks[s] for s in SOURCES]
        depth = float(self.params["depth"])
        columns = [*ranks, *(candidates.scores[s] for s in SOURCES), np.sum(np.vstack(ranks) < depth, axis=0)]
        history = histories["configured"][user_rows]
        pairs = pair_features(context, user_rows, history, candidates.users, candidates.items)
        return np.column_stack([np.column_stack(columns), pairs]).astype(np.float32)

    def _learn(self, sizes: np.ndarray, features: np.ndarray, grades: np.ndarray) -> lightgbm.LGBMRanker:
        if not len(sizes):
            raise ValueError("ranker: no held-back item is among any user's candidates; nothing to learn from")
        model = lightgbm.LGBMRanker(
            objective="lambdarank",
            n_estimators=int(self.params["trees"]),
            num_leaves=int(self.params["leaves"]),
            learning_rate=float(self.params["learning_rate"]),
            min_child_samples=int(self.params["min_child_samples"]),
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            random_state=int(self.params["seed"]),
            n_jobs=int(self.params["threads"]) or os.cpu_count() or 1,
            verbose=-1,
        )
        model.fit(features, grades.astype(np.int32), group=sizes)
        return model

    def blended_lists(self, user_rows: np.ndarray, n: int) -> dict[str, np.ndarray]:
        """Each source's own top n, as the sources rank them from their histories."""
        return {name: source_top(self.sources, self.histories, name, user_rows, n)[0] for name in self.sources}

    def recommend(
        self, user_rows: np.ndarray, user_items: sp.csr_matrix, n: int, *, exclude_seen: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each user's candidates from every source, ordered by the learnt model, then the first source's own
        ranking where that leaves the list short; the sources leave out what the user has seen. `user_items` is
        not read: the sources rank from the histories each was fitted on."""
        out_ids = np.full((len(user_rows), n), -1, dtype=np.int64)
        out_scores = np.full((len(user_rows), n), -np.inf, dtype=np.float32)
        for start in range(0, len(user_rows), USER_BLOCK):
            rows = np.asarray(user_rows[start : start + USER_BLOCK])
            candidates = self._candidates(self.sources, self.histories, rows)
            if not len(candidates):
                continue
            predicted = self.model.booster_.predict(self._features(candidates, self.context, rows, self.histories))
            order = np.lexsort((-predicted, candidates.users))
            users, items, values = candidates.users[order], candidates.items[order], predicted[order]
            first = np.searchsorted(users, users, side="left")
            position = np.arange(len(users)) - first
            top = position < n
            out_ids[start + users[top], position[top]] = items[top]
            out_scores[start + users[top], position[top]] = values[top]
            self._fill(rows, out_ids[start : start + len(rows)], out_scores[start : start + len(rows)])
        return out_ids, out_scores

    def _fill(self, rows: np.ndarray, ids: np.ndarray, scores: np.ndarray) -> None:
        """Lists the candidates leave short of n go on with the first source's own ranking, below every
        candidate the model scored, so a full list is written (in place) wherever that source knows enough."""
        counts = (ids >= 0).sum(axis=1)
        short = np.flatnonzero(counts < ids.shape[1])
        if not len(short):
            return
        name = next(iter(SOURCES))
        deeper, _values = source_top(self.sources, self.histories, name, rows[short], ids.shape[1])
        for row, more in zip(short, deeper, strict=True):
            have = counts[row]
            more = more[(more >= 0) & ~np.isin(more, ids[row, :have])][: ids.shape[1] - have]
            floor = scores[row, have - 1] if have else 0.0
            ids[row, have : have + len(more)] = more
            scores[row, have : have + len(more)] = floor - 1.0 - np.arange(len(more), dtype=np.float32)
