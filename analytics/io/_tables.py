"""Reading any table-shaped source (path or DataFrame) into a frame with row numbers.

Shared by the tidy, wide and counts layouts and by the gold and predictions loaders.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import AnnotationFileError, InvalidParameterError
from ._files import iter_json_lines, read_json_document, read_table, table_kind

__all__ = ["TableSource", "read_any_table", "source_name"]

TableSource = "str | os.PathLike[str] | pd.DataFrame"


def source_name(source: Any) -> str:
    """A short name for messages: the file name, or ``<DataFrame>``."""
    if isinstance(source, pd.DataFrame):
        return "<DataFrame>"
    return Path(source).name


def read_any_table(
    source: Any, *, sep: str | None = None, header: bool | None = None
) -> tuple[pd.DataFrame, str, list[dict[str, Any]]]:
    """Read a table from a DataFrame, CSV/TSV/whitespace text, Parquet, JSON Lines or a JSON array of objects.

    Returns
    -------
    frame : pandas.DataFrame
        Indexed by the record's position label (file line number, or the DataFrame's index).
    unit : str
        ``"line"`` or ``"row"``.
    bad_records : list of dict
        JSON Lines records that could not be used (``row``, ``reason``, ``detail``), to be reported as skipped.
    """
    if isinstance(source, pd.DataFrame):
        return source.copy(), "row", []
    if not isinstance(source, (str, os.PathLike)):
        raise InvalidParameterError(
            f"Expected a file path or a pandas DataFrame, got {type(source).__name__}."
        )
    path = Path(source)
    kind = table_kind(path)
    if kind in ("text", "parquet", "unknown"):
        frame, unit, _ = read_table(path, sep=sep, header=header)
        return frame, unit, []
    if kind == "jsonl":
        records, rows, bad = [], [], []
        for line, value, error in iter_json_lines(path):
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
        bad = [{"row": i + 1, "reason": "not_an_object", "detail": f"a JSON {type(r).__name__}"}
               for i, r in enumerate(doc) if not isinstance(r, dict)]
        keep = [(i + 1, r) for i, r in enumerate(doc) if isinstance(r, dict)]
        frame = pd.DataFrame.from_records([r for _, r in keep], index=[i for i, _ in keep]) if keep else pd.DataFrame()
        return frame.astype(object), "record", bad
    raise AnnotationFileError(f"'{path.name}' is not a table (extension {path.suffix!r}); pass format=.")
