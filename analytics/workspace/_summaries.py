"""Per-delivery summaries, computed once when a delivery is added: the rows every trend reads.

From the delivery's :class:`~analytics.QualityReport` (its sections' analysis results, so nothing is computed
twice) and the annotation set:

* ``coefficients`` — every agreement coefficient of :func:`~analytics.agreement_summary` with its standard error
  and interval (Krippendorff's alpha with the MASI distance for tag sets);
* ``category_stats`` — labels per category (class balance) and the per-category kappa with its standard error;
* ``annotator_gold`` — each annotator's gold annotations and correct ones (the vendor audit);
* ``pair_stats`` — every class pair on which both classes were used on an item, with its hotspot score and rank
  (:func:`~analytics.confusion_hotspots`), capped at :data:`MAX_PAIRS` pairs by score;
* the Unknown/Other count and the primary coefficient, stored on the delivery row itself.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..exceptions import AnnotationQAError

if TYPE_CHECKING:
    from .. import AnnotationSet

__all__ = ["Summaries", "summarize", "MAX_PAIRS", "MULTILABEL_COEFFICIENT"]

#: Class pairs stored per delivery (the most specific confusions first).
MAX_PAIRS = 2000
#: The coefficient stored for tag sets.
MULTILABEL_COEFFICIENT = "krippendorff_alpha_masi"


def _num(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _int(value: Any) -> int | None:
    out = _num(value)
    return None if out is None else int(out)


@dataclass(frozen=True)
class Summaries:
    """The summary rows of one delivery (without ``delivery_id``; the store adds it)."""

    primary: str | None
    unknown_label: str | None
    n_unknown: int | None
    n_gold_items: int
    coefficients: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    gold: list[dict[str, Any]] = field(default_factory=list)
    pairs: list[dict[str, Any]] = field(default_factory=list)


def _coefficients(report: Any) -> tuple[str | None, list[dict[str, Any]]]:
    agreement = report.section("agreement")
    if agreement.ok:
        summary = agreement.result
        rows = [{"coefficient": str(r.coefficient), "position": k, "label": str(r.label), "value": _num(r.value),
                 "standard_error": _num(r.standard_error), "ci_low": _num(r.ci_low), "ci_high": _num(r.ci_high),
                 "n_items": _int(r.n_items), "n_annotators": _int(r.n_annotators),
                 "reason": None if r.reason is None or r.reason != r.reason else str(r.reason)}
                for k, r in enumerate(summary.table.itertuples(index=False))]
        return str(summary.primary), rows
    tags = report.section("multilabel_agreement")
    if tags.ok:
        est = tags.result
        return MULTILABEL_COEFFICIENT, [{
            "coefficient": MULTILABEL_COEFFICIENT, "position": 0, "label": "Krippendorff's alpha (MASI)", "value": _num(est.value),
            "standard_error": _num(est.standard_error), "ci_low": _num(est.ci_low), "ci_high": _num(est.ci_high),
            "n_items": _int(est.n_items), "n_annotators": _int(est.n_annotators), "reason": est.reason}]
    return None, []


def _categories(aset: "AnnotationSet", report: Any) -> list[dict[str, Any]]:
    counts = {str(r["category"]): int(r["n_labels"]) for r in report.dataset.get("label_counts", [])}
    kappas: dict[str, dict[str, Any]] = {}
    per = report.section("per_category")
    if per.ok:
        for r in per.result.to_dict("records"):
            kappas[str(r["category"])] = r
    rows = []
    for position, category in enumerate(aset.categories):
        k = kappas.get(str(category), {})
        rows.append({"category": str(category), "position": position, "n_labels": counts.get(str(category), 0),
                     "kappa": _num(k.get("kappa")), "standard_error": _num(k.get("standard_error")),
                     "ci_low": _num(k.get("ci_low")), "ci_high": _num(k.get("ci_high")),
                     "n_items": _int(k.get("n_items"))})
    return rows


def _gold(report: Any) -> list[dict[str, Any]]:
    section = report.section("gold")
    if not section.ok or section.result[1] is None:
        return []
    table = section.result[1].table
    return [{"annotator_id": str(r.annotator_id), "n_gold": int(r.n_gold), "n_correct": int(r.n_correct),
             "flagged": bool(r.flagged)} for r in table.itertuples(index=False) if int(r.n_gold) > 0]


def _pairs(aset: "AnnotationSet") -> list[dict[str, Any]]:
    from .. import confusion_hotspots

    if aset.multilabel:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            table = confusion_hotspots(aset, top=MAX_PAIRS, n_examples=0)
        except AnnotationQAError:
            return []
    return [{"class_a": str(r.class_a), "class_b": str(r.class_b), "rank": rank, "n_items": int(r.n_items),
             "score": _num(r.score)} for rank, r in enumerate(table.itertuples(index=False), start=1)]


def summarize(aset: "AnnotationSet", report: Any) -> Summaries:
    """The summaries of a delivery from its annotation set and its quality report."""
    primary, coefficients = _coefficients(report)
    categories = _categories(aset, report)
    unknown = aset.unknown_label if aset.unknown_label in aset.categories else None
    n_unknown = next((c["n_labels"] for c in categories if c["category"] == unknown), None) if unknown else None
    return Summaries(primary=primary, unknown_label=unknown, n_unknown=n_unknown,
                     n_gold_items=int(report.dataset.get("n_gold_items") or 0), coefficients=coefficients,
                     categories=categories, gold=_gold(report), pairs=_pairs(aset))
