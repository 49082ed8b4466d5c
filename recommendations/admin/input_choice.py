"""A matrix-input choice (services/training/input_choice.py) as staff read it: what was tried on validation,
what won, and when a run reused an earlier run's choice."""

from __future__ import annotations

import json

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy

from recommendations.admin.stored_numbers import number_text, stored_number
from recommendations.models import EventType

INPUT_NAMES = {
    "configured": gettext_lazy("configured weights and decays"),
    "equal_weights": gettext_lazy("every event weighs 1, no age decay"),
    "counts": gettext_lazy("plain counts, no decay"),
    "binary": gettext_lazy("0/1 (bought or viewed at all)"),
    "tuned": gettext_lazy("found by the tuner"),
}


def input_name(name: str) -> str:
    return str(INPUT_NAMES.get(name, name))


def options_text(options: object) -> str:
    """A stored input's weights and half-lives in words ('view 1, purchase 8; age half-life 30 days; …')."""
    if not isinstance(options, dict) or not isinstance(options.get("weights"), dict):
        return "?"
    if options.get("binary") is True:
        return str(INPUT_NAMES["binary"])
    labels = dict(EventType.choices)
    weights = ", ".join(f"{labels.get(kind, kind)} {number_text(v, 'g')}" for kind, v in options["weights"].items())
    days, events = stored_number(options.get("half_life_days")), stored_number(options.get("recency_half_life_events"))
    return gettext("%(weights)s; age half-life %(days)s; recency half-life %(events)s") % {
        "weights": weights,
        "days": gettext("%(n)s days") % {"n": f"{days:g}"} if days else gettext("none"),
        "events": gettext("%(n)s events") % {"n": f"{events:g}"} if events else gettext("none"),
    }


def _input_shown(name: object, options: object = None) -> str:
    """An attempt's or a choice's input: its name, and for one the tuner found, its weights in words."""
    if name == "tuned" and options is not None:
        return gettext("%(name)s (%(options)s)") % {"name": input_name("tuned"), "options": options_text(options)}
    return input_name(str(name))


def _params(params: dict) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()) or "-"


def _attempts(record: dict) -> list[dict]:
    """The record's attempts that read as attempts: a stored row of another shape is left out, not a 500."""
    attempts = record.get("attempts")
    return [
        a
        for a in (attempts if isinstance(attempts, list) else [])
        if isinstance(a, dict)
        and isinstance(a.get("params"), dict)
        and stored_number(a.get("score")) is not None
        and stored_number(a.get("fit_seconds")) is not None
    ]


def _given(record: dict) -> dict:
    given = record.get("given")
    return given if isinstance(given, dict) else {}


def choice_summary(record: dict | None) -> str:
    """One line: the input chosen and the parameters it chose with it."""
    if not isinstance(record, dict) or not record.get("input"):
        return "-"
    params = record.get("params") if isinstance(record.get("params"), dict) else {}
    chosen = {k: v for k, v in params.items() if k not in _given(record)}
    shown = _input_shown(record["input"], record.get("input_options"))
    if not chosen:
        return shown
    return gettext("%(input)s; %(params)s") % {"input": shown, "params": _params(chosen)}


def choice_table(record: dict | None) -> str:
    """Every attempt with its validation NDCG@10, the winner marked; or the earlier run whose choice was reused."""
    if not isinstance(record, dict) or not record.get("input"):
        return "-"
    if record.get("reused"):
        return gettext(
            "%(choice)s: chosen on validation by run %(run)s and reused (chosen again every "
            "TRAINING_CHOOSE_EVERY_DAYS days, or when the event weights or the parameters change)."
        ) % {"choice": choice_summary(record), "run": record.get("run", "?")}
    attempts = _attempts(record)
    if not attempts:
        return gettext("%(choice)s: the validation split had no one to score, so the configured input was kept.") % {
            "choice": choice_summary(record)
        }
    best = max(a["score"] for a in attempts)
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                # a later choice's "tuned" attempt keeps its weights on the record, not on the attempt
                _input_shown(a.get("input"), a.get("options", record.get("tuned_input"))),
                # a tuned run's trials differ in every parameter: all shown; a choice shows what it chose
                _params(
                    a["params"]
                    if a.get("input") == "tuned"
                    else {k: v for k, v in a["params"].items() if k not in _given(record)}
                ),
                f"{a['score']:.4f}",
                f"{a['fit_seconds']:.1f}",
                "✔"
                if a.get("input") == record["input"]
                and a["params"] == record.get("params")
                and a["score"] == best
                and a.get("options", record.get("input_options")) == record.get("input_options")
                else "",
            )
            for a in attempts
        ),
    )
    same = "".join(
        gettext(" %(input)s gave the same matrix as %(other)s and was not fitted again.")
        % {"input": input_name(name), "other": input_name(other)}
        for name, other in (record.get("same_as") if isinstance(record.get("same_as"), dict) else {}).items()
    )
    note = gettext(
        "Chosen on a validation split carved from the training events (%(users)s users), in %(fits)s fits and "
        "%(seconds)s s.%(same)s"
    ) % {
        "users": record.get("users", "?"),
        "fits": len(attempts),
        "seconds": f"{stored_number(record.get('seconds')) or 0:.1f}",
        "same": same,
    }
    return format_html(
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table><p>{}</p>",
        gettext("matrix input"),
        gettext("parameters"),
        gettext("NDCG@10 on validation"),
        gettext("fit s"),
        gettext("chosen"),
        rows,
        note,
    )


def choice_json(record: dict) -> str:
    return format_html("<code>{}</code>", json.dumps(record, ensure_ascii=False)) if record else "-"
