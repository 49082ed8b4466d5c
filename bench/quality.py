"""Recommender quality on every benchmark split, shipped defaults only, each beside the bare libraries.

Imported by bench/train.py (section `quality`). Per split: popularity; bare `implicit` ALS, BPR, cosine and
BM25 item-kNN with library defaults on the 0/1 matrix, and a bare EASE (0/1 matrix, λ 500, every item) —
what a team gets out of the box; then every recsite algorithm as a nightly run fits it: recsite's own event
weights and decays, the matrix input (and EASE's λ) chosen on a validation split carved from the training
part, then fitted on the whole training part and scored once on the evaluation split. No data set gets a
profile of its own. Differences are paired over users, with 95% bootstrap intervals.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.evaluation import held_out
from recommendations.engine.interactions import MatrixInput, TrainingData, training_data
from recommendations.engine.matrix_input import choose_on_validation
from recommendations.engine.metrics import paired_bootstrap, ranking_metrics, user_metrics
from recommendations.engine.split import Split, last_interactions_split, time_cut_split

RECSITE_MODELS = ["segment_popularity", "item_knn", "item_knn_bm25", "als", "bpr", "ease", "lightfm"]
RANKER = "ranker"  # the second stage, compared with the best of RECSITE_MODELS
BARE_EASE_L2 = 500.0  # Steck's own notebook value


def data_sets(shared_data, frames: Callable) -> Iterator[tuple[str, tuple, Callable[[pd.DataFrame], Split]]]:
    """(title, (events, users, items), split rule) of every data set the quality benchmarks use."""
    from recommendations.demo_data.generator import DemoSize, generate
    from recommendations.demo_data.public_datasets import movielens_100k, olist

    ml = frames(movielens_100k(shared_data / "ml-100k"))
    yield "MovieLens 100K, each user's last 20%", ml, last_interactions_split
    yield "MovieLens 100K, last 20% of all ratings by time", ml, time_cut_split
    yield "Olist sample, last 20% of orders by time", frames(olist(shared_data / "olist")), time_cut_split
    demo = frames(generate(DemoSize(), seed=42, end=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)))
    yield "demo marketplace, each user's last 20%", demo, last_interactions_split


class Scored:
    """One model's top 10 on the evaluation split: its metrics, and NDCG@10 per user id for paired comparisons."""

    def __init__(self, recommended: np.ndarray, train: TrainingData, split: Split, users: np.ndarray) -> None:
        relevant = held_out(train, split)[0][users]
        self.metrics = ranking_metrics(recommended, relevant, n_items=len(train.item_ids))
        per_user = user_metrics(recommended, relevant)
        self.ndcg = pd.Series(per_user["ndcg"], index=train.user_ids[users][per_user["rows"]])


def bare_models(train: TrainingData, split: Split) -> Iterator[tuple[str, float, Scored]]:
    """Library defaults on the 0/1 matrix, and a bare EASE: (name, fit seconds, scored)."""
    import implicit
    from threadpoolctl import threadpool_limits

    binary = train.matrix.copy()
    binary.data[:] = 1.0
    users = held_out(train, split)[1]
    for name, make in [
        ("bare implicit ALS (defaults)", lambda: implicit.als.AlternatingLeastSquares(random_state=42)),
        ("bare implicit BPR (defaults)", lambda: implicit.bpr.BayesianPersonalizedRanking(random_state=42)),
        ("bare implicit cosine item-kNN (defaults)", implicit.nearest_neighbours.CosineRecommender),
        ("bare implicit BM25 item-kNN (defaults)", implicit.nearest_neighbours.BM25Recommender),
    ]:
        with threadpool_limits(1, "blas"):
            model = make()
            started = time.perf_counter()
            model.fit(binary, show_progress=False)
            seconds = time.perf_counter() - started
            ids, _ = model.recommend(users, binary[users], N=10, filter_already_liked_items=True)
        yield name, seconds, Scored(np.asarray(ids), train, split, users)
    started = time.perf_counter()
    gram = (binary.T @ binary).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += BARE_EASE_L2
    p = np.linalg.inv(gram)
    weights = p / -np.diag(p)
    weights[np.diag_indices_from(weights)] = 0.0
    seconds = time.perf_counter() - started
    scores = np.asarray(binary[users] @ weights)
    scores[binary[users].nonzero()] = -np.inf
    ids = np.argsort(-scores, axis=1)[:, :10]
    yield f"bare EASE (0/1 matrix, λ {BARE_EASE_L2:g})", seconds, Scored(ids, train, split, users)


def recsite_model(
    name: str,
    split: Split,
    validation: Split,
    configured: MatrixInput,
    users: pd.DataFrame,
    items: pd.DataFrame,
    rule: Callable[[pd.DataFrame], Split],
) -> tuple[float, Scored, str]:
    """A nightly run's fit: choose on validation, fit on the training part; (seconds in all, scored, choice)."""
    started = time.perf_counter()
    if ALGORITHMS[name].chooses_input:
        choice = choose_on_validation(name, {}, validation, configured, users=users, items=items)
        params, matrix_input, chosen = choice.params, choice.input, choice.input_name
    else:  # the ranker: its learning split is carved by the rule the evaluation holds out by, as validation is
        params, matrix_input = {"carve": "by_time" if rule is time_cut_split else "each_user"}, configured
        chosen = f"carve={params['carve']}"
    train = training_data(split.train, users=users, items=items, **matrix_input.options())
    model = ALGORITHMS[name](**params)
    model.fit(train)
    seconds = time.perf_counter() - started
    ranked = held_out(train, split)[1]
    recommended, _scores = model.recommend(ranked, train.matrix[ranked], 10)
    if ALGORITHMS[name].chooses_input:
        described = ", ".join(f"{k}={v:g}" for k, v in params.items())
        chosen += f"; {described}" if described else ""
    return seconds, Scored(recommended, train, split, ranked), chosen


def row(name: str, seconds: float, m: dict, chosen: str = "") -> str:
    return (
        f"| {name} | {chosen} | {seconds:.2f} | {m['precision@10']:.4f} | {m['recall@10']:.4f} | {m['ndcg@10']:.4f} "
        f"| {m['map@10']:.4f} | {m['coverage']:.3f} |"
    )


def compared(a: Scored, b: Scored) -> str:
    common = a.ndcg.index.intersection(b.ndcg.index)
    p = paired_bootstrap(a.ndcg[common].to_numpy(), b.ndcg[common].to_numpy())
    return (
        f"{p.ratio:.2f}x [{p.ratio_low:.2f}, {p.ratio_high:.2f}], "
        f"difference {p.difference:+.4f} [{p.low:+.4f}, {p.high:+.4f}]"
    )


def quality_table(title: str, events: pd.DataFrame, users, items, rule, configured: MatrixInput) -> list[str]:
    split, out = rule(events), [f"**{title}**", ""]
    validation = rule(split.train)
    base = training_data(split.train, users=users, items=items, **configured.options())
    if not len(held_out(base, split)[1]):
        return [*out, "No user to score: nobody with training events has held-out items new to them.", ""]
    out += [
        "| model | input chosen on validation | s (choice + fit) | P@10 | R@10 | NDCG@10 | MAP@10 | coverage |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    popularity = ALGORITHMS["popularity"]()
    started = time.perf_counter()
    popularity.fit(base)
    ranked = held_out(base, split)[1]
    recommended, _ = popularity.recommend(ranked, base.matrix[ranked], 10)
    popular = Scored(recommended, base, split, ranked)
    out.append(row("popularity (baseline)", time.perf_counter() - started, popular.metrics))
    bare: dict[str, Scored] = {}
    for name, seconds, scored in bare_models(base, split):
        bare[name] = scored
        out.append(row(name, seconds, scored.metrics))
        print(out[-1], flush=True)
    ours: dict[str, Scored] = {}
    for name in [*RECSITE_MODELS, RANKER]:
        seconds, scored, chosen = recsite_model(name, split, validation, configured, users, items, rule)
        ours[name] = scored
        out.append(row(f"recsite {name}", seconds, scored.metrics, chosen))
        print(out[-1], flush=True)
    ndcg = lambda s: s.metrics["ndcg@10"]  # noqa: E731
    best = max((n for n in ours if n != RANKER), key=lambda n: ndcg(ours[n]))
    best_implicit = max((n for n in bare if "implicit" in n), key=lambda n: ndcg(bare[n]))
    bare_ease = next(n for n in bare if "EASE" in n)
    out += [
        "",
        f"Best recsite model: {best}, NDCG@10 {ndcg(ours[best]):.4f} over {ours[best].metrics['users']:,} users. "
        f"Against the best bare `implicit` model ({best_implicit}, {ndcg(bare[best_implicit]):.4f}): "
        f"{compared(ours[best], bare[best_implicit])}. Against the bare EASE ({ndcg(bare[bare_ease]):.4f}): "
        f"{compared(ours[best], bare[bare_ease])}. Brackets: 95% intervals, users resampled (paired).",
        "",
        f"The ranker, NDCG@10 {ndcg(ours[RANKER]):.4f}: against the best single model ({best}) "
        f"{compared(ours[RANKER], ours[best])}; against the best bare `implicit` model "
        f"{compared(ours[RANKER], bare[best_implicit])}; against popularity "
        f"{compared(ours[RANKER], popular)}.",
        "",
    ]
    return out


def quality(shared_data, frames: Callable, configured: MatrixInput) -> str:
    """Every data set's table and comparison, as Markdown."""
    lines: list[str] = []
    for title, (events, users, items), rule in data_sets(shared_data, frames):
        lines += quality_table(title, events, users, items, rule, configured)
    return "\n".join(lines).rstrip()
