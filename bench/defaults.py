"""Evidence for the shipped defaults, on every data set the benchmarks use.

    .venv/bin/python bench/defaults.py [--write]

Each candidate value is scored as a tuned run would choose it: on a validation split carved from the
training part by the same rule; the shipped default and the validation's choice are then scored once on
the evaluation split. Data sets: MovieLens 100K (each user's last 20% held out, and the first 80% of all
ratings by time against the rest), the Olist sample (by time: its customers rarely order twice) and the
demo marketplace (default size, each user's last 20% held out). recsite's default event weights and
decays everywhere: no data set gets a profile of its own. Candidates: item-kNN's K over its space;
BPR's shipped parameters (`implicit`'s own defaults) against the ones it shipped before. EASE's λ and the
matrix input are chosen by each run on validation instead (bench/quality.py measures that).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, SHARED_DATA, machine, write_block

sys.path.insert(0, str(ROOT))

from quality import data_sets
from train import DEFAULT_PROFILE, frames

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.evaluation import fit_and_evaluate

# BPR as recsite shipped it until its defaults were chosen here (now `implicit`'s own: 100 factors, rate 0.01)
OLD_BPR = {"factors": 64, "learning_rate": 0.05, "regularization": 0.01, "iterations": 100}


def candidates() -> dict[str, list[dict]]:
    """EASE is not here: no one λ or input held everywhere, so each run chooses them on validation."""
    knn = ALGORITHMS["item_knn"]
    return {"item_knn": [{"K": k} for k in knn.param_space["K"]], "bpr": [{}, OLD_BPR]}


def ndcg(algorithm: str, params: dict, split, users, items) -> tuple[float, int]:
    """NDCG@10 and the number of users it was averaged over."""
    evaluation = fit_and_evaluate(algorithm, params, split, users=users, items=items, **DEFAULT_PROFILE)
    return evaluation.metrics["ndcg@10"], evaluation.metrics["users"]


def label(params: dict) -> str:
    return "shipped defaults" if not params else ", ".join(f"{k}={v}" for k, v in params.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    args = parser.parse_args()
    rows = [
        "| data set | algorithm | candidate | validation NDCG@10 (users) | evaluation NDCG@10 (users) |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for title, (events, users, items), rule in data_sets(SHARED_DATA, frames):
        split = rule(events)
        validation = rule(split.train)
        for algorithm, tried in candidates().items():
            defaults = ALGORITHMS[algorithm].default_params
            scored = [(params, ndcg(algorithm, params, validation, users, items)) for params in tried]
            if not any(scored_users for _params, (_score, scored_users) in scored):
                # e.g. Olist by time: its customers rarely buy again, and never an item sold before the cut
                rows.append(f"| {title} | {algorithm} | every candidate | no user to score (0) | |")
                continue
            chosen = max(scored, key=lambda s: s[1][0])[0]
            for params, (score, scored_users) in scored:
                is_default = {**defaults, **params} == defaults
                marks = [m for m, on in (("default", is_default), ("chosen", params is chosen)) if on]
                shown = f"{label(params)} ({', '.join(marks)})" if marks else label(params)
                tested = "{:.4f} ({:,})".format(*ndcg(algorithm, params, split, users, items)) if marks else ""
                rows.append(f"| {title} | {algorithm} | {shown} | {score:.4f} ({scored_users:,}) | {tested} |")
                print(rows[-1], flush=True)
    text = "\n".join(
        [f"Command: `.venv/bin/python bench/defaults.py`. Machine: {machine()}; run {dt.date.today()}.", "", *rows]
    )
    print(text)
    if args.write:
        write_block("defaults", text)


if __name__ == "__main__":
    main()
