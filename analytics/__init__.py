"""Annotation QA: annotation-quality and inter-annotator-agreement analytics.

The public API is re-exported here; see the README for a tour.

Names are loaded on first use (PEP 562), so ``import analytics`` — and the ``aqa`` command — start quickly;
``from analytics import x`` and ``analytics.x`` work as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "ImportReport": "._import_report",
    "AnnotationSet": "._schema",
    "validate_annotations": "._schema",
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
    "Taxonomy": ".taxonomy",
    "load_taxonomy": ".taxonomy",
    "ConvergenceWarning": ".exceptions",
    "ConsensusResult": ".consensus",
    "dawid_skene": ".consensus",
    "majority_vote": ".consensus",
    "GoldAccuracy": ".gold",
    "GoldCoverage": ".gold",
    "gold_accuracy_by_annotator": ".gold",
    "gold_coverage": ".gold",
    "gold_accuracy": ".gold",
    "QualityReport": ".report",
    "build_report": ".report",
    "Gate": ".gates",
    "GateReport": ".gates",
    "check_gates": ".gates",
    "AnnotatorBias": ".gold_confusion",
    "GoldConfusion": ".gold_confusion",
    "annotator_bias": ".gold_confusion",
    "gold_confusion_by_annotator": ".gold_confusion",
    "AuditSample": ".routing",
    "audit_sample": ".routing",
    "review_queue": ".routing",
    "review_summary": ".routing",
    "route_for_review": ".routing",
    "queue_items": ".routing",
    "DriftResult": ".drift",
    "SpeedAccuracy": ".drift",
    "accuracy_over_time": ".drift",
    "speed_vs_accuracy": ".drift",
    "embed_images": ".scoring",
    "image_paths": ".scoring",
    "image_transform": ".scoring",
    "predictions_frame": ".scoring",
    "score_images": ".scoring",
    "NearDuplicateReview": ".near_duplicates",
    "difference_hash": ".near_duplicates",
    "find_near_duplicates": ".near_duplicates",
    "review_near_duplicates": ".near_duplicates",
    "near_duplicates_for": ".near_duplicates",
    "ModelVsHuman": ".model_vs_human",
    "model_vs_human": ".model_vs_human",
    "model_vs_human_arrays": ".model_vs_human",
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
    "ConfusionMatrix": ".confusion",
    "confusion_hotspots": ".confusion",
    "confusion_matrix_between_annotators": ".confusion",
    "TaxonomyCheck": ".hierarchy",
    "agreement_by_level": ".hierarchy",
    "check_taxonomy": ".hierarchy",
    "rollup_annotations": ".hierarchy",
    "SimulationResult": ".simulate",
    "SimulationSide": ".simulate",
    "simulate_merge": ".simulate",
    "simulate_split": ".simulate",
    "UnknownShare": ".unknown",
    "unknown_share": ".unknown",
    "ClassBalance": ".imbalance",
    "class_balance": ".imbalance",
    "RoundComparison": ".rounds",
    "compare_rounds": ".rounds",
    "Recommendation": ".recommend",
    "TaxonomyRecommendations": ".recommend",
    "recommend_taxonomy_changes": ".recommend",
}



# The one public function named like its module: bound now, so that importing the submodule later (which sets
# the package attribute to the module) cannot shadow it — the module keeps its analysis imports lazy.
from .model_vs_human import model_vs_human  # noqa: E402


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # also replaces a same-named submodule (model_vs_human) with the function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # static analysers see the eager imports
    from ._import_report import ImportReport
    from ._schema import AnnotationSet, validate_annotations
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
    from .taxonomy import Taxonomy, load_taxonomy
    from .exceptions import ConvergenceWarning
    from .consensus import ConsensusResult, dawid_skene, majority_vote
    from .gold import GoldAccuracy, GoldCoverage, gold_accuracy_by_annotator, gold_coverage
    from .gold import gold_accuracy
    from .report import QualityReport, build_report
    from .gates import Gate, GateReport, check_gates
    from .gold_confusion import AnnotatorBias, GoldConfusion, annotator_bias, gold_confusion_by_annotator
    from .routing import AuditSample, audit_sample, queue_items, review_queue, review_summary, route_for_review
    from .drift import DriftResult, SpeedAccuracy, accuracy_over_time, speed_vs_accuracy
    from .scoring import embed_images, image_paths, image_transform, predictions_frame, score_images
    from .near_duplicates import NearDuplicateReview, difference_hash, find_near_duplicates, review_near_duplicates
    from .near_duplicates import near_duplicates_for
    from .model_vs_human import ModelVsHuman, model_vs_human_arrays
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
    from .confusion import ConfusionMatrix, confusion_hotspots, confusion_matrix_between_annotators
    from .hierarchy import TaxonomyCheck, agreement_by_level, check_taxonomy, rollup_annotations
    from .simulate import SimulationResult, SimulationSide, simulate_merge, simulate_split
    from .unknown import UnknownShare, unknown_share
    from .imbalance import ClassBalance, class_balance
    from .rounds import RoundComparison, compare_rounds
    from .recommend import Recommendation, TaxonomyRecommendations, recommend_taxonomy_changes

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
    "review_summary",
    "review_queue",
    "queue_items",
    "AuditSample",
    "audit_sample",
    "DriftResult",
    "SpeedAccuracy",
    "accuracy_over_time",
    "speed_vs_accuracy",
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
]
