"""The sections of a :class:`~analytics.report.QualityReport`: what each one computes and the JSON it holds.

Each builder takes the annotation set and the report settings and returns ``(data, result)``: ``data`` is the
section's JSON content with the keys documented in ``schema.json`` (fixed per section, never changed
by flags), ``result`` the analysis object(s) it came from. A builder raises an
:class:`~analytics.exceptions.AnnotationQAError` when the section does not apply to the set (no gold, no
predictions, multi-label, anonymous annotators, …); the report then records the section as
``not_applicable`` with that message as its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd

from .._reshape import n_gold_items, require_in_memory
from ..exceptions import AnnotationSchemaError, InvalidParameterError
from ..results import jsonable

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["ReportSettings", "SECTIONS", "COMPUTE_ORDER", "rows", "estimate"]


@dataclass(frozen=True)
class ReportSettings:
    """Options of a report (see :meth:`analytics.report.QualityReport.from_annotations`)."""

    target: float = 0.8
    gold_target: float = 0.9
    confidence_level: float = 0.95
    max_listed: int = 25
    device: str = "auto"

    def __post_init__(self) -> None:
        for name, low, high in [("target", 0.0, 1.0), ("gold_target", 0.0, 1.0), ("confidence_level", 0.0, 1.0)]:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < value < high:
                raise InvalidParameterError(f"{name} must lie strictly between {low:g} and {high:g}, not {value!r}.")
        if isinstance(self.max_listed, bool) or not isinstance(self.max_listed, (int, np.integer)) or self.max_listed < 1:
            raise InvalidParameterError(f"max_listed must be a positive whole number, not {self.max_listed!r}.")


def rows(frame: pd.DataFrame, columns: list[str], *, limit: int | None = None) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-ready dicts with exactly ``columns`` (NaN → None, tuples → lists)."""
    part = frame if limit is None else frame.head(limit)
    return [{c: jsonable(v) for c, v in zip(columns, rec)} for rec in part[columns].itertuples(index=False, name=None)]


def estimate(est: Any) -> dict[str, Any]:
    """An :class:`~analytics.results.Estimate` (or AgreementEstimate) as the schema's ``estimate`` object."""
    keys = ["value", "ci_low", "ci_high", "standard_error", "n_items", "n_annotators", "method", "confidence_level",
            "interval_method", "reason"]
    return {k: jsonable(getattr(est, k)) for k in keys}


def _text(values: Any) -> list[str]:
    return [str(v) for v in values]


# -- agreement -----------------------------------------------------------------------------------------------
_COEFFICIENT = ["coefficient", "label", "value", "ci_low", "ci_high", "standard_error", "n_items", "n_annotators",
                "landis_koch", "meets_target", "verdict", "verified_coverage", "interval_method", "reason"]


def agreement(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..agreement import agreement_summary

    res = agreement_summary(aset, target=s.target, confidence_level=s.confidence_level)
    by_round = res.by_round if res.by_round is not None else pd.DataFrame(columns=["round"] + _COEFFICIENT)
    label = res.table.set_index("coefficient").loc[res.primary, "label"]
    return {"primary": res.primary, "primary_label": str(label), "sentence": res.sentence, "target": res.target,
            "verdict": res.verdict, "verdict_reason": res.verdict_reason, "what_to_do": res.what_to_do,
            "interval_method": res.interval_method, "coverage": jsonable(res.coverage),
            "kappa_paradox": bool(res.kappa_paradox), "paradox_note": res.paradox_note,
            "coefficients": rows(res.table, _COEFFICIENT),
            "by_round": rows(by_round.assign(round=by_round["round"].astype(str)), ["round"] + _COEFFICIENT)}, res


def multilabel_agreement(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..agreement import krippendorff_alpha_multilabel
    from ..agreement.summary import tag_set_verdict

    res = krippendorff_alpha_multilabel(aset, distance="masi", confidence_level=s.confidence_level)
    verdict, _, reason, todo = tag_set_verdict(aset, res, s.target)
    return {"distance": "masi", "alpha": estimate(res), "target": s.target, "verdict": verdict,
            "verdict_reason": reason, "what_to_do": todo}, res


_PER_CATEGORY = ["category", "kappa", "ci_low", "ci_high", "prevalence", "n_items", "reason"]


def per_category(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..agreement import fleiss_kappa_by_category, kappa_by_tag

    if aset.multilabel:
        frame, method = kappa_by_tag(aset, confidence_level=s.confidence_level).rename(columns={"tag": "category"}), \
            "kappa_by_tag"
    else:
        frame, method = fleiss_kappa_by_category(aset, confidence_level=s.confidence_level), "fleiss_kappa_by_category"
    return {"method": method, "rows": rows(frame, _PER_CATEGORY)}, frame


def pairwise(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from .._reshape import require_annotators
    from ..agreement import cohen_kappa_by_pair

    require_annotators(aset, "pairwise Cohen's kappa")
    frame = cohen_kappa_by_pair(aset, confidence_level=s.confidence_level)
    columns = ["annotator_a", "annotator_b", "kappa", "ci_low", "ci_high", "n_items", "percent_agreement", "reason"]
    return {"annotators": _text(aset.annotator_ids), "rows": rows(frame, columns)}, frame


# -- annotators ----------------------------------------------------------------------------------------------
_GOLD = ["annotator_id", "n_gold", "n_correct", "accuracy", "ci_low", "ci_high", "p_value", "p_adjusted", "flagged",
         "evidence", "n_gold_needed"]


def gold(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..exceptions import AnnotationQAError
    from ..annotators.gold import gold_accuracy, gold_accuracy_by_annotator

    overall = gold_accuracy(aset, confidence_level=s.confidence_level)
    try:
        res = gold_accuracy_by_annotator(aset, target=s.gold_target, confidence_level=s.confidence_level)
        table, flagged, why = rows(res.table, _GOLD), _text(res.flagged), None
    except AnnotationQAError as exc:  # anonymous annotators: the pooled accuracy still holds
        res, table, flagged, why = None, [], [], str(exc)
    return {"target": s.gold_target, "n_gold_items": n_gold_items(aset), "overall": estimate(overall),
            "flagged": flagged, "per_annotator_reason": why,
            "interval_method": "Wilson score interval", "test_method": "one-sided exact binomial test (H1: accuracy "
            "< target), Holm-adjusted across annotators", "rows": table}, (overall, res)


def gold_coverage(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..annotators.gold import gold_coverage as coverage

    res = coverage(aset)
    return {"n_gold_items": res.n_gold_items, "classes_without_gold": _text(res.classes_without_gold),
            "by_class": rows(res.by_class, ["category", "n_gold", "gold_share", "n_annotations", "annotation_share"])}, res


#: Why the time-based sections do not run on the Dask backend.
_NO_TIMES = "it loads item, annotator, label, round and image only, no timestamps or durations"
_BATCH = "Load a batch in memory (backend='memory') for it."


def drift(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..annotators.drift import accuracy_over_time

    require_in_memory(aset, "Drift within sessions", because=_NO_TIMES, instead=_BATCH)
    res = accuracy_over_time(aset, confidence_level=s.confidence_level)
    columns = ["annotator_id", "n_scored", "accuracy", "accuracy_first_half", "accuracy_second_half", "change",
               "p_adjusted", "drift"]
    return {"window": res.window, "by": res.by, "test_method": res.test_method, "drifting": _text(res.drifting),
            "rows": rows(res.tests, columns)}, res


def speed(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from .._reshape import require_annotators, require_single_label
    from ..annotators.drift import speed_vs_accuracy

    require_in_memory(aset, "Speed vs accuracy", because=_NO_TIMES, instead=_BATCH)
    require_single_label(aset, "speed_vs_accuracy")
    require_annotators(aset, "speed_vs_accuracy")
    if "duration_s" not in aset.column_names or aset.frame["duration_s"].notna().sum() == 0:
        raise AnnotationSchemaError("The annotations have no durations (a duration_s column, or --duration COLUMN).")
    res = speed_vs_accuracy(aset, confidence_level=s.confidence_level)
    columns = ["annotator_id", "n_annotations", "median_duration_s", "n_scored", "accuracy", "ci_low", "ci_high",
               "fast", "inaccurate", "flagged"]
    return {"rule": res.rule, "fast_ratio": res.fast_ratio, "flagged": _text(res.flagged),
            "rows": rows(res.table, columns)}, res


# -- review routing ------------------------------------------------------------------------------------------
QUEUE_DECISIONS = ("adjudicate", "senior_review", "needs_overlap")


def routing(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..annotators.routing import review_queue, review_summary, route_for_review

    require_in_memory(aset, "Review routing", because="it lists a decision for every item",
                      instead="Route a delivery batch in memory (aqa review-queue on the batch's files).")
    routed = route_for_review(aset)
    summary = review_summary(routed)
    queue = review_queue(routed, decisions=QUEUE_DECISIONS)
    columns = ["item_id", "decision", "n_ratings", "votes", "consensus", "agreement", "support", "rule"]
    listed = queue.head(s.max_listed)  # only these rows are written
    listed = listed.assign(decision=listed["decision"].astype(str), rule=listed["rule"].astype(str))
    return {"n_items": int(len(routed)), "counts": rows(summary, ["decision", "n_items", "share"]),
            "rule": routed.attrs["rule"], "threshold": routed.attrs["threshold"], "method": routed.attrs["method"],
            "queue_decisions": list(QUEUE_DECISIONS), "queue_size": int(len(queue)),
            "queue": rows(listed, columns)}, (routed, summary)


# -- confusion and taxonomy ----------------------------------------------------------------------------------
def hotspots(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..taxonomy.confusion import confusion_hotspots

    frame = confusion_hotspots(aset, top=min(s.max_listed, 10), confidence_level=s.confidence_level)
    columns = ["class_a", "class_b", "n_disagreements", "weighted_disagreements", "n_items", "share_of_disagreements",
               "ratio", "score", "diagnosis", "diagnosis_note", "gold_verdict", "gold_note", "top_annotator",
               "top_annotator_share", "example_items"]
    frame = frame.assign(example_items=frame["example_items"].map(lambda t: [str(v) for v in t]))
    return {"rows": rows(frame, columns), "diagnosis_tests": str(frame.attrs.get("diagnosis_tests", ""))}, frame


def recommendations(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..taxonomy.recommend import recommend_taxonomy_changes

    res = recommend_taxonomy_changes(aset, target=s.target, confidence_level=s.confidence_level,
                                     top=min(s.max_listed, 10))
    columns = ["rank", "action", "classes", "annotators", "status", "priority", "evidence", "expected_effect",
               "missing_evidence", "kappa_before", "kappa_after", "gain_ci_low", "gain_ci_high"]
    table = res.table.assign(**{c: res.table[c].map(lambda t: [str(v) for v in t]) for c in ("classes", "annotators")})
    return {"sentence": res.sentence, "kappa": jsonable(res.kappa), "kappa_after_all": jsonable(res.kappa_after_all),
            "combined_effect": res.combined_effect, "notes": _text(res.notes), "rows": rows(table, columns)}, res


def unknown(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..taxonomy.unknown import unknown_share

    res = unknown_share(aset, confidence_level=s.confidence_level)
    if res.reason:
        raise AnnotationSchemaError(res.sentence)
    columns = ["round", "n_annotations", "n_unknown", "share", "ci_low", "ci_high", "change_points", "p_value", "status"]
    by_round = res.by_round.assign(round=res.by_round["round"].astype(str))
    return {"unknown_label": res.unknown_label, "share": jsonable(res.share), "ci_low": jsonable(res.ci_low),
            "ci_high": jsonable(res.ci_high), "n_unknown": res.n_unknown, "n_annotations": res.n_annotations,
            "alarm": bool(res.alarm), "sentence": res.sentence, "by_round": rows(by_round, columns)}, res


def class_balance(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..taxonomy.imbalance import class_balance as balance

    res = balance(aset, confidence_level=s.confidence_level)
    columns = ["category", "n_items", "prevalence", "annotation_share", "kappa", "ci_width", "n_more_items", "stable"]
    return {"consensus": res.consensus, "rare": _text(res.rare), "n_unresolved": res.n_unresolved,
            "rows": rows(res.table, columns)}, res


def rounds(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..taxonomy.rounds import compare_rounds

    res = compare_rounds(aset, target=s.target, confidence_level=s.confidence_level)
    columns = ["coefficient", "label", "before", "after", "difference", "ci_low", "ci_high", "p_value", "significant"]
    hot = ["class_a", "class_b", "status", "rate_before", "rate_after", "p_value", "p_adjusted"]
    return {"rounds": _text(res.rounds), "sentence": res.sentence, "n_items_before": res.n_items_before,
            "n_items_after": res.n_items_after, "n_shared_items": res.n_shared_items,
            "coefficients": rows(res.coefficients, columns), "hotspot_test": res.hotspot_test,
            "hotspots": rows(res.hotspots, hot)}, res


def taxonomy(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..taxonomy.hierarchy import agreement_by_level, check_taxonomy

    if aset.taxonomy is None:
        raise AnnotationSchemaError("No taxonomy is attached (load one with taxonomy=…, or aqa report --taxonomy FILE).")
    check = check_taxonomy(aset.taxonomy, aset)
    issues = check.issues.assign(classes=check.issues["classes"].map(lambda t: [str(v) for v in t]))
    levels = agreement_by_level(aset, confidence_level=s.confidence_level) if not aset.multilabel else None
    columns = ["level", "node", "kappa", "ci_low", "ci_high", "n_items", "n_categories"]
    return {"ok": bool(check.ok), "n_classes": check.n_classes, "depth": check.depth, "unknown_class": check.unknown_class,
            "issues": rows(issues, ["kind", "severity", "classes", "n_annotations", "message"]),
            "levels": [] if levels is None else rows(levels.assign(node=levels["node"].map(
                lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))), columns)}, \
        (check, levels)


# -- model vs human ------------------------------------------------------------------------------------------
def model_vs_human(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..model.vs_human.api import model_vs_human as compare

    if not aset.has_predictions:
        raise AnnotationSchemaError("No model predictions are attached (load them with predictions=…, or aqa report "
                                    "--predictions FILE).")
    res = compare(aset, confidence_level=s.confidence_level, device=s.device, max_listed=s.max_listed)
    disagreements = ["rank", "item_id", "model_label", "model_confidence", "consensus_label", "consensus_share",
                     "gold_label"]
    per_class = ["class", "n_consensus", "n_predicted", "precision", "recall", "f1", "model_disagreement",
                 "human_disagreement", "low_confidence_share"]
    return {"consensus_method": res.consensus_method, "threshold": res.threshold, "n_items": res.n_items,
            "n_items_without_prediction": res.n_items_without_prediction,
            "accuracy_vs_consensus": estimate(res.accuracy_vs_consensus),
            "kappa_vs_consensus": estimate(res.kappa_vs_consensus), "accuracy_vs_gold": estimate(res.accuracy_vs_gold),
            "kappa_vs_gold": estimate(res.kappa_vs_gold),
            "expected_calibration_error": jsonable(res.expected_calibration_error),
            "low_confidence_share": jsonable(res.low_confidence_share),
            "n_confident_disagreements": res.n_confident_disagreements, "notes": _text(res.notes),
            "per_class": rows(res.per_class, per_class),
            "confident_disagreements": rows(res.confident_disagreements, disagreements, limit=s.max_listed),
            "reliability": rows(res.reliability, ["target", "bin", "count", "confidence", "accuracy"]),
            "kappa_by_annotator": rows(res.kappa_by_annotator, ["annotator_id", "kappa", "ci_low", "ci_high", "n_items",
                                                                "mean_kappa_with_annotators"])}, res


_LABEL_ERRORS = ["rank", "item_id", "given_label", "given_source", "suggested_label", "p_given_wrong", "signal",
                 "votes", "people_p_given", "model_p_given", "model_p_suggested"]


def label_errors(aset: "AnnotationSet", s: ReportSettings) -> tuple[dict, Any]:
    from ..annotators.label_errors import find_label_errors

    require_in_memory(aset, "Label errors", because="it ranks every item by its own evidence",
                      instead="Check a delivery batch in memory (aqa label-errors on the batch's files).")
    res = find_label_errors(aset)
    reasons = res.excluded["reason"].value_counts()
    return {"sentence": res.sentence, "threshold": res.threshold, "people_method": res.people_method,
            "uses_model": bool(res.uses_model), "n_scored": res.n_scored, "n_candidates": res.n_candidates,
            "n_excluded": res.n_excluded,
            "excluded_by_reason": [{"reason": str(r), "n_items": int(n)} for r, n in reasons.items()],
            "notes": _text(res.notes), "candidates": rows(res.candidates, _LABEL_ERRORS, limit=s.max_listed),
            "excluded": rows(res.excluded, ["item_id", "given_label", "reason"], limit=s.max_listed)}, res


def top_problems(aset: "AnnotationSet", s: ReportSettings, earlier: dict | None = None) -> tuple[dict, Any]:
    """``earlier``: the sections computed before (section key → ``(status, result)``); the agreement summary and
    the recommendations are taken from them when they were computed with the options top_problems uses."""
    from .overview import top_problems as problems

    reuse = {}
    if earlier and s.confidence_level == 0.95:
        summary, recs = earlier.get("agreement"), earlier.get("recommendations")
        if summary is not None and summary[0] == "ok":
            reuse["summary"] = summary[1]
        if recs is not None and recs[0] == "ok" and min(s.max_listed, 10) == 10:  # the defaults (top=10)
            reuse["recommendations"] = recs[1]
    found = problems(aset, target=s.target, n=5, **reuse)
    return {"problems": [p.to_dict() for p in found]}, found


Builder = Callable[..., "tuple[dict, Any]"]

#: (key, title, builder) of every section, in report order.
SECTIONS: tuple[tuple[str, str, Builder], ...] = (
    ("top_problems", "Top problems", top_problems),
    ("agreement", "Agreement", agreement),
    ("multilabel_agreement", "Agreement on tag sets", multilabel_agreement),
    ("per_category", "Agreement per category", per_category),
    ("pairwise", "Agreement per pair of annotators", pairwise),
    ("gold", "Golden-set accuracy", gold),
    ("gold_coverage", "Golden-set coverage", gold_coverage),
    ("drift", "Drift within sessions", drift),
    ("speed", "Speed vs accuracy", speed),
    ("routing", "Review routing", routing),
    ("hotspots", "Confusion hotspots", hotspots),
    ("recommendations", "Taxonomy recommendations", recommendations),
    ("unknown", "Unknown/Other share", unknown),
    ("class_balance", "Class balance", class_balance),
    ("rounds", "Round over round", rounds),
    ("taxonomy", "Taxonomy", taxonomy),
    ("model_vs_human", "Model vs human", model_vs_human),
    ("label_errors", "Label errors", label_errors),
)

#: The order the sections are computed in: the top problems last, so they reuse the agreement summary and the
#: recommendations (the report lists them first).
COMPUTE_ORDER: tuple[tuple[str, str, Builder], ...] = tuple(
    [s for s in SECTIONS if s[0] != "top_problems"] + [s for s in SECTIONS if s[0] == "top_problems"])
