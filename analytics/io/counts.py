"""Counts tables: one row per item, one column per category holding how many annotators chose it.

This is how CIFAR-10H publishes its human labels. Counts carry no annotator identities, so the
resulting set has anonymous annotators: item × category statistics (Fleiss' kappa, Krippendorff's
alpha, AC1, hotspots) work; per-annotator and pairwise analyses report that identities are missing.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..exceptions import AnnotationSchemaError
from ..limits import current_limits, limit_message
from ._mapping import SYNONYMS, ColumnMapping, _key
from ._raw import RawAnnotations
from ._tables import read_any_table, source_name
from .._wording import count_noun

__all__ = ["read_counts", "looks_like_counts"]


def _item_column(columns: Sequence[str], explicit: str | None) -> str:
    if len(columns) < 2:
        raise AnnotationSchemaError(
            f"A counts table needs an item id column and at least one category count column; it has {list(columns)}."
        )
    if explicit is not None:
        if explicit not in columns:
            raise AnnotationSchemaError(f"The counts table has no column '{explicit}'; columns: {list(columns)}.")
        return explicit
    keyed = {_key(c): c for c in columns}
    for synonym in SYNONYMS["item_id"]:
        if _key(synonym) in keyed:
            return keyed[_key(synonym)]
    return columns[0]


def _as_counts(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Counts as int64, and a boolean mask of cells that are not non-negative integers."""
    numeric = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    blank = frame.isna().to_numpy()
    numeric = np.where(blank, 0.0, numeric)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(numeric) | (numeric < 0) | (numeric != np.floor(numeric)) | (numeric > 2**31)
    return np.where(bad, 0, numeric).astype(np.int64), bad


def looks_like_counts(frame: pd.DataFrame, item_col: str | None) -> bool:
    """Heuristic for automatic detection: non-negative integers, mostly zeros, at least two category columns."""
    cols = [c for c in frame.columns if c != item_col]
    if len(cols) < 2 or frame.empty:
        return False
    sample = frame[cols].head(500)
    counts, bad = _as_counts(sample)
    if bad.any():
        return False
    return bool((counts == 0).mean() >= 0.5 and counts.sum(axis=1).max() >= 1)


def read_counts(
    source: Any,
    *,
    mapping: ColumnMapping,
    categories: Sequence[str] | None = None,
    sep: str | None = None,
    header: bool | None = None,
) -> RawAnnotations:
    """Expand an item × category counts table into anonymous annotations (one row per counted rating)."""
    frame, unit, bad_records = read_any_table(source, sep=sep, header=header)
    name = source_name(source)
    frame.columns = [str(c) for c in frame.columns]
    item_col = _item_column(list(frame.columns), mapping.item)
    cat_cols = list(categories) if categories is not None else [c for c in frame.columns if c != item_col]
    missing = [c for c in cat_cols if c not in frame.columns]
    if missing:
        raise AnnotationSchemaError(f"Category column{'s' if len(missing) != 1 else ''} {missing} {'are' if len(missing) != 1 else 'is'} not in the counts table; columns: {list(frame.columns)}.")
    counts, bad = _as_counts(frame[cat_cols])
    if bad.any():
        r, c = np.nonzero(bad)
        def shown(value: Any) -> str:
            return repr(value.item() if hasattr(value, "item") else value)

        cells = ", ".join(f"{unit} {frame.index[i]} column '{cat_cols[j]}' = {shown(frame.iloc[i][cat_cols[j]])}"
                          for i, j in list(zip(r, c))[:5])
        raise AnnotationSchemaError(
            f"The counts table '{name}' has {count_noun(len(r), 'cell')} that are not non-negative whole numbers: {cells}. "
            "Each category column must count how many annotators chose that category; if the columns are "
            "annotators holding labels, load it with format='wide'."
        )
    per_row = counts.sum(axis=1)
    total = int(per_row.sum())
    limits = current_limits()
    if total > limits.max_rows:
        raise AnnotationSchemaError(limit_message("max_rows", total, f"the counts in '{name}' add up to too many "
                                                  "annotations (each count becomes one annotation)", limits))
    n_rows, n_cats = counts.shape
    item_of_row = np.repeat(np.repeat(np.arange(n_rows), n_cats), counts.ravel())
    cat_of = np.repeat(np.tile(np.arange(n_cats), n_rows), counts.ravel())
    out = pd.DataFrame({
        "item_id": frame[item_col].to_numpy(dtype=object)[item_of_row],
        "label": np.asarray(cat_cols, dtype=object)[cat_of],
        "_source": name,
        "_row": frame.index.to_numpy()[item_of_row],
    })
    raw = RawAnnotations(frame=out, source=name, format="counts", unit=unit, rows_read=len(frame) + len(bad_records),
                         column_mapping={"item_id": item_col, "label": f"{len(cat_cols)} count columns"},
                         label_field="category count columns", annotators_known=False, multilabel=False)
    for b in bad_records:
        raw.skip(b["row"], b["reason"], b["detail"])
    for row in frame.index.to_numpy()[per_row == 0]:
        raw.skip(row, "no_labels", "every count is 0")
    raw.warnings.append(
        "a counts table carries no annotator ids: per-annotator and pairwise analyses (Cohen's kappa by pair, "
        "golden-set accuracy by annotator, Dawid–Skene) are not available for this set."
    )
    return raw
