"""Wide tables: one row per item, one column per annotator, cells holding labels.

A configurable ``missing`` marker (and blank cells) means "not labelled by this annotator". Without
an item column, the row's position (0-based) is the item id; without a header, the column position
(0-based) is the annotator id — as in the LabelMe crowd data (``-1`` = not labelled).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from .._labels import clean_text
from ..exceptions import AnnotationSchemaError
from ..limits import current_limits, limit_message
from ._mapping import SYNONYMS, ColumnMapping, _key
from ._raw import RawAnnotations
from ._tables import read_any_table, source_name

__all__ = ["read_wide"]

_NON_ANNOTATOR_ROLES = ("image", "round")


def _find(columns: Sequence[str], role: str, explicit: str | None) -> str | None:
    if explicit is not None:
        if explicit not in columns:
            raise AnnotationSchemaError(
                f"The wide table has no column '{explicit}'. Columns present: {', '.join(map(repr, columns))}."
            )
        return explicit
    keyed = {_key(c): c for c in columns}
    for synonym in SYNONYMS[role]:
        if _key(synonym) in keyed:
            return keyed[_key(synonym)]
    return None


def read_wide(
    source: Any,
    *,
    mapping: ColumnMapping,
    missing: Any = None,
    annotators: Sequence[str] | None = None,
    sep: str | None = None,
    header: bool | None = None,
) -> RawAnnotations:
    """Read a wide table into one row per (item, annotator) label.

    Parameters
    ----------
    source : path or DataFrame
    mapping : ColumnMapping
        ``item`` names the item id column (default: a column called like an item id, else the row position);
        ``image``/``round`` columns are carried along, not read as annotators.
    missing : scalar, optional
        The "not labelled" marker (e.g. ``-1``); blank cells always mean not labelled.
    annotators : sequence of str, optional
        The annotator columns (default: every other column).
    """
    frame, unit, bad = read_any_table(source, sep=sep, header=header)
    name = source_name(source)
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    headerless = (all(c.startswith("column_") for c in columns) and unit == "line" and len(frame) > 0
                  and frame.index[0] == 1)
    item_col = _find(columns, "item_id", mapping.item)
    carried = {role: _find(columns, role, getattr(mapping, role)) for role in _NON_ANNOTATOR_ROLES}
    carried = {k: v for k, v in carried.items() if v is not None}
    if annotators is not None:
        unknown = [a for a in annotators if a not in columns]
        if unknown:
            raise AnnotationSchemaError(f"Annotator column{'s' if len(unknown) != 1 else ''} {unknown} {'are' if len(unknown) != 1 else 'is'} not in the wide table; columns: {columns}.")
        ann_cols = list(annotators)
    else:
        ann_cols = [c for c in columns if c != item_col and c not in carried.values()]
    if not ann_cols:
        raise AnnotationSchemaError(
            f"The wide table '{name}' has no annotator columns (columns: {columns}). A wide table has one row per "
            "item and one column per annotator."
        )
    if item_col is None:
        # Row position as the item id (0-based), as in matrices published without ids.
        items = pd.Series(np.arange(len(frame)).astype(str), index=frame.index)
    else:
        items = frame[item_col]
    ann_ids = [c.removeprefix("column_") if headerless else c for c in ann_cols]
    marker = clean_text(missing) if missing is not None else None
    values = frame[ann_cols].to_numpy(dtype=object)
    text_frame = pd.DataFrame(values).map(clean_text)
    texts = text_frame.to_numpy(dtype=object)
    present = text_frame.notna().to_numpy()
    if marker is not None:
        present = present & (text_frame != marker).to_numpy()  # to_numpy() may be a read-only view
    n_labels = int(present.sum())
    if n_labels > current_limits().max_rows:
        raise AnnotationSchemaError(limit_message("max_rows", n_labels, f"the wide table '{name}' holds too many "
                                                  "labels (each filled cell becomes one annotation)"))
    r, c = np.nonzero(present)
    out = pd.DataFrame({
        "item_id": items.to_numpy(dtype=object)[r],
        "annotator_id": np.asarray(ann_ids, dtype=object)[c],
        "label": values[r, c],
    })
    for role, col in carried.items():
        out[role] = frame[col].to_numpy(dtype=object)[r]
    out["_source"] = name
    out["_row"] = frame.index.to_numpy()[r]
    mapping_used = {"item_id": item_col or "(row position)", "annotator_id": f"{len(ann_cols)} annotator columns",
                    "label": "cells"}
    mapping_used.update(carried)
    raw = RawAnnotations(frame=out, source=name, format="wide", unit=unit, rows_read=len(frame) + len(bad),
                         column_mapping=mapping_used, label_field="cells of the annotator columns")
    for b in bad:
        raw.skip(b["row"], b["reason"], b["detail"])
    empty_rows = frame.index.to_numpy()[~present.any(axis=1)] if len(frame) else []
    for row in empty_rows:
        raw.skip(row, "no_labels", "no annotator labelled this item")
    if marker is None and missing is None:
        looks_missing = {t for t in ("-1", "?", "-", "99", "999") if (texts == t).any()} if texts.size else set()
        if looks_missing:
            raw.warnings.append(
                f"cells {sorted(looks_missing)} were read as labels; if they mean 'not labelled', pass missing="
                f"{sorted(looks_missing)[0]!r}."
            )
    return raw
