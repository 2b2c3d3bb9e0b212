"""Reading files into pandas with errors a user can act on.

Every reader here turns pandas/pyarrow/json failures into :class:`~analytics.exceptions.AnnotationFileError`
naming the file, what went wrong and what to do, so no traceback from deep inside pandas
reaches the user.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from .._labels import MISSING_MARKERS
from ..exceptions import AnnotationFileError

__all__ = [
    "MISSING_MARKERS",
    "DEFAULT_MAX_FILE_BYTES",
    "check_file",
    "read_table",
    "read_json_document",
    "iter_json_lines",
    "table_kind",
    "sniff_text",
]


#: Default size limit of one input file (bytes); override with the ``AQA_MAX_FILE_BYTES`` variable.
DEFAULT_MAX_FILE_BYTES = 2 * 1024**3

_TEXT_TABLE_EXT = {".csv", ".tsv", ".tab", ".txt", ".dat"}
_JSON_LINES_EXT = {".jsonl", ".ndjson", ".manifest"}


def table_kind(path: Path) -> str:
    """Classify a path by extension: ``"text"``, ``"parquet"``, ``"jsonl"``, ``"json"``, ``"xml"`` or ``"unknown"``."""
    suffixes = [s.lower() for s in path.suffixes]
    ext = suffixes[-1] if suffixes else ""
    if ext in (".gz", ".bz2", ".zip", ".xz") and len(suffixes) >= 2:
        ext = suffixes[-2]
    if ext in _TEXT_TABLE_EXT:
        return "text"
    if ext in (".parquet", ".pq"):
        return "parquet"
    if ext in _JSON_LINES_EXT:
        return "jsonl"
    if ext == ".json":
        return "json"
    if ext == ".xml":
        return "xml"
    return "unknown"


def _max_bytes() -> int:
    try:
        return int(os.environ.get("AQA_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))
    except ValueError:
        return DEFAULT_MAX_FILE_BYTES


def check_file(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path` after checking it exists, is a file and is within the size limit."""
    p = Path(path)
    if not p.exists():
        raise AnnotationFileError(f"File not found: '{p}'. Check the path (relative paths are read from {Path.cwd()}).")
    if not p.is_file():
        raise AnnotationFileError(f"'{p}' is a directory, not a file. Pass the export file itself.")
    size = p.stat().st_size
    limit = _max_bytes()
    if size > limit:
        raise AnnotationFileError(
            f"'{p}' is {size / 1e6:,.0f} MB, above the {limit / 1e6:,.0f} MB limit for one file. "
            "Split the export, or raise the limit with the AQA_MAX_FILE_BYTES environment variable."
        )
    if size == 0:
        raise AnnotationFileError(f"'{p}' is empty (0 bytes). Export the annotations again.")
    return p


def sniff_text(path: Path, n_bytes: int = 65536) -> str:
    """The first ``n_bytes`` of a file decoded as UTF-8 (BOM removed); raises on binary content."""
    with open(path, "rb") as fh:
        head = fh.read(n_bytes)
    if b"\x00" in head[:4096]:
        raise AnnotationFileError(
            f"'{path}' looks binary (it contains NUL bytes), not a text table. "
            "If it is a Parquet file, give it a .parquet extension."
        )
    return head.decode("utf-8-sig", errors="replace")


def _delimiter(path: Path, head: str, sep: str | None) -> str | None:
    if sep is not None:
        return sep
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    lines = [ln for ln in head.splitlines()[:20] if ln.strip()]
    if not lines:
        return ","
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",\t;| ")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    if delim == " ":
        return r"\s+"
    return delim


def _first_line_is_header(head: str, delim: str | None) -> bool:
    """A first line made only of numbers is data, not a header."""
    first = next((ln for ln in head.splitlines() if ln.strip()), "").strip()
    cells = first.split() if delim in (None, r"\s+") else first.split(delim)

    def numeric(cell: str) -> bool:
        try:
            float(cell.strip().strip('"'))
            return True
        except ValueError:
            return False

    return not (cells and all(numeric(c) for c in cells))


def read_table(
    path: str | os.PathLike[str],
    *,
    sep: str | None = None,
    header: bool | None = None,
) -> tuple[pd.DataFrame, str, int]:
    """Read a CSV/TSV/whitespace/Parquet table with every cell as text.

    Parameters
    ----------
    path : path-like
    sep : str, optional
        Delimiter; detected when omitted (``.tsv`` → tab, otherwise sniffed among ``, ; | tab space``).
    header : bool, optional
        Whether the first line is a header; detected when omitted (a first line of numbers only is data).

    Returns
    -------
    frame : pandas.DataFrame
        Cells as Python strings (``None`` where the cell is one of :data:`MISSING_MARKERS`);
        Parquet columns keep their dtypes.
    unit : str
        ``"line"`` for text tables (the ``_row`` column holds the file's line number) or ``"row"``.
    first_line : int
        Line number of the first data row (2 with a header, 1 without).
    """
    p = check_file(path)
    kind = table_kind(p)
    if kind == "parquet":
        try:
            frame = pd.read_parquet(p)
        except Exception as exc:  # pyarrow raises many types; all mean "cannot read"
            raise AnnotationFileError(
                f"Cannot read '{p}' as Parquet ({type(exc).__name__}: {exc}). "
                "The file may be truncated or not Parquet; re-export it."
            ) from None
        frame = frame.reset_index(drop=True)
        frame.index = frame.index + 1
        return frame, "row", 1
    head = sniff_text(p)
    delim = _delimiter(p, head, sep)
    has_header = _first_line_is_header(head, delim) if header is None else header
    try:
        frame = pd.read_csv(
            p,
            sep=delim,
            dtype=str,
            header=0 if has_header else None,
            keep_default_na=False,
            na_values=list(MISSING_MARKERS),
            skip_blank_lines=True,
            encoding="utf-8-sig",
            engine="python" if delim == r"\s+" else "c",
            on_bad_lines="error",
        )
    except pd.errors.EmptyDataError:
        raise AnnotationFileError(f"'{p}' has no rows: the file is empty or holds only blank lines.") from None
    except pd.errors.ParserError as exc:
        raise AnnotationFileError(
            f"Cannot parse '{p}' as a delimited table ({exc}). A row with a different number of cells "
            "usually means a truncated file or an unquoted delimiter inside a cell; re-export it, or pass "
            "sep= if the delimiter is not what was detected "
            f"({'tab' if delim == chr(9) else repr(delim)})."
        ) from None
    except UnicodeDecodeError as exc:
        raise AnnotationFileError(
            f"'{p}' is not UTF-8 text (byte {exc.start}: {exc.reason}). Save it as UTF-8 and load it again."
        ) from None
    if not has_header:
        frame.columns = [f"column_{i}" for i in range(frame.shape[1])]
    frame.columns = [str(c).strip() for c in frame.columns]
    # pandas skips blank lines, so line numbers cannot be recovered exactly from the index when the file
    # has blank lines inside; tables exported by tools do not, and the index is then the line number.
    first = 2 if has_header else 1
    frame.index = pd.RangeIndex(first, first + len(frame))
    frame = frame.astype(object).where(frame.notna(), None)
    return frame, "line", first


def read_json_document(path: str | os.PathLike[str]) -> Any:
    """Parse a whole JSON document, with a clear error when it is invalid or truncated."""
    p = check_file(path)
    text = sniff_text(p, n_bytes=p.stat().st_size)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = (
            " The file ends early: it looks truncated; export it again."
            if exc.pos >= len(text.rstrip()) - 1
            else " If it holds one JSON object per line, give it a .jsonl extension."
        )
        raise AnnotationFileError(
            f"'{p}' is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.{hint}"
        ) from None


def iter_json_lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, Any | None, str | None]]:
    """Stream a JSON Lines file: yields ``(line_number, parsed_value_or_None, error_or_None)``.

    Blank lines are not yielded. Memory stays bounded by one line.
    """
    p = check_file(path)
    with open(p, encoding="utf-8-sig", errors="strict") as fh:
        try:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line), None
                except json.JSONDecodeError as exc:
                    yield number, None, f"invalid JSON ({exc.msg} at column {exc.colno})"
        except UnicodeDecodeError as exc:
            raise AnnotationFileError(
                f"'{p}' is not UTF-8 text (byte {exc.start}: {exc.reason}). Save it as UTF-8 and load it again."
            ) from None
