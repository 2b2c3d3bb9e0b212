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
from .limits import Limits
from .safety import escape_html, escape_markdown, neutralize_csv_cell, safe_csv
from .taxonomy import Taxonomy, load_taxonomy

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
    "Limits",
    "safe_csv",
    "neutralize_csv_cell",
    "escape_html",
    "escape_markdown",
]
