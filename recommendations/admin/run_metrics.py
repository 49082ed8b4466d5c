"""A training run's offline metrics as staff read them: the model beside popularity (and its figures on
validation, where something was chosen there), who was scored, and how its fit ended."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy

from recommendations.admin.publish_notes import publish_note_text
from recommendations.admin.stored_numbers import number_text, stored_number
from recommendations.models import TrainingRun

STOPPED = {
    "epochs": gettext_lazy("all the passes asked for"),
    "time": gettext_lazy("its time budget (max_seconds) ran out"),
    "converged": gettext_lazy("the held-back items' hit rate stopped improving"),
}


def _against(note: str, other: str, against: object) -> str:
    """`note` and a sentence on the model's NDCG@10 against `other`, with its interval, when one was stored."""
    if not isinstance(against, dict) or stored_number(against.get("ratio")) is None:
        return note
    return gettext(
        "%(previous)s NDCG@10 against %(other)s: %(ratio)s times, 95%% interval %(low)s to %(high)s (users resampled)."
    ) % {
        "previous": note,
        "other": other,
        "ratio": number_text(against["ratio"], ".2f"),
        "low": number_text(against.get("ratio_low"), ".2f"),
        "high": number_text(against.get("ratio_high"), ".2f"),
    }


def run_metrics_table(obj: TrainingRun) -> str:
    """The metrics table with its note."""
    model, popularity = obj.metrics.get("model") or {}, obj.metrics.get("popularity") or {}
    names = [n for n in model if n not in ("users", "fit_seconds")]
    if obj.metrics.get("model_of_run"):
        text = gettext("A fold-in fits nothing: it ranks new events with the model of run %(run)s (metrics there).")
        return text % {"run": obj.metrics["model_of_run"]}
    if not names:
        return "-"
    # a run that chose its input or parameters on a validation split carved from training: shown beside
    # the evaluation figures, which only the chosen model met
    validation = obj.metrics.get("validation") or {}
    columns = [(obj.algorithm, model), (gettext("popularity"), popularity)]
    bare = obj.metrics.get("bare")
    if isinstance(bare, dict) and bare:
        columns.append((gettext("%(algorithm)s, library defaults on 0/1") % {"algorithm": obj.algorithm}, bare))
    if validation:
        columns.insert(1, (gettext("%(algorithm)s on validation") % {"algorithm": obj.algorithm}, validation))
    cells = "<td>{}</td>" * (len(columns) + 1)
    rows = format_html_join(
        "",
        f"<tr>{cells}</tr>",
        ((n, *(number_text(values.get(n), ".4f") for _title, values in columns)) for n in names),
    )
    header = format_html_join("", "<th>{}</th>", ((title,) for title in [gettext("metric")] + [c[0] for c in columns]))
    note = gettext("%(users)s users evaluated; %(split)s.") % {
        "users": model.get("users", "?"),
        "split": publish_note_text(obj.metrics.get("split", "")),
    }
    if obj.metrics.get("trials"):
        # one sentence pair per language: Japanese joins sentences without a space
        note = gettext(
            "%(evaluated)s Parameters chosen from %(trials)s trials on a validation split carved from the training "
            "events by the same rule; the evaluation figures come from the chosen model alone."
        ) % {"evaluated": note, "trials": len(obj.metrics.get("trials") or [])}
    elif validation:
        note = gettext(
            "%(evaluated)s The matrix input was chosen on a validation split carved from the training events by "
            "the same rule (below); the evaluation figures come from the chosen model alone."
        ) % {"evaluated": note}
    note = _against(note, gettext("popularity"), obj.metrics.get("against_popularity"))
    note = _against(note, gettext("the library's own defaults on 0/1"), obj.metrics.get("against_bare"))
    fit = obj.metrics.get("fit") or {}
    if fit.get("epochs"):
        note = gettext("%(previous)s Training ran %(epochs)s of %(of)s passes in %(seconds)s s: %(why)s.") % {
            "previous": note,
            "epochs": fit["epochs"],
            "of": fit.get("of", "?"),
            "seconds": f"{fit.get('seconds', 0):.0f}",
            "why": STOPPED.get(fit.get("stopped"), fit.get("stopped", "?")),
        }
    if fit.get("kept_items") is not None and fit["kept_items"] < fit.get("items", 0):
        note = gettext(
            "%(previous)s It scores only the %(kept)s most-interacted of %(items)s items (max_items); users reach "
            "the others through the fallback chain."
        ) % {"previous": note, "kept": f"{fit['kept_items']:,}", "items": f"{fit['items']:,}"}
    return format_html("<table><tr>{}</tr>{}</table><p>{}</p>", header, rows, note)
