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

__all__ = ["read_tidy", "frame_to_raw", "resolve_image_paths", "image_sample", "images_next_to",
           "resolve_relative_images", "image_note", "IMAGE_SAMPLE"]


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


def resolve_image_paths(raw: RawAnnotations, base: Path) -> None:
    """Make relative image paths absolute when they exist relative to the annotations file.

    Exports often store images next to the file (``images/0001.png``); resolving them once here lets
    thumbnails work wherever the dashboard or report runs. URLs and absolute paths are left as they are.
    The file's first :data:`IMAGE_SAMPLE` distinct relative paths decide (:func:`images_next_to`).
    """
    if "image" not in raw.frame.columns:
        return
    values = raw.frame["image"]
    if not images_next_to(base, image_sample(values)):
        return
    raw.frame["image"] = resolve_relative_images(values, base)
    raw.notes.append(image_note(base))


#: Distinct relative image paths of a file checked for existence next to it.
IMAGE_SAMPLE = 50


def relative_images(values: pd.Series) -> pd.Series:
    """The image references (as text) that are relative paths: not URLs, not absolute."""
    text = values.dropna().astype(str)
    return text[~text.str.contains("://", regex=False) & ~text.map(os.path.isabs)]


def image_sample(values: pd.Series) -> list[str]:
    """The first :data:`IMAGE_SAMPLE` distinct relative image paths, in order."""
    return relative_images(values).drop_duplicates().head(IMAGE_SAMPLE).tolist()


def images_next_to(base: Path, sample: list[str]) -> bool:
    """Whether any path of ``sample`` names a file relative to ``base`` (then the file's relative paths resolve)."""
    return any(_is_file(base / v) for v in sample)


def resolve_relative_images(values: pd.Series, base: Path) -> pd.Series:
    """``values`` with every relative path made absolute under ``base``."""
    relative = relative_images(values)
    rel_mask = values.notna() & values.astype(str).isin(set(relative))
    out = values.copy()
    relative_text = values[rel_mask].astype(str)
    resolved = {v: _resolved(base, v) for v in relative_text.unique()}  # each distinct path resolved once
    out.loc[rel_mask] = relative_text.map(resolved)
    return out


def image_note(base: Path) -> str:
    return f"image paths were read relative to the annotations file's folder ({base})."


def _is_file(path: Path) -> bool:
    """``path.is_file()``, false for names the system refuses (too long, NUL bytes): image cells are untrusted."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _resolved(base: Path, value: str) -> str:
    try:
        return str((base / value).resolve())
    except (OSError, ValueError):
        return value


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
    raw = frame_to_raw(frame, resolved, source=source_name(source), fmt="tidy", unit=unit, bad_records=bad)
    if not isinstance(source, pd.DataFrame):
        resolve_image_paths(raw, Path(source).resolve().parent)
    return raw


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
    resolve_image_paths(raw, Path(source).resolve().parent)
    return raw
