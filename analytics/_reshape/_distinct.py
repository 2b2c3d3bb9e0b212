"""Distinct rows of per-item tables: compute a per-item function once per distinct row, then map it back.

Items share few distinct rows: with 5 ratings in 10 classes the item × category counts take at most
:math:`\\binom{14}{5} = 2{,}002` distinct rows, and the item × (annotator, label) indicator rows of five named
annotators at most :math:`11^5` (far fewer in practice). Anything computed row by row from such a table (a
posterior, a support, a leave-one-out label) is then computed on the distinct rows and taken for the items:
the same arithmetic on the same numbers, so the result is bit-identical to the per-item computation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from ._dispatch import cached

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["distinct_rows", "distinct_count_rows", "distinct_design_rows"]


def distinct_rows(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, first)``: per row the code of its distinct row (``0 ..``, in order of first appearance) and the
    index of the first row with each code, so ``values[first][codes] == values``.

    Rows of small non-negative integers are keyed exactly by a mixed-radix number (one factorize); otherwise the
    columns are combined one at a time, each step re-factorized so the key never overflows.
    """
    values = np.asarray(values)
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    if values.ndim == 1:
        values = values[:, None]
    integer = np.issubdtype(values.dtype, np.integer)
    low = int(values.min()) if integer and values.size else 0
    base = int(values.max()) - low + 1 if integer and values.size else 0
    if integer and base >= 1 and values.shape[1] * np.log2(max(base, 2)) < 62:
        weights = base ** np.arange(values.shape[1], dtype=np.int64)
        key = values @ weights if low == 0 else (values.astype(np.int64) - low) @ weights  # (no copy when ≥ 0)
        codes, _ = pd.factorize(key)
    else:
        codes = np.zeros(n, dtype=np.int64)
        for j in range(values.shape[1]):
            column, _ = pd.factorize(values[:, j], use_na_sentinel=False)
            codes, _ = pd.factorize(codes * (int(column.max()) + 1) + column)
    codes = np.asarray(codes, dtype=np.intp)
    # factorize numbers codes in order of first appearance: a row opens a new code when it exceeds all before it
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.greater(codes[1:], np.maximum.accumulate(codes)[:-1], out=new[1:])
    return codes, np.flatnonzero(new)


def distinct_count_rows(aset: "AnnotationSet") -> tuple[np.ndarray, np.ndarray]:
    """:func:`distinct_rows` of the set's dense item × category counts (cached on the set, read-only)."""
    from ._tables import item_category_counts

    def build() -> tuple[np.ndarray, np.ndarray]:
        codes, first = distinct_rows(item_category_counts(aset))
        codes.flags.writeable = first.flags.writeable = False
        return codes, first

    return cached(aset, "distinct_count_rows", build)


def distinct_design_rows(design: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """:func:`distinct_rows` of a CSR matrix's rows (same stored columns in the same order, same values).

    Rows with the same number of stored entries are compared entry by entry (column index and value); a row's
    code is shared only by rows that are equal as stored, so a row product computed on the first one is the
    product of every one of them.
    """
    n = design.shape[0]
    indptr = design.indptr
    nnz = np.diff(indptr)
    width = int(nnz.max()) if n else 0
    if n == 0 or width * n > 4 * len(design.indices) + n:  # very ragged rows: no padded table, every row its own
        return np.arange(n, dtype=np.intp), np.arange(n, dtype=np.intp)
    data = design.data
    entry = design.indices.astype(np.int64)  # each entry as one number > 0 (0 pads short rows): column and value
    if (data == 1).all():  # indicator counts: the usual design, one rating per (item, annotator)
        entry *= 2
        entry += 1
    else:
        if np.issubdtype(data.dtype, np.floating) and (data >= 1).all() and np.array_equal(data, np.round(data)) \
                and data.max(initial=1) < 2 ** 20:
            value = data.astype(np.int64)
        else:
            value = pd.factorize(data, use_na_sentinel=False)[0].astype(np.int64) + 1
        entry *= int(value.max(initial=1)) + 1
        entry += value
    if len(entry) == n * width:  # every row holds the same number of entries: the entries are the table
        return distinct_rows(entry.reshape(n, width))
    table = np.zeros((n, width), dtype=np.int64)
    table[np.repeat(np.arange(n), nnz), np.arange(len(entry)) - np.repeat(indptr[:-1], nnz)] = entry
    return distinct_rows(table)
