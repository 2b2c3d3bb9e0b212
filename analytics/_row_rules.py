"""Row rules of validation beyond blank cells: values that load without error but would mislead.

Used by :func:`analytics._validate.validate_annotations`; each rule gives a per-row mask, and the rows it
marks are skipped with their own reason (see :data:`analytics._import_report.SKIP_REASONS`):

``invalid_id``
    an item or annotator id that is ``Infinity`` or ``-Infinity`` (JSON lets a tool write them; as an id
    they would become the text ``"inf"``);
``multiline_label``
    a label holding a line break — in a text table almost always a stray quote that merged rows into one
    cell — unless ``allow_multiline_labels=True`` (the label is then kept, on one line);
``label_too_long``
    a label (or one tag) longer than ``Limits.max_text_length``: one bad cell no longer stops the load;
``unprintable_label``
    a label (or tag) made only of control, format or other invisible characters (``"\\x01\\x02"``,
    ``"\\u200b"``), which would be a category that prints blank.

:func:`finite_floats` converts durations and epoch timestamps without the ``OverflowError`` that integers of
more than 309 digits raise, and says which values were not finite (``Infinity``, ``NaN`` written by a tool).

All rules work on the distinct values of a column (one factorization), not row by row.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["RULE_DETAILS", "infinite_ids", "infinite_values", "multiline_labels", "label_rules", "long_labels",
           "unprintable_labels", "finite_floats", "is_blank_text", "per_row"]

#: The detail each rule's skipped rows get in the import report.
RULE_DETAILS = {
    "invalid_id": "the id is Infinity or -Infinity, not an id",
    "multiline_label": "the label holds a line break, often a stray quote in a text table that merged rows into one "
                       "cell; fix the file, or pass allow_multiline_labels=True to keep it",
    "label_too_long": "the label is longer than max_text_length characters; raise the limit (AQA_MAX_TEXT_LENGTH) if it "
                      "is genuine",
    "unprintable_label": "the label is made only of control or invisible characters and would print blank",
}


def _per_unique(series: pd.Series, test: Any, text_test: Any = None) -> np.ndarray:
    """``test(value)`` for each distinct value of ``series``, mapped back to its rows (False where missing).

    ``text_test(strings)``, when given, does the same for a Series of distinct *strings* with pandas string
    methods (no Python loop); it is used when every distinct value is text.
    """
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # lists (tag sets) are unhashable: per row
        return np.array([bool(test(v)) for v in series], dtype=bool)
    if text_test is not None and len(uniques) and pd.api.types.infer_dtype(uniques, skipna=True) == "string":
        hits = np.asarray(text_test(pd.Series(np.asarray(uniques, dtype=object), dtype=object)), dtype=bool)
    else:
        hits = np.fromiter((bool(test(u)) for u in uniques), dtype=bool, count=len(uniques))
    return np.append(hits, False)[codes]


def infinite_ids(series: pd.Series) -> np.ndarray:
    """Rows whose id is a float ``±inf`` (NaN is a blank id, reported as such)."""
    if pd.api.types.is_float_dtype(series.dtype):
        return np.isinf(series.to_numpy(dtype=float, copy=True))
    if series.dtype != object or pd.api.types.infer_dtype(series, skipna=True) in ("string", "integer", "empty",
                                                                                   "boolean", "bytes"):
        return np.zeros(len(series), dtype=bool)  # no float in the column: nothing can be infinite
    return _per_unique(series, lambda v: isinstance(v, (float, np.floating)) and math.isinf(v))


def infinite_values(coded: Any) -> np.ndarray:
    """:func:`infinite_ids` of a coded column (:class:`analytics._coded.Coded`), per distinct value: a column
    Arrow read as text holds no float."""
    if coded.arrow is not None:
        return np.zeros(len(coded.values), dtype=bool)
    return infinite_ids(pd.Series(coded.values, dtype=object))


def per_row(coded: Any, per_value: np.ndarray) -> np.ndarray:
    """A per-distinct-value mask of a coded column sent to its rows (False where the cell is missing)."""
    if not per_value.any():
        return np.zeros(len(coded.codes), dtype=bool)
    return np.append(np.asarray(per_value, dtype=bool), False)[coded.codes]


def _has_break(value: Any) -> bool:
    if isinstance(value, str):  # a JSON list of tags may be laid out on several lines: that is layout, not a label
        return ("\n" in value or "\r" in value) and not value.lstrip().startswith("[")
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(isinstance(t, str) and ("\n" in t or "\r" in t) for t in value)
    return False


def multiline_labels(series: pd.Series) -> np.ndarray:
    """Rows whose raw label (or one of its tags) holds a line break."""
    if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
        return np.zeros(len(series), dtype=bool)
    return _per_unique(series, _has_break, lambda t: (t.str.contains("[\r\n]", regex=True)
                                                     & ~t.str.lstrip().str.startswith("[")).to_numpy(dtype=bool))


def _tags(value: Any) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def long_labels(labels: pd.Series, limit: int) -> np.ndarray:
    """Rows whose cleaned label, or one of whose tags, is longer than ``limit`` characters."""
    return label_rules(labels, limit)[0]


def label_rules(labels: pd.Series, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """``(too long, prints blank)`` per row of a cleaned label column, from one factorization."""
    def test(v: Any) -> tuple[bool, bool]:
        tags = [t for t in _tags(v) if isinstance(t, str)] if v is not None else []
        return any(len(t) > limit for t in tags), any(is_blank_text(t) for t in tags)

    try:
        codes, uniques = pd.factorize(labels, use_na_sentinel=True)
    except TypeError:  # unhashable cells: per row
        pairs = np.array([test(v) for v in labels], dtype=bool).reshape(-1, 2)
        return pairs[:, 0], pairs[:, 1]
    if len(uniques) and pd.api.types.infer_dtype(uniques, skipna=True) == "string":
        texts = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
        long_u, blank_u = (texts.str.len() > limit).to_numpy(dtype=bool), _blank_texts(texts)
    else:
        pairs = np.array([test(u) for u in uniques], dtype=bool).reshape(-1, 2)
        long_u, blank_u = pairs[:, 0], pairs[:, 1]
    return np.append(long_u, False)[codes], np.append(blank_u, False)[codes]


def is_blank_text(text: str) -> bool:
    """Whether a text has no visible character (only controls, format characters and spaces).

    Examples
    --------
    >>> is_blank_text("\\x01\\x02"), is_blank_text("\\u200b"), is_blank_text("cat")
    (True, True, False)
    """
    return not any(ch.isprintable() and not ch.isspace() for ch in text)


def unprintable_labels(labels: pd.Series) -> np.ndarray:
    """Rows whose cleaned label, or one of whose tags, prints blank (:func:`is_blank_text`)."""
    return label_rules(labels, 1 << 62)[1]


def _blank_texts(texts: pd.Series) -> np.ndarray:
    """:func:`is_blank_text` of many strings: those with a visible ASCII character are not blank (vectorized);
    only the rest — non-ASCII only, or blank — are looked at one by one."""
    out = np.zeros(len(texts), dtype=bool)
    unsure = ~texts.str.contains("[\x21-\x7e]", regex=True).to_numpy(dtype=bool)
    out[unsure] = [is_blank_text(t) for t in texts[unsure]]
    return out


def _safe_float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer beyond the float range
        return math.inf if value > 0 else -math.inf
    except (TypeError, ValueError):
        return math.nan


def finite_floats(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Numbers of a column as floats, and which cells were numbers but not finite (``±inf``, or beyond 1e308).

    Text that is not a number becomes NaN (the caller reports it); ``NaN`` itself is "missing". Integers too
    large for a float become ``±inf`` instead of raising ``OverflowError``.
    """
    try:
        numeric = pd.to_numeric(values, errors="coerce")
    except (OverflowError, TypeError, ValueError):
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        mapped = np.array([_safe_float(u) for u in uniques] + [math.nan], dtype=float)
        numeric = pd.Series(mapped[codes], index=values.index)
    numeric = numeric.astype("float64")
    return numeric, np.isinf(numeric.to_numpy(dtype=float, copy=True))
