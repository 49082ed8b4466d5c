"""What a ranker run learnt, as staff read it: the models it blends against its own figures, and how much each
feature weighed in its decisions (share of the gain in its trees)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy

from recommendations.admin.stored_numbers import number_text, stored_number
from recommendations.models import TrainingRun

SOURCE_NAMES = {
    "ease_equal": gettext_lazy("EASE (every event weighs 1, λ 100)"),
    "ease_binary": gettext_lazy("EASE (0/1, λ 500)"),
    "als": gettext_lazy("ALS (every event weighs 1)"),
    "item_knn_bm25": gettext_lazy("item-kNN, BM25"),
    "popularity": gettext_lazy("popularity"),
    "trending": gettext_lazy("trending"),
    "recent_covisitation": gettext_lazy("viewed together with the user's latest items"),
}
FEATURE_NAMES = {
    "sources": gettext_lazy("how many sources list the item"),
    "popularity": gettext_lazy("item: events in the training window"),
    "popularity_1d": gettext_lazy("item: events on the last day"),
    "popularity_7d": gettext_lazy("item: events in the last 7 days"),
    "popularity_30d": gettext_lazy("item: events in the last 30 days"),
    "days_since_first": gettext_lazy("item: days since its first event"),
    "days_since_last": gettext_lazy("item: days since its last event"),
    "price": gettext_lazy("item: price"),
    "user_events": gettext_lazy("user: events"),
    "user_items": gettext_lazy("user: items interacted with"),
    "user_days_since_last": gettext_lazy("user: days since their last event"),
    "category_share": gettext_lazy("user: share of their history in the item's category"),
    "shop_share": gettext_lazy("user: share of their history in the item's shop"),
}


def source_name(name: str) -> str:
    return str(SOURCE_NAMES.get(name, name))


def feature_name(name: str) -> str:
    """A stored feature key in the reader's language ('ease_equal_rank' -> 'EASE (…): rank in its list')."""
    for suffix, wording in (
        ("_rank", gettext_lazy("%(source)s: rank in its list")),
        ("_score", gettext_lazy("%(source)s: score, against the user's other candidates")),
    ):
        if name.endswith(suffix) and name[: -len(suffix)] in SOURCE_NAMES:
            return str(wording) % {"source": source_name(name[: -len(suffix)])}
    return str(FEATURE_NAMES.get(name, name))


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def blend_report(obj: TrainingRun) -> str:
    """The blended models' NDCG@10 beside the ranker's, the comparison with the best, and the features' weights."""
    blended = obj.metrics.get("blended")
    fit = _dict(obj.metrics.get("fit"))
    importance = fit.get("feature_importance")
    if not isinstance(blended, dict) and not isinstance(importance, dict):
        return "-"
    parts = []
    if isinstance(blended, dict):
        own = _dict(obj.metrics.get("model")).get("ndcg@10")
        rows = [(obj.algorithm, own)] + [(source_name(n), _dict(m).get("ndcg@10")) for n, m in blended.items()]
        parts.append(
            format_html(
                "<table><tr><th>{}</th><th>NDCG@10</th></tr>{}</table>",
                gettext("model"),
                format_html_join(
                    "",
                    "<tr><td>{}</td><td>{}</td></tr>",
                    ((name, number_text(v, ".4f")) for name, v in rows),
                ),
            )
        )
        against = obj.metrics.get("against_best_blended")
        if isinstance(against, dict) and stored_number(against.get("ratio")) is not None:
            parts.append(
                format_html(
                    "<p>{}</p>",
                    gettext(
                        "Against the best model it blends (%(model)s): %(ratio)s times its NDCG@10, 95%% interval "
                        "%(low)s to %(high)s (users resampled); better only where the interval stays above 1."
                    )
                    % {
                        "model": source_name(str(against.get("model", "?"))),
                        "ratio": number_text(against["ratio"], ".2f"),
                        "low": number_text(against.get("ratio_low"), ".2f"),
                        "high": number_text(against.get("ratio_high"), ".2f"),
                    },
                )
            )
    if isinstance(importance, dict):
        parts.append(
            format_html(
                "<p>{}</p><table><tr><th>{}</th><th>{}</th></tr>{}</table>",
                gettext(
                    "Learnt from %(lists)s users' lists on splits carved from the training events; %(found)s of the "
                    "held-back items were among the candidates (about %(candidates)s per user)."
                )
                % {
                    "lists": number_text(fit.get("learning_lists", 0), ","),
                    "found": number_text(fit.get("held_back_found"), ".1%"),
                    "candidates": fit.get("candidates_per_list", "?"),
                },
                gettext("feature"),
                gettext("share of the ranking model's gain"),
                format_html_join(
                    "",
                    "<tr><td>{}</td><td>{}</td></tr>",
                    ((feature_name(str(n)), number_text(v, ".1%")) for n, v in importance.items()),
                ),
            )
        )
    return format_html_join("", "{}", ((part,) for part in parts))
