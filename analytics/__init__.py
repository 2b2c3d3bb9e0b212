"""Annotation QA: annotation-quality and inter-annotator-agreement analytics.

The public API is re-exported here; see the README for a tour.
"""

from __future__ import annotations

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
from .routing import AuditSample, audit_sample, review_queue, review_summary, route_for_review
from .drift import DriftResult, SpeedAccuracy, accuracy_over_time, speed_vs_accuracy
from .scoring import embed_images, image_paths, image_transform, predictions_frame, score_images
from .near_duplicates import NearDuplicateReview, difference_hash, find_near_duplicates, review_near_duplicates
from .near_duplicates import near_duplicates_for
from .model_vs_human import ModelVsHuman, model_vs_human, model_vs_human_arrays
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
