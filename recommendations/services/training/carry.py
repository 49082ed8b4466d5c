"""Incremental publishing: which users a new version ranks again, and whose lists it carries forward by
reference from the version before it (docs/training.md, "Incremental training").

A version that carries lists writes rows only for the users it ranked; serving looks a user up in the version
and then in those it carries from, newest first (`lineage`). A user who had a list in the version before but
has none now (every event aged out, or a model that no longer knows them) gets an empty row, which ends the
lookup there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.utils import timezone

from recommendations.engine.user_inputs import NO_LONGER_RANKED, REASONS, UserInputs, inputs_changed, user_inputs
from recommendations.models import ModelVersion, RankedInputs, lineages
from recommendations.services.training.data_load import TrainingFrames

# Why a version ranked every user (codes stored on ModelVersion.ranking; the admin words them).
FULL_RUN = "full_run"
NO_LIVE_VERSION = "no_live_version"
LINEAGE_LIMIT = "lineage_limit"
LINEAGE_AGE = "lineage_age"
NO_INPUTS = "no_inputs"
REBUILT = "rebuilt"


def lineage(version: ModelVersion) -> list[int]:
    """The version and those it carries lists from, newest first."""
    written = dict(
        ModelVersion.objects.filter(algorithm=version.algorithm, candidates_written_at__isnull=False).values_list(
            "pk", "carried_from_id"
        )
    )
    written[version.pk] = version.carried_from_id
    return lineages(written, [version.pk])[version.pk]


def carry_base(algorithm: str) -> tuple[ModelVersion | None, str]:
    """The live version whose lists a new version of `algorithm` may carry, or None and why every user is
    ranked instead."""
    live = ModelVersion.objects.filter(algorithm=algorithm, is_live=True, candidates_written_at__isnull=False).first()
    if live is None:
        return None, NO_LIVE_VERSION
    chain = lineage(live)
    if len(chain) >= settings.TRAINING_CARRY_MAX_VERSIONS:
        return None, LINEAGE_LIMIT
    oldest = ModelVersion.objects.values_list("published_at", flat=True).get(pk=chain[-1])
    if timezone.now() - oldest >= dt.timedelta(days=settings.TRAINING_RERANK_ALL_DAYS):
        return None, LINEAGE_AGE
    return live, ""  # one that kept no inputs carries nothing: ranking_plan reads them and says NO_INPUTS


@dataclass
class RankingPlan:
    """Whom a version ranks: `rank` user keys (all of them when it carries nothing), `retire` user keys whose
    carried list stops serving, `inputs` to store for the next run, `summary` for the admin."""

    rank: np.ndarray
    retire: np.ndarray
    inputs: UserInputs
    summary: dict = field(default_factory=dict)


def ranking_plan(
    rankable: np.ndarray, frames: TrainingFrames, base: ModelVersion | None, full_reason: str = FULL_RUN
) -> RankingPlan:
    """Which of the `rankable` user keys (those the model can rank) to rank, carrying the rest from `base`."""
    inputs = user_inputs(frames.events, frames.users).only(rankable)
    stored = RankedInputs.objects.filter(version=base).values_list("records", flat=True).first() if base else None
    if stored is None:
        return RankingPlan(
            rank=rankable,
            retire=np.zeros(0, dtype=np.int64),
            inputs=inputs,
            summary={"ranked": len(rankable), "carried": 0, "full": full_reason if base is None else NO_INPUTS},
        )
    changed = inputs_changed(UserInputs.unpack(bytes(stored)), inputs)
    rank = np.unique(np.concatenate([changed[r] for r in REASONS if r != NO_LONGER_RANKED]))
    # an empty row ends the lookup for a user the base ranked; one deleted since has no rows left to end
    retire = changed[NO_LONGER_RANKED][np.isin(changed[NO_LONGER_RANKED], frames.users.index.to_numpy())]
    return RankingPlan(
        rank=rank,
        retire=retire,
        inputs=inputs,
        summary={
            "ranked": len(rank),
            "carried": len(rankable) - len(rank),
            "retired": len(retire),
            "reasons": {reason: len(changed[reason]) for reason in REASONS},
            "carried_from": base.pk,
        },
    )
