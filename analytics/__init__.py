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
    TaxonomyError,
    UndefinedMetricWarning,
    UnknownLabelError,
)
from .io import GoldLabels, Predictions, load_annotations, load_gold, load_predictions
from .taxonomy import Taxonomy, load_taxonomy
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
]
