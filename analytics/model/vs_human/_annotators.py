"""The model as one more annotator: kappa with each annotator and the pairwise matrix including the model."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._results import MODEL_ID
from ..._reshape import annotator_pair_tables, annotator_prediction_tables
from ...agreement._core import pairwise_from_tables
from ...agreement._results import wald_intervals

if TYPE_CHECKING:
    from ..._schema import AnnotationSet

__all__ = ["annotator_tables", "item_images", "empty_by_annotator", "BY_ANNOTATOR_COLUMNS"]

BY_ANNOTATOR_COLUMNS = ["annotator_id", "kappa", "ci_low", "ci_high", "standard_error", "n_items",
                        "percent_agreement", "mean_kappa_with_annotators"]


def empty_by_annotator() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object if c == "annotator_id" else float) for c in BY_ANNOTATOR_COLUMNS})


def annotator_tables(aset: "AnnotationSet", *,
                     confidence_level: float) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """``(kappa_by_annotator, kappa_matrix, note)``; empty tables and a note for anonymous annotators.

    Model vs annotator *a*: Cohen's kappa of the table ``T[a, c, k]`` (annotator said *c*, model says *k*,
    on the items *a* labelled that have a prediction; :func:`analytics._reshape.annotator_prediction_tables`).
    Annotator pairs: the agreement engine's pair tables over all items. All kappas come from one vectorized
    call of the table core (:func:`analytics.agreement._core.pairwise_from_tables`).
    """
    if not aset.annotators_known or aset.n_annotators == 0:
        note = "annotator ids are unknown (anonymous votes), so the model cannot be compared with each annotator"
        return empty_by_annotator(), pd.DataFrame(), note
    q, a = aset.n_categories, aset.n_annotators
    w = np.eye(q)
    with np.errstate(invalid="ignore", divide="ignore"):
        model = pairwise_from_tables("cohen", annotator_prediction_tables(aset).astype(np.float64), w)
        human = pairwise_from_tables("cohen", annotator_pair_tables(aset).astype(np.float64), w)["value"]
    lo, hi = wald_intervals(model["value"], model["se"], confidence_level)
    others = human.copy()
    np.fill_diagonal(others, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an annotator sharing no item with anyone: NaN mean
        mean_with = np.nanmean(others, axis=1) if a > 1 else np.full(a, np.nan)
    ids = [str(x) for x in aset.annotator_ids]
    by_annotator = pd.DataFrame({
        "annotator_id": np.asarray(ids, dtype=object), "kappa": model["value"], "ci_low": lo, "ci_high": hi,
        "standard_error": model["se"], "n_items": model["n"].astype(np.int64), "percent_agreement": model["observed"],
        "mean_kappa_with_annotators": mean_with,
    })
    matrix = np.ones((a + 1, a + 1))
    matrix[:a, :a] = others
    np.fill_diagonal(matrix, 1.0)
    matrix[:a, a] = matrix[a, :a] = model["value"]
    names = pd.Index(ids + [MODEL_ID if MODEL_ID not in ids else f"{MODEL_ID} (model)"], dtype=object)
    square = pd.DataFrame(matrix, index=names.rename("annotator_a"), columns=names.rename("annotator_b"))
    return by_annotator, square, None


def item_images(aset: "AnnotationSet") -> pd.Series | None:
    """Each item's image (the first non-empty ``image`` value of its annotations), or None without images."""
    if "image" not in aset.column_names:
        return None
    pairs = aset.frame[["item_id", "image"]].dropna()
    pairs = pairs[pairs["image"].astype(str).str.strip() != ""]
    if pairs.empty:
        return None
    return pairs.drop_duplicates("item_id").set_index("item_id")["image"].astype(str)
