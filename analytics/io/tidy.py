"""Tidy tables: one row per annotation (CSV/TSV/Parquet/JSON Lines/JSON records or a DataFrame)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._files import table_kind
from ._mapping import CANONICAL_COLUMNS, ColumnMapping
from ._raw import RawAnnotations
from ._tables import read_any_table, source_name

__all__ = ["read_tidy", "frame_to_raw", "read_coded_tidy", "renamed_columns", "CODED_ROLES"]


def renamed_columns(columns: Any, mapping: dict[str, str]) -> list[tuple[int, Any]]:
    """``(position, new name)`` of the columns kept: mapped columns get their canonical name, an unmapped column
    named like a canonical one gets ``_input`` appended, and of columns that end up with the same name the
    first is kept."""
    renamed = {col: role for role, col in mapping.items()}
    mapped = set(mapping.values())
    out, seen = [], set()
    for i, c in enumerate(columns):
        name = f"{c}_input" if c in CANONICAL_COLUMNS and c not in renamed and c not in mapped else c
        name = renamed.get(name, name)
        if name not in seen:
            seen.add(name)
            out.append((i, name))
    return out


def frame_to_raw(frame: pd.DataFrame, mapping: dict[str, str], *, source: str, fmt: str, unit: str,
                 bad_records: list[dict[str, Any]] | None = None) -> RawAnnotations:
    """Rename mapped columns to their canonical names, keep the others, and add ``_source``/``_row``."""
    kept = renamed_columns(frame.columns, mapping)
    out = frame.iloc[:, [i for i, _ in kept]].copy(deep=False)
    out.columns = [name for _, name in kept]
    out["_source"] = source
    out["_row"] = frame.index.to_numpy()
    raw = RawAnnotations(frame=out.reset_index(drop=True), source=source, format=fmt, unit=unit,
                         rows_read=len(frame) + len(bad_records or []), column_mapping=dict(mapping),
                         label_field=mapping.get("label"))
    for bad in bad_records or []:
        raw.skip(bad["row"], bad["reason"], bad["detail"])
    return raw


def read_tidy(source: Any, *, mapping: ColumnMapping, sep: str | None = None,
              header: bool | None = None) -> RawAnnotations:
    """Read a tidy table; the column mapping says (or synonyms find) which column is which.

    CSV/TSV and Parquet files are read with Arrow into coded columns (:func:`read_coded_tidy`) when Arrow can
    read them exactly as pandas would; everything else, with pandas.
    """
    if isinstance(source, (str, os.PathLike)) and table_kind(Path(source)) in ("text", "parquet", "unknown"):
        raw = read_coded_tidy(source, mapping=mapping, sep=sep, header=header)
        if raw is not None:
            return raw
    frame, unit, bad = read_any_table(source, sep=sep, header=header)
    resolved = mapping.resolve(frame.columns)
    return frame_to_raw(frame, resolved, source=source_name(source), fmt="tidy", unit=unit, bad_records=bad)


#: Canonical columns read as codes into their distinct values (validation cleans those values only).
CODED_ROLES = ("item_id", "annotator_id", "label", "round")


def read_coded_tidy(source: str | os.PathLike[str], *, mapping: ColumnMapping, sep: str | None = None,
                    header: bool | None = None) -> RawAnnotations | None:
    """A tidy CSV/TSV/Parquet file read with Arrow (:mod:`._arrow`): id, label and round columns as
    :class:`~analytics._coded.Coded` codes, the other columns as :func:`read_tidy` gives them; None when Arrow
    cannot read the file exactly as pandas would (pandas reads it then)."""
    from ._arrow import encode_column, is_text, object_column, read_arrow_table

    def dictionary(names: list[str]) -> list[str]:  # Parquet: the coded columns as stored (no re-hashing)
        return [names[i] for i, name in renamed_columns(names, mapping.resolve(names)) if name in CODED_ROLES]

    got = read_arrow_table(source, sep=sep, header=header, dictionary=dictionary)
    if got is None:
        return None
    table = got.table
    names = [str(c) for c in table.column_names]
    if len(set(names)) != len(names):
        return None  # repeated column names: read_tidy's reading names them in its error
    resolved = mapping.resolve(names)
    n = table.num_rows
    coded, columns = {}, {}
    for position, name in renamed_columns(names, resolved):
        column = table.column(position)
        if name in CODED_ROLES and is_text(column):
            coded[name] = encode_column(column, first_appearance=name == "label")
        else:
            columns[name] = object_column(column, got.kind) if name not in CODED_ROLES else column.to_pandas()
    del table
    name = source_name(source)
    index = pd.RangeIndex(n)
    columns["_source"] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[name])
    columns["_row"] = np.arange(got.first_row, got.first_row + n, dtype=np.int64)
    frame = pd.DataFrame({k: pd.Series(v, index=index, dtype=object if isinstance(v, np.ndarray) and v.dtype == object
                                       else None, copy=False) for k, v in columns.items()}, index=index, copy=False)
    order = [c for _, c in renamed_columns(names, resolved)]
    raw = RawAnnotations(frame=frame, source=name, format="tidy", unit=got.unit, rows_read=n,
                         column_mapping=dict(resolved), label_field=resolved.get("label"), coded=coded,
                         column_order=order)
    return raw
