"""Stray quotes in text tables: cells that swallowed other rows, found on the parsed columns.

A CSV with ``"cat`` on line 101 and ``cat"`` on line 201 parses without error: the quote opens a quoted
cell that runs to line 201, and the hundred rows in between become one label. Nothing in the parser's
output says so, except the cell itself. :func:`find_merged_rows` looks for it after parsing, on the columns
(whatever parser read them), and the table readers skip such rows with reason ``merged_lines`` and the
lines involved, so the file no longer validates silently:

* a cell holding a **line break** whose lines or delimiter-separated pieces include a value of *another*
  column (an item or annotator id of the other rows) — rows merged by a stray quote;
* a cell without a line break whose delimiter-separated pieces match values of **two** other columns
  (``"cat,img_101,ann_2,dog"``: an item id and an annotator id — a row inside a cell).

A genuine multi-line cell (a comment, or a label with a line break) is left alone here; validation decides
about labels (``allow_multiline_labels=``). Line numbers of the rows after a multi-line cell are corrected
(:func:`line_numbers`), so the import report names the real lines.

Everything is vectorized: a table whose file holds no line break or delimiter inside quotes is not scanned at all
(:func:`quoted_specials`, one numpy pass over the bytes: a cell can only hold them inside quotes — so a file
quoted throughout, as ``safe_csv`` writes, costs one pass), and otherwise each text column is scanned once with
pandas string methods; only the cells holding a delimiter or a line break are split into pieces, which are
looked up in the other columns' distinct values with ``isin``.
"""

from __future__ import annotations

import mmap
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["quoted_specials", "line_breaks_per_row", "line_numbers", "find_merged_rows", "split_merged_rows"]

_CHUNK = 1 << 22


def quoted_specials(path: Path, delimiter: str | None) -> bool:
    """Whether a line break or the delimiter occurs inside double quotes anywhere in the file.

    Only then can a parsed cell hold one, so only then are the columns scanned. One pass over the bytes in
    4 MiB blocks with numpy: the running parity of quote bytes (an exclusive-or accumulation) is 1 inside a quoted cell (an escaped ``""``
    counts twice), carried from block to block. Quotes in the middle of unquoted cells can only make the answer
    ``True`` wrongly, which costs a scan, never a missed row.
    """
    code = ord(delimiter) if delimiter and len(delimiter) == 1 and ord(delimiter) < 128 else ord("\n")
    few = _few_quoted_spans(path, code)
    if few is not None:
        return few
    inside = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_CHUNK)
            if not block:
                return False
            if b'"' not in block:
                if inside:
                    return True  # the whole block lies inside an open quote
                continue
            data = np.frombuffer(block, dtype=np.uint8)
            parity = np.bitwise_xor.accumulate((data == ord('"')).view(np.uint8)) ^ inside  # 1 inside quotes
            special = (data == ord("\n")) | (data == ord("\r")) | (data == code)
            if (special & (parity == 1)).any():
                return True
            inside = int(parity[-1])


#: Quotes in a file up to which its quoted spans are searched one by one (:func:`_few_quoted_spans`).
_FEW_QUOTES = 64


def _few_quoted_spans(path: Path, code: int) -> bool | None:
    """:func:`quoted_specials` for a file with at most :data:`_FEW_QUOTES` quote bytes (none, or say a quoted
    header): the file is mapped, not read, its quotes are found with ``find`` (``memchr``) and only the spans between
    an opening and a closing quote (or the end of the file) are searched for a line break or the delimiter. ``None``
    when the file has more quotes (the parity pass answers then)."""
    if path.stat().st_size == 0:
        return False
    specials = (b"\n", b"\r", bytes([code]))
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        start, inside, seen = 0, 0, 0
        while True:
            quote = data.find(b'"', start)
            end = len(data) if quote < 0 else quote
            if inside and any(data.find(s, start, end) >= 0 for s in specials):
                return True
            if quote < 0:
                return False
            seen += 1
            if seen > _FEW_QUOTES:
                return None
            inside ^= 1
            start = quote + 1


def _text_columns(frame: pd.DataFrame) -> list[Any]:
    return [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype)]


def line_breaks_per_row(frame: pd.DataFrame) -> np.ndarray:
    """Line breaks (``\\n``) inside the cells of each row, summed over the text columns."""
    total = np.zeros(len(frame), dtype=np.int64)
    for column in _text_columns(frame):
        counts = frame[column].str.count("\n")
        total += counts.fillna(0).to_numpy(dtype=np.int64)
    return total


def line_numbers(first: int, breaks: np.ndarray) -> np.ndarray:
    """The file line each row starts on: ``first`` plus the rows before it plus their inner line breaks."""
    before = np.concatenate([[0], np.cumsum(breaks)[:-1]]) if len(breaks) else breaks
    return first + np.arange(len(breaks)) + before


def find_merged_rows(frame: pd.DataFrame, delimiter: str | None) -> tuple[np.ndarray, list[str]]:
    """Rows with a cell that holds other rows (see the module docstring).

    Returns
    -------
    merged : numpy.ndarray of bool
        Per row.
    examples : list of str
        For each merged row (in order), a short quote of the swallowed text.
    """
    merged = np.zeros(len(frame), dtype=bool)
    examples = np.full(len(frame), "", dtype=object)
    columns = _text_columns(frame)
    if not len(frame) or len(columns) < 2:
        return merged, []
    single = delimiter if delimiter and len(delimiter) == 1 else None
    splitter = "[\r\n" + (re.escape(single) if single else "") + "]"
    values: dict[Any, pd.Index] = {}
    for column in columns:
        cells = frame[column]
        hit = cells.str.contains(splitter, regex=True, na=False).to_numpy(dtype=bool)
        if not hit.any():
            continue
        positions = np.flatnonzero(hit)
        text = cells.iloc[positions].astype(str).reset_index(drop=True)
        pieces = text.str.split(splitter, regex=True).explode().str.strip()
        pieces = pieces[pieces.str.len() > 0]
        n_matched = np.zeros(len(positions), dtype=np.int64)
        for other in columns:
            if other == column:
                continue
            if other not in values:
                values[other] = pd.Index(frame[other].dropna().astype(str).str.strip().unique())
            found = pieces.isin(values[other])
            hit_rows = np.unique(pieces.index.to_numpy()[found.to_numpy(dtype=bool)])
            n_matched[hit_rows] += 1
        multiline = text.str.contains("[\r\n]", regex=True).to_numpy(dtype=bool)
        bad = (multiline & (n_matched >= 1)) | (n_matched >= 2)
        if bad.any():
            rows = positions[bad]
            new = ~merged[rows]
            merged[rows] = True
            examples[rows[new]] = text[bad][new].map(_quote).to_numpy(dtype=object)
    return merged, examples[merged].tolist()


def _quote(cell: str) -> str:
    """The first swallowed line of a merged cell (or the cell), shortened for a message."""
    lines = [ln for ln in cell.replace("\r", "\n").split("\n") if ln.strip()]
    inner = lines[1] if len(lines) > 1 else cell
    return inner if len(inner) <= 60 else inner[:57] + "…"


def split_merged_rows(frame: pd.DataFrame, *, path: Path, delimiter: str | None, first: int
                      ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Renumber a text table's rows by their real first line and take out the rows with merged lines.

    Returns the table without those rows, one skipped record per merged row (``row`` its first line,
    reason ``merged_lines``, the lines it spans — the rows inside are part of it — and a quote of what it
    swallowed). A table whose file quotes no line break or delimiter comes back unchanged.
    """
    if frame.empty or not quoted_specials(path, delimiter):
        return frame, []
    breaks = line_breaks_per_row(frame)
    if breaks.any():
        frame = frame.set_axis(pd.Index(line_numbers(first, breaks)), axis=0)
    merged, examples = find_merged_rows(frame, delimiter)
    if not merged.any():
        return frame, []
    starts = frame.index.to_numpy()[merged]
    spans = breaks[merged]
    bad = []
    for start, span, example in zip(starts, spans, examples):
        lines = f"lines {start:,}–{start + span:,}" if span else f"line {start:,}"
        bad.append({"row": int(start), "reason": "merged_lines",
                    "detail": f"one quoted cell on {lines} holds what looks like other rows (e.g. '{example}'): a "
                              "stray or unbalanced quote. Fix the quotes in the file and load it again."})
    return frame.loc[~merged], bad
