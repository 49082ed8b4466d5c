"""A run's publish note in the reader's language. Notes are stored in English, as the logs and `manage.py train`
print them; every form training and Personalize write has its worded template here, and a note of any other
form (an older one, or one cut at 300 characters) is shown as stored."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy

_NUMBER = r"[\d.]+"
_NOTES = [
    (
        r"published as version (?P<version>\d+); (?P<rest>.*)",
        gettext_lazy("published as version %(version)s; %(rest)s"),
    ),
    (
        r"published as version (?P<version>\d+) from batch job (?P<job>.*)",
        gettext_lazy("published as version %(version)s from batch job %(job)s"),
    ),
    (r"first version of this algorithm", gettext_lazy("first version of this algorithm")),
    (r"no NDCG@10 to compare", gettext_lazy("no NDCG@10 to compare")),
    (r"published by staff past the guard", gettext_lazy("published by staff past the guard")),
    (
        rf"not published: NDCG@10 (?P<new>{_NUMBER}) is more than (?P<margin>\d+)% below "
        rf"live version (?P<version>\d+)'s (?P<old>{_NUMBER}); staff may publish it anyway",
        gettext_lazy(
            "not published: NDCG@10 %(new)s is more than %(margin)s%% below live version %(version)s's %(old)s; "
            "staff may publish it anyway"
        ),
    ),
    (
        rf"NDCG@10 (?P<new>{_NUMBER}) against live version (?P<version>\d+)'s (?P<old>{_NUMBER})",
        gettext_lazy("NDCG@10 %(new)s against live version %(version)s's %(old)s"),
    ),
    (
        r"fold-in: the model of run (?P<run>\d+), ranking new events",
        gettext_lazy("fold-in: the model of run %(run)s, ranking new events"),
    ),
    (
        r"publishing was interrupted \(worker lost\); publishing again",
        gettext_lazy("publishing was interrupted (worker lost); publishing again"),
    ),
    (r"deployed to campaign (?P<campaign>.*)", gettext_lazy("deployed to campaign %(campaign)s")),
    # not a note: how the run split its events (TrainingRun.metrics["split"]), stored in English the same way
    (
        r"each user's last (?P<percent>\d+)% of events held out",
        gettext_lazy("each user's last %(percent)s%% of events held out"),
    ),
    (
        r"batch job failed: (?P<reason>.*); nothing changed",
        gettext_lazy("batch job failed: %(reason)s; nothing changed"),
    ),
]
_COMPILED = [(re.compile(pattern, re.S), template) for pattern, template in _NOTES]


def publish_note_text(note: str) -> str:
    """The stored note worded in the active language (a note within a note too)."""
    for pattern, template in _COMPILED:
        found = pattern.fullmatch(note)
        if found:
            values = found.groupdict()
            if "rest" in values:
                values["rest"] = publish_note_text(values["rest"])
            return str(template) % values
    return note
