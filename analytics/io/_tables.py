"""Reading any table-shaped source (path or DataFrame) into a frame with row numbers.

Shared by the tidy, wide and counts layouts and by the gold and predictions loaders.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import AnnotationFileError, AnnotationSchemaError, InvalidParameterError
from ..limits import current_limits, limit_message
from ._quotes import split_merged_rows
from ._files import check_table_shape, iter_json_lines, read_json_document, read_table, table_kind

__all__ = ["TableSource", "read_any_table", "source_name", "table_columns"]

TableSource = "str | os.PathLike[str] | pd.DataFrame"


def source_name(source: Any) -> str:
    """A short name for messages: the file name, or ``<DataFrame>``."""
    if isinstance(source, pd.DataFrame):
        return "<DataFrame>"
    return Path(source).name


def table_columns(path: str | os.PathLike[str], *, sep: str | None = None) -> list[str]:
    """The column names of a table file as :func:`read_any_table` reads them, reading only what they need:
    the first rows of a CSV/TSV file, the schema of a Parquet file (JSON tables are read whole)."""
    p = Path(path)
    kind = table_kind(p)
    if kind == "parquet":
        from ._files import read_parquet_head

        return [str(c) for c in read_parquet_head(p, 1).columns]
    if kind in ("text", "unknown"):
        frame, _, _ = read_table(p, sep=sep, nrows=50)
        return [str(c) for c in frame.columns]
    frame, _, _ = read_any_table(p, sep=sep)
    return [str(c) for c in frame.columns]


def read_any_table(
    source: Any, *, sep: str | None = None, header: bool | None = None
) -> tuple[pd.DataFrame, str, list[dict[str, Any]]]:
    """Read a table from a DataFrame, CSV/TSV/whitespace text, Parquet, JSON Lines or a JSON array of objects.

    Returns
    -------
    frame : pandas.DataFrame
        Indexed by the record's position label (file line number, or the DataFrame's index).
    unit : str
        ``"line"``, ``"record"`` or ``"row"`` (a DataFrame's index label; a DataFrame whose index repeats
        labels is numbered by position from 0 instead, since the report tells rows apart by label).
    bad_records : list of dict
        JSON Lines records that could not be used (``row``, ``reason``, ``detail``), to be reported as skipped.

    Raises
    ------
    AnnotationSchemaError
        Also when two columns have the same name (as text, spaces around a header trimmed): a column is found by
        its name, so which one was meant cannot be told.
    """
    frame, unit, bad = _read_any_table(source, sep=sep, header=header)
    _check_column_names(frame, source)
    return frame, unit, bad


def _check_column_names(frame: pd.DataFrame, source: Any) -> None:
    names = [str(c) for c in frame.columns]
    if len(set(names)) == len(names):
        return
    seen: dict[str, list[int]] = {}
    for position, name in enumerate(names, start=1):
        seen.setdefault(name, []).append(position)
    repeated = "; ".join(f"{name!r} (columns {', '.join(map(str, at))})" for name, at in seen.items() if len(at) > 1)
    raise AnnotationSchemaError(
        f"The table '{source_name(source)}' has repeated column names: {repeated}. Spaces around a header are "
        "trimmed, so 'id' and 'id ' are the same name. Give every column its own name and load it again.")


def _read_any_table(source: Any, *, sep: str | None, header: bool | None
                    ) -> tuple[pd.DataFrame, str, list[dict[str, Any]]]:
    limits = current_limits()
    if isinstance(source, pd.DataFrame):
        check_table_shape(source, "The DataFrame", limits)
        if not source.index.is_unique:  # rows are told apart by index label in the report: use positions
            return source.reset_index(drop=True), "row", []
        return source.copy(), "row", []
    if not isinstance(source, (str, os.PathLike)):
        raise InvalidParameterError(
            f"Expected a file path or a pandas DataFrame, got {type(source).__name__}."
        )
    path = Path(source)
    kind = table_kind(path)
    if kind in ("text", "parquet", "unknown"):
        frame, unit, first = read_table(path, sep=sep, header=header)
        if unit != "line":
            return frame, unit, []
        _check_column_names(frame, source)  # before the merged rows are looked for: they find columns by name
        frame, merged = split_merged_rows(frame, path=path, delimiter=frame.attrs.get("delimiter"), first=first)
        return frame, unit, merged
    if kind == "jsonl":
        records, rows, bad = [], [], []
        keys: set[str] = set()
        for line, value, error in iter_json_lines(path):
            if len(records) + len(bad) >= limits.max_rows:
                raise AnnotationSchemaError(limit_message("max_rows", f"more than {limits.max_rows:,}",
                                                          f"'{path.name}' has too many records", limits))
            if isinstance(value, dict):
                keys.update(value)
                if len(keys) > limits.max_columns:
                    raise AnnotationSchemaError(limit_message("max_columns", len(keys), f"the records of "
                                                              f"'{path.name}' have too many distinct keys", limits))
            if error is not None:
                bad.append({"row": line, "reason": "invalid_record", "detail": error})
            elif not isinstance(value, dict):
                bad.append({"row": line, "reason": "not_an_object", "detail": f"a JSON {type(value).__name__}"})
            else:
                records.append(value)
                rows.append(line)
        frame = pd.DataFrame.from_records(records, index=pd.Index(rows, name=None)) if records else pd.DataFrame()
        return frame.astype(object), "line", bad
    if kind == "json":
        doc = read_json_document(path)
        if isinstance(doc, dict):
            for key in ("annotations", "data", "records", "rows"):
                if isinstance(doc.get(key), list):
                    doc = doc[key]
                    break
        if not isinstance(doc, list):
            raise AnnotationFileError(
                f"'{path.name}' holds a JSON {type(doc).__name__}, not a list of annotation records. "
                "If it is a labeling tool's export, pass format= with the tool's name."
            )
        if len(doc) > limits.max_rows:
            raise AnnotationSchemaError(limit_message("max_rows", len(doc), f"'{path.name}' has too many records",
                                                      limits))
        n_keys = len(set().union(*(r.keys() for r in doc if isinstance(r, dict))))
        if n_keys > limits.max_columns:
            raise AnnotationSchemaError(limit_message("max_columns", n_keys, f"the records of '{path.name}' have too "
                                                      "many distinct keys", limits))
        bad = [{"row": i + 1, "reason": "not_an_object", "detail": f"a JSON {type(r).__name__}"}
               for i, r in enumerate(doc) if not isinstance(r, dict)]
        keep = [(i + 1, r) for i, r in enumerate(doc) if isinstance(r, dict)]
        frame = pd.DataFrame.from_records([r for _, r in keep], index=[i for i, _ in keep]) if keep else pd.DataFrame()
        return frame.astype(object), "record", bad
    raise AnnotationFileError(f"'{path.name}' is not a table (extension {path.suffix!r}); pass format=.")
