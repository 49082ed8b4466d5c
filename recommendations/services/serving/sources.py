"""Step 2 of the pipeline: each algorithm of the variant's chain, and the list it has for this user."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from recommendations.engine.algorithms.popularity import GLOBAL, segment_path
from recommendations.integrations import personalize as gateway
from recommendations.services.serving import reads
from recommendations.services.serving.request_filter import NO_FILTER, RequestFilter
from recommendations.services.serving.state import ServingState
from recommendations.services.serving.steps import Trace

POPULARITY_ALGORITHMS = {"segment_popularity", "popularity", "trending"}
PERSONALIZE = "personalize"
PERSONALIZE_RESULTS = 200


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
    user_id: str = "",
    filters: RequestFilter = NO_FILTER,
) -> list[Source]:
    """Each chain entry's list for this user, in chain order; the trace says why an entry had none."""
    sources, missing = [], []
    for algorithm in chain:
        if algorithm == PERSONALIZE and state.user_list(PERSONALIZE, lists) is None:
            # no batch list for this user: ask the campaign in real time
            source, why = personalize_source(slot, user_id, state, filters)
            if source is not None:
                sources.append(source)
            else:
                missing.append(f"personalize: {why}")
            continue
        version = state.live_versions.get(algorithm)
        found = state.user_list(algorithm, lists)
        if found is not None and version is not None:
            list_version, keys, scores = found
            label = f"{algorithm} v{version}"
            if list_version != version:  # the user's data has not changed since that version ranked them
                label = _("%(algorithm)s v%(version)s (list carried from v%(from)s)") % {
                    "algorithm": algorithm,
                    "version": version,
                    "from": list_version,
                }
            sources.append(Source(algorithm, keys, scores, version, label))
            continue
        if algorithm in POPULARITY_ALGORITHMS and state.segment_version is not None:
            path = segments if algorithm == "segment_popularity" else [GLOBAL]
            for segment in reversed(path):
                if (slot, segment) in state.segment_lists:
                    keys, scores = state.segment_lists[(slot, segment)]
                    label = _("%(algorithm)s (segment %(segment)s, v%(version)s)") % {
                        "algorithm": algorithm,
                        "segment": segment,
                        "version": state.segment_version,
                    }
                    sources.append(Source(algorithm, keys, scores, state.segment_version, label))
                    break
            else:
                missing.append(_("%(algorithm)s: no segment list") % {"algorithm": algorithm})
            continue
        if version is None:
            missing.append(_("%(algorithm)s: no live version") % {"algorithm": algorithm})
        elif segments == [GLOBAL]:  # only for a user recsite does not know
            missing.append(_("%(algorithm)s: user unknown") % {"algorithm": algorithm})
        else:
            missing.append(
                _("%(algorithm)s: user not in v%(version)s (no events before it was trained)")
                % {"algorithm": algorithm, "version": version}
            )
    used = " -> ".join(s.label for s in sources) or _("nothing")
    text = _("chain %(chain)s; lists: %(used)s") % {"chain": " -> ".join(chain), "used": used}
    if missing:
        text += "; " + _("skipped %(missing)s") % {"missing": "; ".join(missing)}
    trace.step("candidates", text)
    return sources


def personalize_source(
    slot: str, user_id: str, state: ServingState, filters: RequestFilter = NO_FILTER
) -> tuple[Source | None, str]:
    """The Personalize campaign's list for the user, or None and why (no campaign, timeout, throttling,
    error: each counted, and the chain goes on to its next algorithm). The request's filters go along as the
    active filter's values where it has placeholders for them; recsite applies every filter again anyway."""
    if slot != "items":
        return None, _("serves the items slot only")
    if not state.personalize_campaign:
        return None, _("no active campaign")
    started = time.perf_counter()
    try:
        ranked = gateway.recommendations_get(
            state.personalize_campaign,
            user_id,
            PERSONALIZE_RESULTS,
            state.personalize_filter,
            filters.personalize_values() if filters and state.personalize_filter_takes_values else None,
        )
    except gateway.PersonalizeUnavailable as exc:  # the app gets a list whatever AWS does
        return None, _fell_back(exc.reason, started)
    keys = reads.item_keys_of([item for item, _score in ranked])
    pairs = [(keys[item], score) for item, score in ranked if item in keys]
    if not pairs:
        return None, _("returned no item recsite knows")
    return (
        Source(
            PERSONALIZE,
            np.array([k for k, _s in pairs], dtype=np.int64),
            np.array([s for _k, s in pairs], dtype=np.float32),
            None,
            f"personalize ({len(pairs)} items, {1000 * (time.perf_counter() - started):.0f} ms)",
        ),
        "",
    )


def _fell_back(reason: str, started: float) -> str:
    """Why the chain went on without Personalize, with how long it took (the gateway counts the error, the
    pipeline the fallback: recsite_personalize_errors, recsite_recommendation_fallbacks)."""
    return _("%(reason)s after %(ms)s ms, fell back") % {
        "reason": reason,
        "ms": f"{1000 * (time.perf_counter() - started):.0f}",
    }
