"""Input of the Dask backend: files (a directory, a glob, a list) or a Dask DataFrame, cut into pieces.

A *piece* is what one task reads: a few row groups of a Parquet file, a whole CSV/TSV file, or one
partition of a Dask DataFrame. Reading a piece gives a pandas frame with the mapped columns renamed to
``item_id``, ``annotator_id``, ``label`` (and ``round``, ``image``), plus ``_row``: the record's number in its
source, as the in-memory loaders count it (Parquet rows from 1, text-file line numbers, rows of a Dask
DataFrame from 1 in partition order). Only these columns are read (column projection).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..exceptions import AnnotationFileError, InvalidParameterError
from ..io._files import read_table, table_kind
from ..io._mapping import ColumnMapping

__all__ = ["Piece", "list_files", "file_pieces", "read_piece", "read_parquet_piece", "KEPT_ROLES", "CODED_ROLES",
           "PIECE_ROWS"]

#: Canonical columns the Dask backend reads (everything per-annotation that the covered analytics use).
KEPT_ROLES = ("item_id", "annotator_id", "label", "round", "image")

#: Columns read dictionary-encoded from Parquet when they hold text (cleaned per distinct value; item ids,
#: mostly distinct, are cleaned row by row, see :mod:`._arrow_text`).
CODED_ROLES = ("annotator_id", "label", "round")

#: Rows per piece of a Parquet file (whole row groups are grouped up to about this many rows).
PIECE_ROWS = 1_000_000

_GLOB_CHARS = set("*?[")
_TABLE_KINDS = ("parquet", "text")


@dataclass(frozen=True)
class Piece:
    """One unit of reading (see the module docstring).

    ``source`` indexes the source names; ``first_row`` is the number of the piece's first record
    (Parquet; for a Dask DataFrame partition it is set once the partition lengths are known);
    ``row_groups`` the Parquet row groups (None: the whole file).
    """

    source: int
    path: str | None
    kind: str
    row_groups: tuple[int, ...] | None = None
    first_row: int = 1


def list_files(source: "str | os.PathLike[str] | Sequence[str | os.PathLike[str]]") -> list[Path]:
    """The table files a path, directory, glob pattern or list of them names (sorted, duplicates dropped).

    A directory contributes every Parquet/CSV/TSV file below it (Hive-style ``key=value`` folders
    included); a glob may use ``**``.
    """
    entries = list(source) if isinstance(source, (list, tuple)) else [source]
    if not entries:
        raise InvalidParameterError("source is an empty list; give at least one file, directory or glob.")
    found: list[Path] = []
    for entry in entries:
        text = os.fspath(entry)
        if any(ch in text for ch in _GLOB_CHARS):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True))
            matches = [p for p in matches if p.is_file() and table_kind(p) in _TABLE_KINDS]
            if not matches:
                raise AnnotationFileError(f"No Parquet, CSV or TSV file matches {text!r}.")
        elif Path(text).is_dir():
            matches = sorted(p for p in Path(text).rglob("*")
                             if p.is_file() and not p.name.startswith((".", "_")) and table_kind(p) in _TABLE_KINDS)
            if not matches:
                raise AnnotationFileError(f"The folder '{text}' holds no Parquet, CSV or TSV file.")
        else:
            path = Path(text)
            if not path.is_file():
                raise AnnotationFileError(f"'{text}' does not exist (give a file, a folder or a glob such as "
                                          "'data/*.parquet').")
            if table_kind(path) not in _TABLE_KINDS:
                raise AnnotationFileError(
                    f"'{path.name}' is not a Parquet, CSV or TSV table; the Dask backend reads tidy tables only "
                    "(load labeling-tool exports in memory, or convert them to Parquet first).")
            matches = [path]
        found.extend(matches)
    return list(dict.fromkeys(found))


def file_pieces(files: list[Path], *, piece_rows: int = PIECE_ROWS) -> list[Piece]:
    """Pieces of the files: consecutive Parquet row groups up to ``piece_rows`` rows, whole text files."""
    import pyarrow.parquet as pq

    pieces: list[Piece] = []
    for index, path in enumerate(files):
        if table_kind(path) != "parquet":
            pieces.append(Piece(index, str(path), "text"))
            continue
        try:
            meta = pq.ParquetFile(path).metadata
        except Exception as exc:  # pyarrow raises many types; all mean "cannot read"
            raise AnnotationFileError(
                f"Cannot read '{path}' as Parquet ({type(exc).__name__}: {exc}). The file may be truncated or not "
                "Parquet; re-export it.") from None
        groups: list[int] = []
        rows = first = 0
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            if groups and rows + n > piece_rows:
                pieces.append(Piece(index, str(path), "parquet", tuple(groups), first + 1))
                first += rows
                groups, rows = [], 0
            groups.append(g)
            rows += n
        pieces.append(Piece(index, str(path), "parquet", tuple(groups), first + 1))
    return pieces


def _rename(frame: pd.DataFrame, mapping: ColumnMapping, what: str) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    resolved = {role: col for role, col in mapping.resolve(frame.columns, what=what).items() if role in KEPT_ROLES}
    dropped = [str(c) for c in frame.columns if c not in resolved.values()]
    out = frame[list(resolved.values())].copy()
    out.columns = list(resolved.keys())
    return out, resolved, dropped


def read_parquet_piece(piece: Piece, mapping: ColumnMapping) -> tuple[Any, dict[str, str], list[str]]:
    """Read the row groups of a Parquet piece as an Arrow table with the canonical column names:
    ``(table, column_mapping, dropped_columns)``. Text id, label and round columns come dictionary-encoded
    (as stored when the writer used dictionary pages; otherwise Arrow encodes them while reading)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = Path(piece.path).name
    try:
        schema = pq.read_schema(piece.path)
    except Exception as exc:  # pyarrow raises many types; all mean "cannot read"
        raise AnnotationFileError(f"Cannot read '{piece.path}' as Parquet ({type(exc).__name__}: {exc}).") from None
    names = schema.names
    resolved = {role: col for role, col in mapping.resolve(names, what=f"file '{name}'").items() if role in KEPT_ROLES}
    text = [col for role, col in resolved.items() if role in CODED_ROLES
            and (pa.types.is_string(schema.field(col).type) or pa.types.is_large_string(schema.field(col).type))]
    try:
        handle = pq.ParquetFile(piece.path, read_dictionary=text or None)
        table = handle.read_row_groups(list(piece.row_groups), columns=list(resolved.values()))
        table.validate(full=True)  # invalid UTF-8 in a damaged page would fail later, deep inside
    except Exception as exc:  # pyarrow raises many types; all mean "cannot read"
        raise AnnotationFileError(f"Cannot read '{piece.path}' as Parquet ({type(exc).__name__}: {exc}).") from None
    table = table.rename_columns(list(resolved.keys()))
    dropped = [c for c in names if c not in resolved.values()]
    return table, resolved, dropped


def read_piece(piece: Piece, mapping: ColumnMapping, sep: str | None = None,
               frame: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Read one piece: ``(frame, column_mapping, dropped_columns)``.

    ``frame`` has the canonical columns found and ``_row`` (int64). ``frame`` given: a partition of a
    Dask DataFrame (rows numbered from ``piece.first_row``).
    """
    if frame is None and piece.kind == "parquet":
        import pyarrow.parquet as pq

        handle = pq.ParquetFile(piece.path)
        names = handle.schema_arrow.names
        resolved = {role: col for role, col in mapping.resolve(names, what=f"file '{Path(piece.path).name}'").items()
                    if role in KEPT_ROLES}
        try:
            table = handle.read_row_groups(list(piece.row_groups), columns=list(resolved.values()))
        except Exception as exc:  # pyarrow raises many types; all mean "cannot read"
            raise AnnotationFileError(f"Cannot read '{piece.path}' as Parquet ({type(exc).__name__}: {exc}).") from None
        raw = table.to_pandas()
        raw.columns = list(resolved.keys())
        dropped = [c for c in names if c not in resolved.values()]
        raw["_row"] = np.arange(piece.first_row, piece.first_row + len(raw), dtype=np.int64)
        return raw.reset_index(drop=True), resolved, dropped
    if frame is None:
        text, _, _ = read_table(piece.path, sep=sep)
        out, resolved, dropped = _rename(text, mapping, f"file '{Path(piece.path).name}'")
        out["_row"] = np.asarray(text.index, dtype=np.int64)
        return out.reset_index(drop=True), resolved, dropped
    out, resolved, dropped = _rename(frame, mapping, "Dask DataFrame")
    out["_row"] = np.arange(piece.first_row, piece.first_row + len(out), dtype=np.int64)
    return out.reset_index(drop=True), resolved, dropped

