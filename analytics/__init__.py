"""Annotation QA: annotation-quality and inter-annotator-agreement analytics.

The public API is re-exported here; see the README for a tour.

Names are loaded on first use (PEP 562), so ``import analytics`` — and the ``aqa`` command — start quickly;
``from analytics import x`` and ``analytics.x`` work as usual. This namespace is the API boundary: every function
here whose first argument is ``annotations`` also accepts a tidy DataFrame or the path of an export, converted once
by :func:`analytics.io._coerce.as_annotation_set`; the statistics behind them take an ``AnnotationSet``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "ImportReport": "._import_report",
    "AnnotationSet": "._schema",
    "validate_annotations": "._validate",
    "AnnotationFileError": ".exceptions",
    "AnnotationSchemaError": ".exceptions",
    "DataQualityWarning": ".exceptions",
    "InvalidParameterError": ".exceptions",
    "ModelError": ".exceptions",
    "TaxonomyError": ".exceptions",
    "UndefinedMetricWarning": ".exceptions",
    "UnknownLabelError": ".exceptions",
    "GoldLabels": ".io",
    "Predictions": ".io",
    "load_annotations": ".io",
    "load_gold": ".io",
    "load_predictions": ".io",
    "plan_labelstudio_push": ".io",
    "apply_labelstudio_push": ".io",
    "PushPlan": ".io",
    "PushResult": ".io",
    "LabelStudioError": ".exceptions",
    "Limits": ".limits",
    "escape_html": ".safety",
    "escape_markdown": ".safety",
    "neutralize_csv_cell": ".safety",
    "safe_csv": ".safety",
    "Taxonomy": "._taxonomy_model",
    "load_taxonomy": "._taxonomy_model",
    "ConvergenceWarning": ".exceptions",
    "ConsensusResult": ".annotators.consensus",
    "dawid_skene": ".annotators.consensus",
    "majority_vote": ".annotators.consensus",
    "GoldAccuracy": ".annotators.gold",
    "GoldCoverage": ".annotators.gold",
    "gold_accuracy_by_annotator": ".annotators.gold",
    "gold_coverage": ".annotators.gold",
    "gold_accuracy": ".annotators.gold",
    "QualityReport": ".report.quality_report",
    "build_report": ".report.quality_report",
    "Gate": ".report.gates",
    "GateReport": ".report.gates",
    "check_gates": ".report.gates",
    "Workspace": ".workspace",
    "open_workspace": ".workspace",
    "AnnotatorBias": ".annotators.gold_confusion",
    "GoldConfusion": ".annotators.gold_confusion",
    "annotator_bias": ".annotators.gold_confusion",
    "gold_confusion_by_annotator": ".annotators.gold_confusion",
    "AuditSample": ".annotators.audit",
    "audit_sample": ".annotators.audit",
    "review_queue": ".annotators.routing",
    "review_summary": ".annotators.routing",
    "route_for_review": ".annotators.routing",
    "queue_items": ".annotators.routing",
    "routing_rule": ".annotators.routing",
    "LabelErrors": ".annotators.label_errors",
    "find_label_errors": ".annotators.label_errors",
    "DriftResult": ".annotators.drift",
    "SpeedAccuracy": ".annotators.drift",
    "accuracy_over_time": ".annotators.drift",
    "speed_vs_accuracy": ".annotators.drift",
    "PeerAgreement": ".annotators.peers",
    "agreement_with_peers": ".annotators.peers",
    "embed_images": ".model.scoring",
    "image_paths": ".model.scoring",
    "image_transform": ".model.scoring",
    "predictions_frame": ".model.scoring",
    "score_images": ".model.scoring",
    "NearDuplicateReview": ".model.near_duplicates",
    "difference_hash": ".model.near_duplicates",
    "find_near_duplicates": ".model.near_duplicates",
    "review_near_duplicates": ".model.near_duplicates",
    "near_duplicates_for": ".model.near_duplicates",
    "ModelVsHuman": ".model.vs_human.api",
    "model_vs_human": ".model.vs_human.api",
    "model_vs_human_arrays": ".model.vs_human.api",
    "DaskAnnotationSet": ".dask_backend",
    "AgreementEstimate": ".agreement",
    "AgreementSummary": ".agreement",
    "PilotPlan": ".agreement",
    "agreement_by": ".agreement",
    "agreement_summary": ".agreement",
    "brennan_prediger": ".agreement",
    "cohen_kappa": ".agreement",
    "cohen_kappa_by_pair": ".agreement",
    "fleiss_kappa": ".agreement",
    "fleiss_kappa_by_category": ".agreement",
    "gwet_ac1": ".agreement",
    "kappa_by_tag": ".agreement",
    "krippendorff_alpha": ".agreement",
    "krippendorff_alpha_multilabel": ".agreement",
    "landis_koch": ".agreement",
    "light_kappa": ".agreement",
    "percent_agreement": ".agreement",
    "plan_pilot": ".agreement",
    "scott_pi": ".agreement",
    "ConfusionMatrix": ".taxonomy.confusion",
    "confusion_hotspots": ".taxonomy.confusion",
    "confusion_matrix_between_annotators": ".taxonomy.confusion",
    "TaxonomyCheck": ".taxonomy.hierarchy",
    "agreement_by_level": ".taxonomy.hierarchy",
    "check_taxonomy": ".taxonomy.hierarchy",
    "rollup_annotations": ".taxonomy.hierarchy",
    "SimulationResult": ".taxonomy.simulate",
    "SimulationSide": ".taxonomy.simulate",
    "simulate_merge": ".taxonomy.simulate",
    "simulate_split": ".taxonomy.simulate",
    "UnknownShare": ".taxonomy.unknown",
    "unknown_share": ".taxonomy.unknown",
    "ClassBalance": ".taxonomy.imbalance",
    "class_balance": ".taxonomy.imbalance",
    "RoundComparison": ".taxonomy.rounds",
    "compare_rounds": ".taxonomy.rounds",
    "Recommendation": ".taxonomy.recommend",
    "TaxonomyRecommendations": ".taxonomy.recommend",
    "recommend_taxonomy_changes": ".taxonomy.recommend",
    "PairDiagnoses": ".taxonomy.pairs",
    "diagnose_class_pairs": ".taxonomy.pairs",
    "GuidelineCard": ".taxonomy.guideline",
    "GuidelineCards": ".taxonomy.guideline",
    "guideline_cards": ".taxonomy.guideline",
    "render_guideline_html": ".report.guideline_html",
    "write_guideline": ".report.guideline_html",
    "render_guideline_markdown": ".report.guideline_markdown",
}




def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    if _takes_annotations(value):  # the API boundary: a DataFrame or a path becomes an AnnotationSet here, once
        from .io._coerce import at_boundary

        value = at_boundary(value)
    globals()[name] = value
    return value


def _takes_annotations(value: Any) -> bool:
    """A function whose first parameter is ``annotations`` (the house convention for the annotations table)."""
    import inspect

    if not inspect.isfunction(value):
        return False
    first = next(iter(inspect.signature(value).parameters), None)
    return first == "annotations"


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # static analysers see the eager imports
    from ._import_report import ImportReport
    from ._schema import AnnotationSet
    from ._validate import validate_annotations
    from .exceptions import (
        AnnotationFileError,
        AnnotationSchemaError,
        DataQualityWarning,
        InvalidParameterError,
        ModelError,
        TaxonomyError,
        UndefinedMetricWarning,
        UnknownLabelError,
    )
    from .io import GoldLabels, Predictions, load_annotations, load_gold, load_predictions
    from .io import PushPlan, PushResult, apply_labelstudio_push, plan_labelstudio_push
    from .exceptions import LabelStudioError
    from .limits import Limits
    from .safety import escape_html, escape_markdown, neutralize_csv_cell, safe_csv
    from ._taxonomy_model import Taxonomy, load_taxonomy
    from .exceptions import ConvergenceWarning
    from .annotators.consensus import ConsensusResult, dawid_skene, majority_vote
    from .annotators.gold import GoldAccuracy, GoldCoverage, gold_accuracy_by_annotator, gold_coverage
    from .annotators.gold import gold_accuracy
    from .report.quality_report import QualityReport, build_report
    from .report.gates import Gate, GateReport, check_gates
    from .workspace import Workspace, open_workspace
    from .annotators.gold_confusion import AnnotatorBias, GoldConfusion, annotator_bias, gold_confusion_by_annotator
    from .annotators.audit import AuditSample, audit_sample
    from .annotators.routing import queue_items, review_queue, review_summary, route_for_review
    from .annotators.routing import routing_rule
    from .annotators.label_errors import LabelErrors, find_label_errors
    from .annotators.drift import DriftResult, SpeedAccuracy, accuracy_over_time, speed_vs_accuracy
    from .model.scoring import embed_images, image_paths, image_transform, predictions_frame, score_images
    from .model.near_duplicates import (
        NearDuplicateReview,
        difference_hash,
        find_near_duplicates,
        review_near_duplicates,
    )
    from .model.near_duplicates import near_duplicates_for
    from .model.vs_human.api import ModelVsHuman, model_vs_human, model_vs_human_arrays
    from .dask_backend import DaskAnnotationSet
    from .agreement import (
        AgreementEstimate,
        AgreementSummary,
        PilotPlan,
        agreement_by,
        agreement_summary,
        brennan_prediger,
        cohen_kappa,
        cohen_kappa_by_pair,
        fleiss_kappa,
        fleiss_kappa_by_category,
        gwet_ac1,
        kappa_by_tag,
        krippendorff_alpha,
        krippendorff_alpha_multilabel,
        landis_koch,
        light_kappa,
        percent_agreement,
        plan_pilot,
        scott_pi,
    )
    from .taxonomy.confusion import ConfusionMatrix, confusion_hotspots, confusion_matrix_between_annotators
    from .taxonomy.hierarchy import TaxonomyCheck, agreement_by_level, check_taxonomy, rollup_annotations
    from .taxonomy.simulate import SimulationResult, SimulationSide, simulate_merge, simulate_split
    from .taxonomy.unknown import UnknownShare, unknown_share
    from .taxonomy.imbalance import ClassBalance, class_balance
    from .taxonomy.rounds import RoundComparison, compare_rounds
    from .taxonomy.recommend import Recommendation, TaxonomyRecommendations, recommend_taxonomy_changes
    from .taxonomy.pairs import PairDiagnoses, diagnose_class_pairs
    from .taxonomy.guideline import GuidelineCard, GuidelineCards, guideline_cards
    from .report.guideline_html import render_guideline_html, write_guideline
    from .report.guideline_markdown import render_guideline_markdown

__version__ = "0.1.0"

__all__ = [
    "AnnotationSet",
    "ImportReport",
    "Taxonomy",
    "GoldLabels",
    "Predictions",
    "load_annotations",
    "load_gold",
    "load_predictions",
    "load_taxonomy",
    "plan_labelstudio_push",
    "apply_labelstudio_push",
    "PushPlan",
    "PushResult",
    "LabelStudioError",
    "validate_annotations",
    "AnnotationSchemaError",
    "AnnotationFileError",
    "UnknownLabelError",
    "TaxonomyError",
    "InvalidParameterError",
    "UndefinedMetricWarning",
    "DataQualityWarning",
    "ConvergenceWarning",
    "ConsensusResult",
    "majority_vote",
    "dawid_skene",
    "GoldAccuracy",
    "GoldCoverage",
    "gold_accuracy_by_annotator",
    "gold_coverage",
    "GoldConfusion",
    "AnnotatorBias",
    "gold_confusion_by_annotator",
    "annotator_bias",
    "route_for_review",
    "routing_rule",
    "LabelErrors",
    "find_label_errors",
    "review_summary",
    "review_queue",
    "queue_items",
    "AuditSample",
    "audit_sample",
    "DriftResult",
    "SpeedAccuracy",
    "accuracy_over_time",
    "speed_vs_accuracy",
    "PeerAgreement",
    "agreement_with_peers",
    "ModelError",
    "score_images",
    "embed_images",
    "predictions_frame",
    "image_transform",
    "image_paths",
    "difference_hash",
    "find_near_duplicates",
    "review_near_duplicates",
    "NearDuplicateReview",
    "AgreementEstimate",
    "AgreementSummary",
    "PilotPlan",
    "cohen_kappa",
    "cohen_kappa_by_pair",
    "light_kappa",
    "fleiss_kappa",
    "fleiss_kappa_by_category",
    "krippendorff_alpha",
    "krippendorff_alpha_multilabel",
    "gwet_ac1",
    "scott_pi",
    "brennan_prediger",
    "percent_agreement",
    "kappa_by_tag",
    "agreement_summary",
    "agreement_by",
    "plan_pilot",
    "landis_koch",
    "ModelVsHuman",
    "model_vs_human",
    "model_vs_human_arrays",
    "near_duplicates_for",
    "ConfusionMatrix",
    "confusion_matrix_between_annotators",
    "confusion_hotspots",
    "TaxonomyCheck",
    "rollup_annotations",
    "agreement_by_level",
    "check_taxonomy",
    "SimulationResult",
    "SimulationSide",
    "simulate_merge",
    "simulate_split",
    "UnknownShare",
    "unknown_share",
    "ClassBalance",
    "class_balance",
    "RoundComparison",
    "compare_rounds",
    "Recommendation",
    "TaxonomyRecommendations",
    "recommend_taxonomy_changes",
    "PairDiagnoses",
    "diagnose_class_pairs",
    "GuidelineCard",
    "GuidelineCards",
    "guideline_cards",
    "render_guideline_html",
    "render_guideline_markdown",
    "write_guideline",
    "Limits",
    "safe_csv",
    "neutralize_csv_cell",
    "escape_html",
    "escape_markdown",
    "DaskAnnotationSet",
    "gold_accuracy",
    "QualityReport",
    "build_report",
    "Gate",
    "GateReport",
    "check_gates",
    "Workspace",
    "open_workspace",
]
