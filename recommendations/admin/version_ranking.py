"""How the run and version pages word whom a version ranked (ModelVersion.ranking, training/carry.py)."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

# Why a version ranked every user, and why an incremental one ranked a user again (ModelVersion.ranking).
FULL_REASONS = {
    "full_run": gettext_lazy("a full run ranks every user"),
    "no_live_version": gettext_lazy("there was no live version to carry lists from"),
    "lineage_limit": gettext_lazy("the live version already read lists through TRAINING_CARRY_MAX_VERSIONS versions"),
    "lineage_age": gettext_lazy("its oldest carried list was TRAINING_RERANK_ALL_DAYS days old"),
    "no_inputs": gettext_lazy("the live version kept no record of what its lists were ranked from"),
    "rebuilt": gettext_lazy("rebuilt from its model file when it was made live again"),
}
RERANK_REASONS = {
    "new_user": gettext_lazy("new users"),
    "new_events": gettext_lazy("new events"),
    "history_changed": gettext_lazy("events erased or aged out"),
    "attributes_changed": gettext_lazy("attributes changed"),
    "no_longer_ranked": gettext_lazy("no longer ranked (their list emptied)"),
}


def ranking_text(ranking: dict) -> str:
    """Whom a version ranked and why, as the run and version pages say it."""
    if not ranking:
        return "-"
    text = _whom_text(ranking)
    if ranking.get("short"):
        # one sentence pair per language: Japanese joins sentences without a space
        text = gettext(
            "%(ranked)s %(short)s of their item lists were shorter than CANDIDATES_PER_USER (the model knows too few "
            "items for them): serving fills those from the variant's fallback chain."
        ) % {"ranked": text, "short": f"{ranking['short']:,}"}
    return text


def _whom_text(ranking: dict) -> str:
    if ranking.get("carried_from"):
        reasons = ", ".join(
            f"{RERANK_REASONS.get(reason, reason)} {count:,}"
            for reason, count in (ranking.get("reasons") or {}).items()
            if count
        )
        return gettext(
            "%(ranked)s users ranked again (%(reasons)s); %(carried)s users keep their lists from version %(version)s."
        ) % {
            "ranked": f"{ranking.get('ranked', 0):,}",
            "reasons": reasons or "-",
            "carried": f"{ranking.get('carried', 0):,}",
            "version": ranking["carried_from"],
        }
    why = ranking.get("full", "")
    return gettext("Every user ranked: %(ranked)s (%(why)s).") % {
        "ranked": f"{ranking.get('ranked', 0):,}",
        "why": FULL_REASONS.get(why, why),
    }


def ranked_counts(ranking: dict) -> str:
    """'ranked / carried' for the lists of runs and versions."""
    if not ranking:
        return "-"
    return f"{ranking.get('ranked', 0):,} / {ranking.get('carried', 0):,}"
