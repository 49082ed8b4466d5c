"""Step 2 of the pipeline: each algorithm of the variant's chain, and the list it has for this user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from recommendations.engine.algorithms.popularity import GLOBAL, segment_path
from recommendations.services.serving import reads
from recommendations.services.serving.state import ServingState
from recommendations.services.serving.steps import Trace

POPULARITY_ALGORITHMS = {"segment_popularity", "popularity", "trending"}


@dataclass
class Source:
    algorithm: str
    keys: np.ndarray
    scores: np.ndarray
    version: int | None
    label: str


def user_segments(user: reads.UserRow | None, now: dt.datetime) -> list[str]:
    """The user's segments, coarsest ('all') first; only 'all' for a user recsite does not know."""
    if user is None:
        return [GLOBAL]
    return segment_path({"gender": user.gender, "birth_year": user.birth_year, "region": user.region}, now.year)


def chain_sources(
    slot: str,
    chain: list[str],
    segments: list[str],
    lists: dict[int, tuple[np.ndarray, np.ndarray]],
    state: ServingState,
    trace: Trace,
) -> list[Source]:
    """Each chain entry's list for this user, in chain order; the trace says why an entry had none."""
    sources, missing = [], []
    for algorithm in chain:
        version = state.live_versions.get(algorithm)
        if version is not None and version in lists:
            keys, scores = lists[version]
            sources.append(Source(algorithm, keys, scores, version, f"{algorithm} v{version}"))
            continue
        if algorithm in POPULARITY_ALGORITHMS and state.segment_version is not None:
            path = segments if algorithm == "segment_popularity" else [GLOBAL]
            for segment in reversed(path):
                if (slot, segment) in state.segment_lists:
                    keys, scores = state.segment_lists[(slot, segment)]
                    label = f"{algorithm} (segment {segment}, v{state.segment_version})"
                    sources.append(Source(algorithm, keys, scores, state.segment_version, label))
                    break
            else:
                missing.append(f"{algorithm}: no segment list")
            continue
        if version is None:
            missing.append(f"{algorithm}: no live version")
        elif segments == [GLOBAL]:  # only for a user recsite does not know
            missing.append(f"{algorithm}: user unknown")
        else:
            missing.append(f"{algorithm}: user not in v{version} (no events before it was trained)")
    used = " -> ".join(s.label for s in sources) or "nothing"
    trace.step(
        "candidates",
        f"chain {' -> '.join(chain)}; lists: {used}" + (f"; skipped {'; '.join(missing)}" if missing else ""),
    )
    return sources
