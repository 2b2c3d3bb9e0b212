"""Cleaning Arrow text columns without a Python string per cell (the Parquet fast path of the Dask loader).

The data contract cleans ids and labels with :func:`analytics._labels.clean_text`. Columns with few distinct
values (annotators, labels, rounds) are read dictionary-encoded and cleaned per distinct value
(:func:`dictionary_codes`). Item ids are mostly distinct, so hashing them would cost more than it saves:
:func:`clean_text_rows` finds with Arrow kernels the values that cleaning leaves unchanged (non-blank ASCII
without odd whitespace that is not a missing-value marker — NFC normalization leaves ASCII as it is) and
cleans only the others, so a column of clean ids stays one Arrow buffer end to end (the same approach as
:func:`analytics._labels.clean_uniques`, applied to rows instead of distinct values).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._labels import _ASCII_UNCLEAN, _MISSING, clean_uniques

__all__ = ["dictionary_codes", "clean_text_rows", "already_clean", "is_text", "item_buckets"]


def dictionary_codes(column: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """``(codes, distinct values)`` of an Arrow text column read dictionary-encoded (codes -1 where null; the
    values in the order of their first row, as :func:`pandas.factorize` orders them, unused values dropped), or
    None for any other column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_dictionary(column.type):
        return None
    column = column.unify_dictionaries() if column.num_chunks > 1 else column
    chunks = [c for c in column.chunks if len(c)]
    if not chunks:
        return np.zeros(0, dtype=np.int64), np.empty(0, dtype=object)
    indices = np.concatenate([np.asarray(pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
                              for c in chunks])
    values = np.asarray(chunks[0].dictionary.to_numpy(zero_copy_only=False), dtype=object)
    seen = pd.unique(indices[indices >= 0])
    table = np.full(len(values) + 1, -1, dtype=np.int64)
    table[seen] = np.arange(len(seen))
    return table[indices], values[seen]


def already_clean(arr: Any) -> np.ndarray:
    """Which values of an Arrow string array :func:`~analytics._labels.clean_text` returns unchanged (False for
    nulls); the test of :func:`analytics._labels._already_clean`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ok = pc.and_(pc.string_is_ascii(arr), pc.greater(pc.utf8_length(arr), 0))
    ok = pc.and_(ok, pc.invert(pc.match_substring_regex(arr, _ASCII_UNCLEAN)))
    ok = pc.and_(ok, pc.invert(pc.is_in(pc.utf8_lower(arr), value_set=pa.array(sorted(_MISSING)))))
    return np.asarray(ok.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def clean_text_rows(column: Any) -> tuple[pd.Series, int]:
    """An Arrow text column cleaned row by row: ``(cleaned, changed)`` as
    :func:`~analytics._labels.clean_id_column` returns them, the cleaned text an Arrow-backed string Series
    (missing where blank) and ``changed`` the number of cells whose text cleaning changed."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    todo = np.flatnonzero(~already_clean(arr))
    changed = 0
    if len(todo):
        raw = np.asarray(arr.take(pa.array(todo)).to_numpy(zero_copy_only=False), dtype=object)
        cleaned = np.asarray(clean_uniques(pd.Index(raw, dtype=object)), dtype=object)
        present = pd.notna(raw)
        changed = int((present & pd.notna(cleaned) & (raw != cleaned)).sum())
        mask = np.zeros(len(arr), dtype=bool)
        mask[todo] = True
        arr = pc.replace_with_mask(arr, pa.array(mask), pa.array(cleaned.tolist(), type=pa.string()))
    return pd.Series(pd.arrays.ArrowStringArray(arr), copy=False), changed


def is_text(column: Any) -> bool:
    """Whether an Arrow column holds (large) strings, not dictionary-encoded."""
    import pyarrow as pa

    return pa.types.is_string(column.type) or pa.types.is_large_string(column.type)


def item_buckets(items: Any, n: int) -> np.ndarray:
    """The partition (``0 .. n-1``) of each item id: a hash of the id's bytes, the same wherever the id occurs.

    ``items`` is an Arrow-backed string array (or Series). The bytes are read 8 at a time (the last word masked
    to the string's length), each word mixed into the hash (the ``splitmix64`` finalizer); the same bytes give
    the same partition in every piece, which is all that correctness needs; the mixing spreads the items evenly.
    """
    import pyarrow as pa

    if n <= 1 or len(items) == 0:
        return np.zeros(len(items), dtype=np.int64)
    arr = pa.array(items)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4)
    offsets = offsets.astype(np.int64)
    buffer = arr.buffers()[2]
    raw = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, dtype=np.uint8)
    data = np.concatenate([raw[offsets[0]:offsets[-1]], np.zeros(8, dtype=np.uint8)])
    starts, lengths = offsets[:-1] - offsets[0], np.diff(offsets)
    words = np.ndarray(shape=(len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))  # unaligned 8-byte reads
    h = lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    todo = np.arange(len(arr))
    k = 0
    while len(todo):
        rest = lengths[todo] - 8 * k
        w = words[starts[todo] + 8 * k]
        short = rest < 8
        if short.any():  # keep only the string's own bytes (little-endian: the low ones)
            bits = np.clip(rest, 0, 7).astype(np.uint64) * np.uint64(8)
            w = np.where(short, w & ((np.uint64(1) << bits) - np.uint64(1)), w)
        x = h[todo] ^ w
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(31)
        h[todo] = x
        todo = todo[rest > 8]
        k += 1
    h ^= h >> np.uint64(29)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(32)
    return (h % np.uint64(n)).astype(np.int64)
