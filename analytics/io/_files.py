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
from ..exceptions import AnnotationFileError, AnnotationSchemaError, InvalidParameterError
from .._json import loads
from ..limits import Limits, current_limits, limit_message

__all__ = [
    "MISSING_MARKERS",
    "DEFAULT_MAX_FILE_BYTES",
    "check_file",
    "check_table_shape",
    "read_table",
    "read_json_document",
    "iter_json_lines",
    "table_kind",
    "sniff_text",
    "text_encoding",
]


#: Default size limit of one input file (bytes); see :class:`analytics.limits.Limits` (``AQA_MAX_FILE_BYTES``).
DEFAULT_MAX_FILE_BYTES = Limits().max_file_bytes

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


def check_file(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path` after checking it exists, is a file and is within the size limit."""
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidParameterError(f"Expected a file path, got {type(path).__name__}: {str(path)[:80]!r}.")
    p = Path(path)
    if not p.exists():
        raise AnnotationFileError(f"File not found: '{p}'. Check the path (relative paths are read from {Path.cwd()}).")
    if not p.is_file():
        raise AnnotationFileError(f"'{p}' is a directory, not a file. Pass the export file itself.")
    size = p.stat().st_size
    limits = current_limits()
    if size > limits.max_file_bytes:
        raise AnnotationFileError(limit_message("max_file_bytes", size, f"'{p.name}' is too large "
                                                f"({size / 1e6:,.1f} MB; split the export)", limits))
    if size == 0:
        raise AnnotationFileError(f"'{p}' is empty (0 bytes). Export the annotations again.")
    return p


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
         (b"\xfe\xff", "utf-16"))


def text_encoding(path: str | os.PathLike[str]) -> str:
    """The encoding to read a text file with: UTF-16/UTF-32 when it starts with their byte-order mark
    (as Excel's "Unicode text" and PowerShell write), else UTF-8 with an optional BOM (``"utf-8-sig"``)."""
    with open(path, "rb") as fh:
        start = fh.read(4)
    return next((name for bom, name in _BOMS if start.startswith(bom)), "utf-8-sig")


def sniff_text(path: Path, n_bytes: int = 65536) -> str:
    """The first ``n_bytes`` of a file decoded as text (UTF-8, or UTF-16/32 with a byte-order mark; BOM removed);
    raises on binary content."""
    encoding = text_encoding(path)
    with open(path, "rb") as fh:
        head = fh.read(n_bytes)
    if encoding != "utf-8-sig":
        unit = 4 if encoding == "utf-32" else 2
        return head[: len(head) - len(head) % unit].decode(encoding, errors="replace")
    if b"\x00" in head[:4096]:
        sample = head[:4096]
        if len(sample) >= 8 and (sample[1::2].count(0) > 0.9 * len(sample[1::2])
                                 or sample[0::2].count(0) > 0.9 * len(sample[0::2])):
            raise AnnotationFileError(
                f"'{path}' looks like UTF-16 text without a byte-order mark (every other byte is NUL). Save it as "
                "UTF-8 (or as UTF-16 with a BOM, Excel's 'Unicode text') and load it again.")
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
    nrows: int | None = None,
) -> tuple[pd.DataFrame, str, int]:
    """Read a CSV/TSV/whitespace/Parquet table with every cell as text.

    Parameters
    ----------
    path : path-like
    sep : str, optional
        Delimiter; detected when omitted (``.tsv`` → tab, otherwise sniffed among ``, ; | tab space``).
    header : bool, optional
        Whether the first line is a header; detected when omitted (a first line of numbers only is data).
    nrows : int, optional
        Text tables: read only the first ``nrows`` data rows (a look at the table, e.g. to detect its layout).

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
    limits = current_limits()
    if kind == "parquet":
        try:
            _check_parquet_shape(p, limits)
            frame = _read_parquet(p)
        except AnnotationSchemaError:
            raise
        except Exception as exc:  # pyarrow raises many types; all mean "cannot read"
            raise cannot_read_parquet(p, exc) from None
        frame = frame.reset_index(drop=True)
        frame.index = frame.index + 1
        return frame, "row", 1
    head = sniff_text(p)
    delim = _delimiter(p, head, sep)
    has_header = _first_line_is_header(head, delim) if header is None else header
    _check_first_line_width(p, delim, limits)
    try:
        frame = pd.read_csv(
            p,
            nrows=limits.max_rows + 1 if nrows is None else min(nrows, limits.max_rows + 1),
            sep=delim,
            dtype=str,
            header=0 if has_header else None,
            keep_default_na=False,
            na_values=list(MISSING_MARKERS),
            skip_blank_lines=True,
            encoding=text_encoding(p),
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
    check_table_shape(frame, f"'{p.name}'", limits)
    if not has_header:
        frame.columns = [f"column_{i}" for i in range(frame.shape[1])]
    frame.columns = [str(c).strip() for c in frame.columns]
    # pandas skips blank lines, so line numbers cannot be recovered exactly from the index when the file
    # has blank lines inside; tables exported by tools do not, and the index is then the line number.
    first = 2 if has_header else 1
    frame.index = pd.RangeIndex(first, first + len(frame))
    frame = frame.astype(object).where(frame.notna(), None)
    frame.attrs["delimiter"] = delim  # for the stray-quote check of analytics.io._quotes
    return frame, "line", first


def check_table_shape(frame: pd.DataFrame, what: str, limits: Limits | None = None) -> None:
    """Raise :class:`AnnotationSchemaError` when a table has more rows or columns than the limits allow."""
    limits = limits or current_limits()
    if frame.shape[0] > limits.max_rows:
        raise AnnotationSchemaError(limit_message("max_rows", frame.shape[0], f"{what} has too many rows", limits))
    if frame.shape[1] > limits.max_columns:
        raise AnnotationSchemaError(limit_message("max_columns", frame.shape[1], f"{what} has too many columns",
                                                  limits))



def cannot_read_parquet(path: object, exc: BaseException) -> AnnotationFileError:
    """The error for a Parquet file pyarrow cannot read (pyarrow raises many types; all mean "cannot read")."""
    return AnnotationFileError(f"Cannot read '{path}' as Parquet ({type(exc).__name__}: {exc}). "
                               "The file may be truncated or not Parquet; re-export it.")

def _check_parquet_shape(path: Path, limits: Limits) -> None:
    """Check rows and columns from the Parquet footer, before reading any data."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    if meta.num_rows > limits.max_rows:
        raise AnnotationSchemaError(limit_message("max_rows", meta.num_rows, f"'{path.name}' has too many rows",
                                                  limits))
    if meta.num_columns > limits.max_columns:
        raise AnnotationSchemaError(limit_message("max_columns", meta.num_columns,
                                                  f"'{path.name}' has too many columns", limits))


def read_parquet_head(path: Path, n: int) -> pd.DataFrame:
    """The first ``n`` rows of a Parquet file (after the footer's shape check), as :func:`read_table` reads them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = check_file(path)
    try:
        _check_parquet_shape(p, current_limits())
        handle = pq.ParquetFile(p)
        batch = next(handle.iter_batches(batch_size=n), None)
        table = pa.Table.from_batches([batch]) if batch is not None else handle.schema_arrow.empty_table()
        table.validate(full=True)
    except AnnotationSchemaError:
        raise
    except Exception as exc:  # pyarrow raises many types; all mean "cannot read"
        raise cannot_read_parquet(p, exc) from None
    return table.to_pandas()


def _read_parquet(path: Path) -> pd.DataFrame:
    """Read Parquet after full validation: a damaged data page can hold invalid UTF-8 that pyarrow reads
    without complaint and that fails later, deep inside pandas."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    table.validate(full=True)
    return table.to_pandas()


def _check_first_line_width(path: Path, delim: str | None, limits: Limits, chunk: int = 1 << 20) -> None:
    """Refuse a text table whose first line has more fields than ``max_columns``, reading only that line.

    pandas would allocate every column of a multi-gigabyte one-line file before any check could run.
    Delimiters inside quotes are counted too, so the count is an upper bound (only a header of more
    than ``max_columns`` quoted delimiters could be refused wrongly).
    """
    if delim is None or len(delim) != 1:
        return
    count = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            line, newline, _ = block.partition(b"\n")
            count += line.count(delim.encode())
            if count + 1 > limits.max_columns:
                raise AnnotationSchemaError(limit_message("max_columns", f"more than {limits.max_columns:,}",
                                                          f"the first line of '{path.name}' has too many fields",
                                                          limits))
            if newline:
                break


def read_json_document(path: str | os.PathLike[str]) -> Any:
    """Parse a whole JSON document, with a clear error when it is invalid or truncated."""
    p = check_file(path)
    text = sniff_text(p, n_bytes=p.stat().st_size)
    try:
        return loads(text, where=f"'{p.name}'")
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
    with open(p, encoding=text_encoding(p), errors="strict") as fh:
        try:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, loads(line, where=f"line {number:,} of '{p.name}'"), None
                except json.JSONDecodeError as exc:
                    yield number, None, f"invalid JSON ({exc.msg} at column {exc.colno})"
        except UnicodeDecodeError as exc:
            raise AnnotationFileError(
                f"'{p}' is not UTF-8 text (byte {exc.start}: {exc.reason}). Save it as UTF-8 and load it again."
            ) from None
