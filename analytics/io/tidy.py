"""Tidy tables: one row per annotation (CSV/TSV/Parquet/JSON Lines/JSON records or a DataFrame)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._mapping import CANONICAL_COLUMNS, ColumnMapping
from ._raw import RawAnnotations
from ._tables import read_any_table, source_name

__all__ = ["read_tidy", "frame_to_raw"]


def frame_to_raw(frame: pd.DataFrame, mapping: dict[str, str], *, source: str, fmt: str, unit: str,
                 bad_records: list[dict[str, Any]] | None = None) -> RawAnnotations:
    """Rename mapped columns to their canonical names, keep the others, and add ``_source``/``_row``."""
    renamed = {col: role for role, col in mapping.items()}
    clashes = [c for c in frame.columns if c in CANONICAL_COLUMNS and c not in renamed and c not in mapping.values()]
    out = frame.rename(columns={c: f"{c}_input" for c in clashes}).rename(columns=renamed)
    out = out.loc[:, ~out.columns.duplicated()]
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
    """Read a tidy table; the column mapping says (or synonyms find) which column is which."""
    frame, unit, bad = read_any_table(source, sep=sep, header=header)
    resolved = mapping.resolve(frame.columns)
    return frame_to_raw(frame, resolved, source=source_name(source), fmt="tidy", unit=unit, bad_records=bad)
