"""The processes bench/scale.py starts: one per algorithm fit and one for the pipeline run, so each one's
peak memory is its own and a run past the time limit can be stopped.

    .venv/bin/python bench/scale_processes.py fit NAME FRAMES_PICKLE RANK_USERS PARAMS_JSON
    .venv/bin/python bench/scale_processes.py pipeline ALGORITHM

Each prints its figures as one JSON line.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, setup_django

BARE_ALS = "bare implicit ALS"


def peak_mb() -> float:
    """This process's peak resident memory since it started (VmHWM: getrusage's figure would include the
    memory of the parent it was forked from)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def fit_child(name: str, frames_path: str, rank_users: int, params: dict) -> dict:
    """In its own process: matrix, fit and a ranking sample of one algorithm; its figures as a dict."""
    import numpy as np

    from recommendations.engine.algorithms import ALGORITHMS
    from recommendations.engine.interactions import training_data
    from recommendations.services.training.candidates.writing import UserRanking

    with open(frames_path, "rb") as f:
        (events, users, items, now), options, candidates = pickle.load(f)
    out = {"loaded_mb": peak_mb()}
    started = time.perf_counter()
    data = training_data(events, users=users, items=items, now=now, **options)
    out["matrix_s"] = time.perf_counter() - started
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    if name == BARE_ALS:
        import implicit
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, "blas"):
            model = implicit.als.AlternatingLeastSquares(**{**ALGORITHMS["als"].default_params, "random_state": 42})
            model.fit(data.matrix, show_progress=False)
            out["fit_s"] = time.perf_counter() - started
            rows = np.flatnonzero(data.matrix.getnnz(axis=1) > 0)
            sample = np.sort(rng.choice(rows, min(rank_users, len(rows)), replace=False))
            started = time.perf_counter()
            model.recommend(sample, data.matrix[sample], N=candidates, recalculate_user=True)
    else:
        model = ALGORITHMS[name](**params)
        model.fit(data)
        out["fit_s"] = time.perf_counter() - started
        out["items_ranked"] = len(getattr(model, "kept", model.item_ids))  # EASE scores only the items it kept
        out["fit_report"] = model.fit_report  # e.g. LightFM's passes and why it stopped
        # ranked as the candidates writer ranks them: its users, its columns, its blocks
        ranking = UserRanking(model, SimpleNamespace(full=data), items)
        rows = ranking.rows
        sample = np.sort(rng.choice(rows, min(rank_users, len(rows)), replace=False))
        ranking.only(ranking.user_keys[sample])
        started = time.perf_counter()
        for _block in ranking.ranked():
            pass
    out["rank_sample_s"] = time.perf_counter() - started
    out["rank_all_s"] = out["rank_sample_s"] * len(rows) / max(1, len(sample))
    out.update(ranked_users=len(rows), sample=len(sample), peak_mb=peak_mb())
    return out


def pipeline_child(algorithm: str) -> dict:
    """In its own process: one full training run, as the nightly worker runs it."""
    from recommendations.models import ModelVersion
    from recommendations.services.training.pipeline import training_run_create, training_run_execute

    started = time.perf_counter()
    run = training_run_execute(training_run_create(algorithm=algorithm, trigger="command").pk)
    seconds = time.perf_counter() - started
    if run.status != "succeeded":
        return {"error": run.error or run.publish_note, "seconds": seconds}
    version = ModelVersion.objects.filter(run=run).first()
    if version is None:  # the publish guard kept it back: no lists were written
        return {"error": f"not published: {run.publish_note}", "seconds": seconds}
    return {
        "seconds": seconds,
        "timings": run.timings,
        "ranking": version.ranking,
        "peak_mb": peak_mb(),
        "published": version.is_live,
        "note": run.publish_note,
    }


def child(args: list[str], limit: float) -> dict:
    """Run this script with `args` and read its one JSON line; a process past `limit` is stopped."""
    try:
        done = subprocess.run(
            [sys.executable, __file__, *args], capture_output=True, text=True, timeout=limit, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        return {"timeout": limit}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["exit " + str(done.returncode)])[-1]}
    return json.loads(lines[-1])


def main() -> None:
    kind, *rest = sys.argv[1:]
    setup_django(fresh=False)  # the fit ranks through the candidates writer, which reads the settings
    if kind == "fit":
        name, path, rank_users, params = rest
        print(json.dumps(fit_child(name, path, int(rank_users), json.loads(params))))
    else:
        print(json.dumps(pipeline_child(rest[0])))


if __name__ == "__main__":
    main()
