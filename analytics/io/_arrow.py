"""Tidy CSV/TSV and Parquet tables read with Arrow into coded columns: the fast path of :func:`read_tidy`.

pandas turns every cell of a CSV file into a Python string; ten million annotations are thirty million
objects before any check runs. Here pyarrow's CSV reader (chosen by measurement, see
``benchmarks/README.md``) reads every column as text, stops once the table has more rows than
``max_rows`` (the stream is read block by block), and each id, label and round column is dictionary-encoded
in Arrow: validation then sees integer codes into the column's distinct values
(:class:`~analytics._coded.Coded`) and cleans only those. The other columns become object columns as
:func:`~analytics.io._files.read_table` gives them.

The result is the table :func:`~analytics.io._files.read_table` would read, or ``None`` when this reader
cannot promise that — a delimiter that is not one character (whitespace-separated text), a header with
repeated or empty names, UTF-16/32 text, a line break or delimiter inside quotes anywhere in the file (then
pandas reads it and :mod:`._quotes` looks for rows merged by a stray quote), a file Arrow cannot parse (ragged
rows, invalid UTF-8 …) — and the caller then reads the file with pandas, whose errors name the problem.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .._coded import Coded
from .._labels import MISSING_MARKERS
from ..exceptions import AnnotationSchemaError
from ..limits import Limits, current_limits, limit_message
from ._files import (
    _check_first_line_width,
    _check_parquet_shape,
    _delimiter,
    _first_line_is_header,
    check_file,
    cannot_read_parquet,
    check_table_shape,
    sniff_text,
    table_kind,
    text_encoding,
)
from ._quotes import quoted_specials

__all__ = ["ArrowTable", "read_arrow_table", "encode_column", "is_text", "object_column"]

#: Bytes of text parsed per block (pyarrow parses blocks in parallel); the row limit is checked per block.
BLOCK_BYTES = 1 << 24


@dataclass(frozen=True)
class ArrowTable:
    """A table as Arrow read it: ``table`` (text files: every column a string), ``unit`` and ``first_row``
    (the file line or row number of its first data row), as :func:`~analytics.io._files.read_table` reports."""

    table: Any
    unit: str
    first_row: int
    kind: str


def read_arrow_table(path: str | Path, *, sep: str | None = None, header: bool | None = None,
                     dictionary: Callable[[list[str]], list[str]] | None = None) -> ArrowTable | None:
    """Read a CSV/TSV or Parquet file with Arrow, or return ``None`` when pandas must read it (see module doc).

    The file checks (existence, size, binary content, first-line width, Parquet footer shape) and the row and
    column limits raise exactly as :func:`~analytics.io._files.read_table` does. ``dictionary(names)`` names
    the Parquet columns to read dictionary-encoded (as stored), given the file's column names.
    """
    p = check_file(path)
    kind = table_kind(p)
    limits = current_limits()
    if kind == "parquet":
        return _read_parquet(p, limits, dictionary)
    if kind not in ("text", "unknown"):
        return None
    if text_encoding(p) != "utf-8-sig":
        return None  # UTF-16/32 with a byte-order mark: pandas decodes it
    head = sniff_text(p)
    delim = _delimiter(p, head, sep)
    if delim is None or len(delim) != 1 or delim in ('"', "\n", "\r"):
        return None
    if quoted_specials(p, delim):
        return None  # a quoted line break or delimiter: pandas reads it and the stray-quote check (._quotes) runs
    has_header = _first_line_is_header(head, delim) if header is None else header
    _check_first_line_width(p, delim, limits)
    names = _header_names(head, delim, has_header)
    if names is None:
        return None
    table = _read_csv(p, delim, names, skip=1 if has_header else 0, limits=limits)
    if table is None:
        return None
    check_table_shape(_Shape(table.num_rows, table.num_columns), f"'{p.name}'", limits)
    if not has_header:
        table = table.rename_columns([f"column_{i}" for i in range(table.num_columns)])
    return ArrowTable(table, "line", 2 if has_header else 1, "text")


class _Shape:
    """What :func:`check_table_shape` reads of a frame: its shape."""

    def __init__(self, rows: int, columns: int) -> None:
        self.shape = (rows, columns)


def _header_names(head: str, delim: str, has_header: bool) -> list[str] | None:
    """The column names as pandas reads them (stripped), or None when Arrow's reading would differ."""
    lines = head.splitlines(keepends=True)
    first = lines[0] if lines else ""
    if not first.strip():
        return None  # blank lines before the first row: Arrow would count them, pandas skips them
    try:
        cells = next(csv.reader(io.StringIO(first), delimiter=delim, quotechar='"', doublequote=True, strict=True))
    except (csv.Error, StopIteration):
        return None
    if first.count('"') % 2:  # a quoted line break inside the header: leave it to pandas
        return None
    if not has_header:
        return [f"column_{i}" for i in range(len(cells))]
    names = [c.strip() for c in cells]
    if len(set(names)) != len(names) or any(not n for n in names):
        return None  # pandas renames repeated ('a.1') and empty ('Unnamed: 2') names
    return names


def _read_csv(path: Path, delim: str, names: list[str], *, skip: int, limits: Limits) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    read = pcsv.ReadOptions(column_names=[f"c{i}" for i in range(len(names))], skip_rows=skip,
                            block_size=BLOCK_BYTES, encoding="utf8")
    parse = pcsv.ParseOptions(delimiter=delim, quote_char='"', double_quote=True, escape_char=False,
                              newlines_in_values=False, ignore_empty_lines=True)
    convert = pcsv.ConvertOptions(column_types={f"c{i}": pa.string() for i in range(len(names))},
                                  null_values=list(MISSING_MARKERS), strings_can_be_null=True,
                                  quoted_strings_can_be_null=True)
    batches, rows = [], 0
    try:
        with pcsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert) as reader:
            for batch in reader:
                rows += batch.num_rows
                if rows > limits.max_rows:  # as pandas reading max_rows + 1 rows reports it
                    raise AnnotationSchemaError(limit_message(
                        "max_rows", limits.max_rows + 1, f"'{path.name}' has too many rows", limits))
                batches.append(batch)
            schema = reader.schema
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return None  # ragged rows, invalid UTF-8, a quoted line break across blocks …: pandas says which
    table = pa.Table.from_batches(batches, schema=schema)
    return table.rename_columns(names)


def _read_parquet(path: Path, limits: Limits, dictionary: Callable[[list[str]], list[str]] | None) -> ArrowTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..exceptions import AnnotationFileError

    try:
        _check_parquet_shape(path, limits)
        schema = pq.read_schema(path)
        wanted = set(dictionary(list(schema.names))) if dictionary is not None else set()
        text = [f.name for f in schema if f.name in wanted and (pa.types.is_string(f.type)
                                                                 or pa.types.is_large_string(f.type))]
        table = pq.read_table(path, read_dictionary=text or None)
        table.validate(full=True)  # invalid UTF-8 in a damaged page would fail later, deep inside
    except AnnotationSchemaError:
        raise
    except Exception as exc:  # pyarrow raises many types; all mean "cannot read"
        raise cannot_read_parquet(path, exc) from None
    return ArrowTable(table, "row", 1, "parquet")


def is_text(column: Any) -> bool:
    """Whether an Arrow column holds text (string or large string)."""
    import pyarrow as pa

    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def encode_column(column: Any, *, first_appearance: bool = True) -> Coded:
    """Dictionary-encode an Arrow text column: codes (int32, -1 = null) and its distinct values in the order of
    their first row (objects, and the Arrow array for text checks). A dictionary column (Parquet) keeps its
    stored dictionaries; ``first_appearance=False`` leaves their values in stored order (ids, whose order does not
    matter: they are sorted when the set is built).

    Rows of one item usually follow each other, so only the first row of each run of equal values is hashed
    (one vectorized comparison with the previous row finds them); otherwise the whole column is encoded.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(column)
    chunks = [c for c in column.chunks if len(c)]
    if n == 0 or not chunks:
        return Coded(np.zeros(0, dtype=np.int32), np.empty(0, dtype=object), pa.array([], type=pa.string()))
    if pa.types.is_dictionary(column.type):
        return _unify_dictionaries(chunks, first_appearance)
    head = _run_heads(chunks, n)
    if head is not None:
        heads = pc.filter(pa.chunked_array(chunks), pa.array(head)).combine_chunks()
        if first_appearance:
            encoded = pc.dictionary_encode(heads)
            head_codes, dictionary, ordered = _indices(encoded.indices), encoded.dictionary, False
        else:  # ids: sorting the distinct heads is cheaper than hashing them, and the set sorts them anyway
            head_codes, dictionary = _sorted_distinct(heads)
            head_codes, ordered = head_codes.astype(np.int64), True  # int64: the set's codes, without a copy
        codes = np.repeat(head_codes, np.diff(np.append(np.flatnonzero(head), n)))
        return _coded(codes, dictionary, ordered=ordered)
    encoded = pc.dictionary_encode(pa.chunked_array(chunks))
    dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
    address = dictionary.buffers()[-1].address if dictionary.buffers()[-1] is not None else None
    if any(len(c.dictionary) != len(dictionary) or (c.dictionary.buffers()[-1] is not None
                                                    and c.dictionary.buffers()[-1].address != address)
           for c in encoded.chunks):
        encoded = pa.chunked_array([pc.dictionary_encode(pa.chunked_array(chunks).combine_chunks())])
        dictionary = encoded.chunk(0).dictionary
    codes = np.concatenate([_indices(c.indices) for c in encoded.chunks])
    return _coded(codes, dictionary)


def _run_heads(chunks: list[Any], n: int) -> np.ndarray | None:
    """Which rows start a run of equal values (a row differing from the one before), or None when runs are
    short (more than half the rows start one, judged on the first block first): then hashing every row is
    cheaper than finding the runs."""
    import pyarrow.compute as pc

    starts = []
    for k, c in enumerate(chunks):
        same = pc.equal(c.slice(1), c.slice(0, len(c) - 1)).fill_null(False)
        starts.append(np.concatenate([[True], ~np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)]))
        if k == 0 and 2 * int(starts[0].sum()) > len(c):
            return None
    head = np.concatenate(starts)
    return head if 2 * int(head.sum()) <= n else None


def _indices(indices: Any) -> np.ndarray:
    """Dictionary indices as int32 codes, -1 where null (no copy when there is no null)."""
    import pyarrow.compute as pc

    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    return np.asarray(indices.to_numpy(zero_copy_only=False), dtype=np.int32)


def _coded(codes: np.ndarray, dictionary: Any, *, ordered: bool = False) -> Coded:
    import pyarrow as pa

    if pa.types.is_large_string(dictionary.type):
        dictionary = dictionary.cast(pa.string())
    return Coded(codes, np.asarray(dictionary.to_numpy(zero_copy_only=False), dtype=object), dictionary,
                 ordered=ordered)


def _sorted_distinct(values: Any) -> tuple[np.ndarray, Any]:
    """The distinct strings of an Arrow array in code point order (UTF-8 byte order), and each position's code
    into them (int32, ``-1`` where null): one sort instead of a hash table (for two million ids the sort costs about
    half the hashing, and the set orders its ids as text anyway, :func:`analytics._schema._order_coded`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n_valid = len(values) - values.null_count
    order = np.asarray(pc.array_sort_indices(values, null_placement="at_end").to_numpy(zero_copy_only=False),
                       dtype=np.int64)[:n_valid]
    ordered = values.take(pa.array(order))
    new = np.ones(n_valid, dtype=bool)
    if n_valid > 1:
        same = pc.equal(ordered.slice(1), ordered.slice(0, n_valid - 1))
        new[1:] = ~np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)
    codes = np.full(len(values), -1, dtype=np.int32)
    codes[order] = np.cumsum(new, dtype=np.int32) - 1
    return codes, ordered.filter(pa.array(new))


def _unify_dictionaries(chunks: list[Any], first_appearance: bool) -> Coded:
    """One code array over chunks that each carry a dictionary (Parquet row groups): the chunks' distinct
    dictionaries are encoded together, then each chunk's codes mapped through (no copy of indices without
    nulls). ``first_appearance``: the values in the order of their first row (labels: the
    first-seen spelling wins a tie), unused values dropped; otherwise (ids) the distinct values of several
    dictionaries are unified by sorting them (:func:`_sorted_distinct`), so they come in text order."""
    import pyarrow as pa
    import pyarrow.compute as pc

    groups: list[Any] = []  # distinct dictionaries, in chunk order (a row group's batches repeat one)
    group_of = []
    for c in chunks:
        last = groups[-1] if groups else None
        if last is None or not (c.dictionary is last or (len(c.dictionary) == len(last) and c.dictionary.equals(last))):
            groups.append(c.dictionary)
        group_of.append(len(groups) - 1)
    ordered = False
    dtype = np.int32 if first_appearance else np.int64  # ids sorted here become the set's int64 codes as they are
    if len(groups) == 1:
        tables = [None]
        dictionary = groups[0]
    else:
        merged = pa.concat_arrays(groups)
        if first_appearance or merged.null_count:
            encoded = pc.dictionary_encode(merged)
            mapping, dictionary = _indices(encoded.indices), encoded.dictionary
        else:
            mapping, dictionary = _sorted_distinct(merged)
            ordered = True
        starts = np.concatenate([[0], np.cumsum([len(g) for g in groups])])
        tables = [np.append(mapping[starts[g]:starts[g + 1]], -1).astype(dtype) for g in range(len(groups))]
    codes = np.empty(sum(len(c) for c in chunks), dtype=dtype)
    at = 0
    for g, c in zip(group_of, chunks):
        part = _indices(c.indices)  # -1 where null: the appended -1 of a mapping table keeps it missing
        if tables[g] is None:
            codes[at:at + len(c)] = part
        else:
            np.take(tables[g], part, out=codes[at:at + len(c)])
        at += len(c)
    seen = pd.unique(codes[codes >= 0]) if first_appearance else None  # values in the order of their first row
    if seen is not None and (len(seen) != len(dictionary) or (np.diff(seen) < 0).any()):
        table = np.full(len(dictionary) + 1, -1, dtype=np.int32)
        table[seen] = np.arange(len(seen), dtype=np.int32)
        codes, dictionary = table[codes], dictionary.take(pa.array(seen))
    return _coded(codes, dictionary, ordered=ordered)


def object_column(column: Any, kind: str) -> Any:
    """A non-coded column as :func:`~analytics.io._files.read_table` gives it: text files an object column of
    strings (``None`` where missing), Parquet the column's pandas conversion (dtypes kept)."""
    if kind == "parquet":
        return column.to_pandas()
    return encode_column(column).decode()
