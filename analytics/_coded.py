"""Columns as integer codes into their distinct values: what validation works on.

Loading ten million annotations must not run Python code per row. Every column that validation cleans
(ids, labels, rounds) is held as a :class:`Coded` column — one integer code per row, ``-1`` where the cell is
missing, into an array of the column's distinct values — and every rule of the data contract is applied to
the distinct values once and mapped back with integer array operations. Files read with Arrow arrive coded
already (:mod:`analytics.io._arrow`: dictionary encoding); a pandas column is coded with one
:func:`pandas.factorize`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

__all__ = ["Coded", "DeferredTable", "coded_from_series", "merge_values", "present_codes"]


#: Rows counted at a time by :meth:`Coded.counts` when a column has few distinct values.
_COUNT_BLOCK = 1 << 18


@dataclass(frozen=True)
class Coded:
    """One column as codes into its distinct values.

    Attributes
    ----------
    codes : numpy.ndarray
        One integer code per row (int32 or int64); ``-1`` where the cell is missing.
    values : numpy.ndarray
        The distinct values (object array, none missing); ``values[codes[k]]`` is row *k*'s value.
    arrow : pyarrow.Array or None
        The same distinct values as an Arrow array when the column was read by Arrow (string values), so
        text checks run as Arrow kernels without converting the values again.
    ordered : bool
        Whether ``values`` (and ``arrow``) are already in code point order (Arrow sorted them while coding a
        column of ids), so the set need not sort them again (:func:`analytics._schema._order_coded`).
    """

    codes: np.ndarray
    values: np.ndarray
    arrow: Any = None
    ordered: bool = False

    def __len__(self) -> int:
        return len(self.codes)

    def decode(self) -> np.ndarray:
        """The column as an object array (``None`` where missing); each distinct value is one shared object."""
        with_missing = np.empty(len(self.values) + 1, dtype=object)
        with_missing[:-1] = self.values
        return with_missing[self.codes]  # code -1 picks the trailing None

    def series(self, index: pd.Index | None = None) -> pd.Series:
        """:meth:`decode` as an object Series."""
        return pd.Series(self.decode(), index=index, dtype=object, copy=False)

    def take(self, mask: np.ndarray) -> "Coded":
        """The rows where ``mask`` is true (same distinct values)."""
        return replace(self, codes=self.codes[mask])

    @cached_property
    def _counts(self) -> np.ndarray:
        codes, n = self.codes, len(self.values)
        if not len(codes):
            return np.zeros(n, dtype=np.int64)
        shift = int(codes.min() < 0)  # missing cells (-1) are counted in a slot of their own, then dropped
        if n > _COUNT_BLOCK // 4 or len(codes) <= _COUNT_BLOCK:
            counts = np.bincount(codes + shift if shift else codes, minlength=n + shift)[shift:]
            return counts.astype(np.int64, copy=False)
        # few values, many rows (labels, annotators): bincount converts its input to intp, a copy of 8 bytes per
        # row; block by block that copy stays in the CPU cache instead of being a new array the size of the column
        out = np.zeros(n + shift, dtype=np.int64)
        for start in range(0, len(codes), _COUNT_BLOCK):
            block = codes[start:start + _COUNT_BLOCK]
            out += np.bincount(block + shift if shift else block, minlength=n + shift)
        return out[shift:]

    def counts(self) -> np.ndarray:
        """Rows per distinct value (computed once)."""
        return self._counts

    def recode(self, mapping: np.ndarray, values: np.ndarray) -> "Coded":
        """Codes sent through ``mapping`` (old code → new code, ``-1``: becomes missing) into new ``values``."""
        table = np.append(np.asarray(mapping, dtype=np.int64), -1)  # code -1 stays -1
        dtype = np.int32 if len(values) < 2**31 - 1 else np.int64
        return Coded(table[self.codes].astype(dtype, copy=False), np.asarray(values, dtype=object))

    def map_values(self, func: Callable[[Any], Any]) -> "Coded":
        """Apply ``func`` to each distinct value once (``None`` result: missing); equal results are merged."""
        new = np.empty(len(self.values), dtype=object)
        new[:] = [func(v) for v in self.values]
        return merge_values(self, new)


def coded_from_series(series: pd.Series) -> Coded:
    """Code a pandas column with :func:`pandas.factorize` (missing values: ``-1``).

    Raises ``TypeError`` when a cell cannot be hashed (a list or mapping), like :func:`pandas.factorize`.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = np.empty(len(uniques), dtype=object)
    values[:] = list(uniques) if not isinstance(uniques, np.ndarray) or uniques.dtype != object else uniques
    return Coded(codes, values)


def merge_values(coded: Coded, new: np.ndarray, changed: np.ndarray | None = None) -> Coded:
    """Replace each distinct value by ``new[j]`` (``None``: missing) and merge values that became equal.

    ``changed`` (optional, per value) says which values ``new`` changes; when none is, the column is returned
    as it is (the common case of clean ids: no hashing of the values). The codes of merged values point at
    the first of them (in the order of ``values``), so the result is the same as coding the replaced column
    afresh, up to the numbering of the values.
    """
    new = np.asarray(new, dtype=object)
    if changed is not None and not changed.any():
        return replace(coded, values=new)
    missing = pd.isna(new) if len(new) else np.zeros(0, dtype=bool)
    mapping = np.full(len(new), -1, dtype=np.int64)
    if (~missing).any():
        sub, uniques = pd.factorize(new[~missing])
        mapping[~missing] = sub
        values = np.empty(len(uniques), dtype=object)
        values[:] = list(uniques)
    else:
        values = np.empty(0, dtype=object)
    return coded.recode(mapping, values)


def present_codes(coded: Coded) -> np.ndarray:
    """Which distinct values occur in the rows (boolean, per value)."""
    return coded.counts() > 0


@dataclass(frozen=True, eq=False)
class DeferredTable:
    """A set's table whose id and label columns stay codes until the table is first read.

    Validation ends with the ids and labels coded (:class:`Coded`); the agreement statistics read only the codes.
    Decoding a column into one Python object per row costs about 0.05–0.2 s per ten million rows and a pointer per
    row, so :class:`~analytics.AnnotationSet` keeps this instead and builds the :class:`pandas.DataFrame` (the same
    one) the first time its ``frame`` is read.

    Attributes
    ----------
    base : pandas.DataFrame
        Every other column, in the table's order, indexed ``0 … n-1``.
    coded : mapping of str to Coded
        The columns held as codes (``item_id``, ``annotator_id``, ``label``), one code per row of ``base``.
    order : tuple of str
        Every column's name, in the table's order.
    """

    base: pd.DataFrame
    coded: Mapping[str, Coded]
    order: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.base)

    @property
    def columns(self) -> pd.Index:
        return pd.Index(list(self.order), dtype=object)

    def column(self, name: str) -> pd.Series:
        """One column as the table will hold it (a coded one decoded, each distinct value one shared object)."""
        if name in self.coded:
            return pd.Series(self.coded[name].decode(), index=self.base.index, dtype=object, name=name, copy=False)
        return self.base[name]

    def build(self) -> pd.DataFrame:
        """The table."""
        return pd.DataFrame({c: self.column(c) for c in self.order}, index=self.base.index, copy=False)
