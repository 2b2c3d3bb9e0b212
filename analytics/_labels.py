"""Cleaning label and id text: Unicode/whitespace/case normalization, numeric labels, tag sets.

All functions work on the *unique* values of a column and map back, so a column of ten million
annotations costs one factorization plus work proportional to the number of distinct labels.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ._coded import Coded, coded_from_series, merge_values
from ._json import loads
from ._wording import count_noun


__all__ = ["MISSING_MARKERS", "clean_text", "clean_uniques", "clean_distinct", "may_hold_containers", "clean_id_column",
           "clean_id_coded", "clean_label_column", "clean_label_coded", "LabelCleaning", "natural_order"]

#: Cell texts read as "no value". ``"None"`` is deliberately *not* here: it is a plausible class name
#: ("None of the above").
MISSING_MARKERS: tuple[str, ...] = ("", "nan", "NaN", "NA", "N/A", "n/a", "null", "NULL", "#N/A")

_WS = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MISSING = frozenset(m.casefold() for m in MISSING_MARKERS)


def clean_text(value: Any) -> str | None:
    """Canonical text of one cell: NFC-normalized, trimmed, inner whitespace collapsed, lone surrogates
    replaced by U+FFFD.

    ``None``, NaN, blank strings and missing-value markers give ``None``. Integral floats
    (``3.0``, as pandas makes of a numeric column with gaps) give ``"3"``.
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if value is pd.NA or value is pd.NaT:
        return None
    text = _WS.sub(" ", unicodedata.normalize("NFC", str(value))).strip()
    if not text.isascii():
        text = _SURROGATE.sub("\ufffd", text)  # lone surrogates cannot be encoded; they would fail later
    if not text or text.casefold() in _MISSING:
        return None
    return text


def clean_uniques(uniques: Sequence[Any] | pd.Index) -> list[str | None]:
    """:func:`clean_text` of many distinct values, vectorized when they are all strings."""
    values = np.empty(len(uniques), dtype=object)
    values[:] = list(uniques)
    arrow = None
    if len(values) > 1000 and isinstance(uniques, pd.Index) and pd.api.types.is_string_dtype(uniques.dtype) \
            and uniques.dtype != object:
        arrow = _arrow_strings(uniques)
    return clean_distinct(values, arrow=arrow)[0].tolist()


def clean_distinct(values: np.ndarray, *, arrow: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`clean_text` of each distinct value, and which values it changed.

    Parameters
    ----------
    values : numpy.ndarray
        Distinct values (object array).
    arrow : pyarrow.Array, optional
        The same values as an Arrow string array (when they were read by Arrow): the check for values that
        are already clean then runs on it directly.

    Returns
    -------
    cleaned : numpy.ndarray
        Object array of ``str`` or ``None``; values that need no cleaning are the input objects themselves (the
        input array itself when no value needs cleaning).
    changed : numpy.ndarray
        Boolean, per value: the cleaned value differs from the value (blank values and non-text values too).
    """
    n = len(values)
    if arrow is None and n > 1000 and pd.api.types.infer_dtype(values, skipna=False) == "string":
        arrow = _arrow_strings(values)
    todo = np.ones(n, dtype=bool) if arrow is None else ~_already_clean(arrow)
    changed = np.zeros(n, dtype=bool)
    if not todo.any():
        return values, changed  # every value is its own cleaned text (the callers only read the array)
    cleaned = values.copy()
    sub = values[todo]
    if len(sub) > 1000 and arrow is not None:  # all strings: pandas' vectorized string methods
        s = pd.Series(sub, dtype=object)
        out = s.str.normalize("NFC").str.replace(r"\s+", " ", regex=True).str.strip()
        out = out.str.replace(_SURROGATE, "\ufffd", regex=True)
        blank = out.str.casefold().isin(_MISSING) | out.isna()
        new = out.where(~blank, None).to_numpy(dtype=object)
    else:
        new = np.empty(len(sub), dtype=object)
        new[:] = [clean_text(v) for v in sub]
    cleaned[todo] = new
    changed[todo] = [a is None or type(a) is not type(b) or a != b for a, b in zip(new, sub)]
    return cleaned, changed


def _arrow_strings(values: Any) -> Any:
    """Values as a pyarrow string array, or None when they are not all text."""
    import pyarrow as pa

    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


#: ASCII characters that ``\\s`` matches besides the space (Python's ``str.isspace``), and runs of spaces.
_ASCII_UNCLEAN = r"[\t\n\x0b\x0c\r\x1c-\x1f]|^ | $|  "
#: The bytes of those characters besides the space: a string holding none needs no regular expression.
_ASCII_SPACE_BYTES = np.zeros(256, dtype=bool)
_ASCII_SPACE_BYTES[[9, 10, 11, 12, 13, 28, 29, 30, 31]] = True


def _already_clean(arr: Any) -> np.ndarray:
    """Which strings of an Arrow string array :func:`clean_text` returns unchanged, found with Arrow kernels.

    An ASCII string is already clean when it is not blank, has no whitespace other than single inner
    spaces and is not a missing-value marker: NFC normalization leaves ASCII unchanged, so such a value
    is its own canonical text. Everything else (non-ASCII, odd whitespace, missing values) goes through
    the full cleaning; the result is the same either way, only faster for the common ids.

    The test is :data:`_ASCII_UNCLEAN` as plain kernels (a leading, trailing or double space), and the regular
    expression for the other whitespace characters only when the text holds one of their bytes
    (:func:`_holds_space_bytes`): the same answer, without a regular expression over millions of clean ids.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if arr is None:
        return np.zeros(0, dtype=bool)
    ok = pc.and_(pc.string_is_ascii(arr), pc.greater(pc.binary_length(arr), 0))
    spaces = pc.or_(pc.or_(pc.starts_with(arr, " "), pc.ends_with(arr, " ")), pc.match_substring(arr, "  "))
    ok = pc.and_(ok, pc.invert(spaces))
    if _holds_space_bytes(arr):
        ok = pc.and_(ok, pc.invert(pc.match_substring_regex(arr, _ASCII_UNCLEAN)))
    ok = pc.and_(ok, pc.invert(pc.is_in(pc.ascii_lower(arr), value_set=pa.array(sorted(_MISSING)))))
    return np.asarray(ok.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _holds_space_bytes(arr: Any) -> bool:
    """Whether the text bytes of an Arrow string array hold a tab, line break or other ASCII whitespace byte
    (besides the space); conservative (True) for arrays it cannot read as one buffer."""
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray):
        return any(_holds_space_bytes(chunk) for chunk in arr.chunks)
    buffers = arr.buffers()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or len(buffers) < 3:
        return True
    if buffers[2] is None:
        return False
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(buffers[1], dtype=width)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8)[int(offsets[0]):int(offsets[-1])]
    if not (data < 32).any():  # one comparison over the bytes: every byte of interest is a control byte
        return False
    return bool(_ASCII_SPACE_BYTES[data].any())


def _map_uniques(series: pd.Series, func) -> pd.Series:
    """Apply ``func`` to each distinct value of ``series`` once and map the results back (missing cells: None)."""
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists …): one call per cell
        return series.map(lambda v: None if not isinstance(v, (list, dict)) and pd.isna(v) is True else func(v)
                          ).astype(object)
    mapped = np.array([func(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=series.index, dtype=object)


def clean_id_coded(coded: Coded) -> tuple[Coded, int]:
    """Clean a coded id column: :func:`clean_text` of each distinct id, equal results merged.

    Returns the cleaned column (``-1`` where blank) and how many rows hold a text id that the cleaning
    changed (surrounding or repeated whitespace, another Unicode form) without making it blank.
    """
    cleaned, changed = clean_distinct(coded.values, arrow=coded.arrow)
    n_changed = 0
    if changed.any():
        is_text = np.fromiter((type(v) is str for v in coded.values), dtype=bool, count=len(coded.values))
        text_changed = changed & is_text & ~pd.isna(cleaned)
        if text_changed.any():
            n_changed = int(coded.counts()[text_changed].sum())
    return merge_values(coded, cleaned, changed), n_changed


def clean_id_column(series: pd.Series) -> tuple[pd.Series, int]:
    """Clean an id column; returns the cleaned text (``None`` where blank) and how many cells changed."""
    cleaned, n_changed = clean_id_coded(coded_from_series(series))
    return cleaned.series(series.index), n_changed


def natural_order(values: Iterable[str]) -> list[str]:
    """Sort labels numerically when they are all numbers, else case-insensitively as text."""
    vals = list(dict.fromkeys(values))
    try:
        return sorted(vals, key=lambda v: (float(v), v))
    except (TypeError, ValueError):
        return sorted(vals, key=lambda v: (str(v).casefold(), str(v)))


@dataclass
class LabelCleaning:
    """Outcome of :func:`clean_label_column`."""

    labels: pd.Series  # str (single-label) or tuple of str (multi-label); None where blank
    multilabel: bool
    normalizations: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _as_tag_list(value: Any, sep: str | None) -> list[Any] | None:
    """Tags of one multi-label cell, or None when the cell is blank."""
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return list(value)
    text = clean_text(value)
    if text is None:
        return None
    if text.startswith("["):
        try:
            parsed = loads(text, where="a multi-label cell")
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            return parsed
    if sep:
        return [t for t in text.split(sep)]
    return [text]


def may_hold_containers(series: pd.Series) -> bool:
    """Whether a column could hold lists or mappings (a C-level type scan; text or number columns cannot)."""
    if series.dtype != object:
        return False
    return pd.api.types.infer_dtype(series, skipna=True) not in (
        "string", "integer", "floating", "mixed-integer-float", "boolean", "decimal", "empty", "bytes")


def _looks_multilabel(series: pd.Series) -> bool:
    sample = series.dropna().head(2000)
    if sample.empty:
        return False
    if sample.map(lambda v: isinstance(v, (list, tuple, set, frozenset, np.ndarray))).any():
        return True

    def is_json_list(v: Any) -> bool:
        if not isinstance(v, str) or not v.lstrip().startswith("["):
            return False
        try:
            return isinstance(loads(v, where="a label cell"), list)
        except json.JSONDecodeError:
            return False

    return bool(sample.map(is_json_list).all())


def _canonical_spellings(
    counts: Counter[str], declared: Sequence[str] | None
) -> tuple[dict[str, str], list[str]]:
    """Merge spellings that differ only in case (or numeric formatting) into one canonical label."""
    declared_by_fold = {d.casefold(): d for d in (declared or [])}
    groups: dict[str, list[str]] = {}
    for text in counts:
        groups.setdefault(text.casefold(), []).append(text)
    mapping: dict[str, str] = {}
    warnings: list[str] = []
    for fold, spellings in groups.items():
        canonical = declared_by_fold.get(fold) or max(spellings, key=lambda s: (counts[s], -spellings.index(s)))
        variants = [s for s in spellings if s != canonical]
        for s in variants:
            mapping[s] = canonical
        if variants:
            shown = ", ".join(f"'{s}' ({counts[s]})" for s in variants)
            warnings.append(f"label spellings {shown} differ from '{canonical}' only in case; merged into '{canonical}'.")
    return mapping, warnings


def _numeric_canonical(texts: Iterable[str]) -> dict[str, str] | None:
    """When every label is a number, map each to a canonical numeral ('1.0' → '1', '01' → '1')."""
    out = {}
    for t in texts:
        try:
            x = float(t)
        except ValueError:
            return None
        if not math.isfinite(x):
            return None
        canon = str(int(x)) if x.is_integer() and abs(x) < 2**53 else repr(x)
        out[t] = canon
    return out


def clean_label_column(
    series: pd.Series,
    *,
    multilabel: bool | None = None,
    label_sep: str | None = None,
    normalize: bool = True,
    declared: Sequence[str] | None = None,
    weights: np.ndarray | None = None,
) -> LabelCleaning:
    """Clean a label column.

    Parameters
    ----------
    series : pandas.Series
        Raw labels: text, numbers, or (multi-label) lists/tuples/sets or JSON-list strings.
    multilabel : bool, optional
        ``None`` detects tag sets (list objects, or every cell a JSON list).
    label_sep : str, optional
        Separator of tags inside a text cell of a multi-label column (e.g. ``"|"``).
    normalize : bool
        Merge spellings that differ only in case, and numerals that differ only in formatting.
    declared : sequence of str, optional
        Declared class names, whose spelling wins when variants are merged.
    weights : numpy.ndarray, optional
        Single-label columns: how many annotations each cell stands for (default one). Lets a column of
        distinct labels with their counts (e.g. gathered from many partitions) be cleaned exactly like
        the full column: the most frequent spelling still wins and the counts in the warnings are the same.
    """
    is_multi = bool(multilabel) if multilabel is not None else _looks_multilabel(series)
    if not is_multi:
        reject_label_containers(series)
        coded, normalizations, warnings = clean_label_coded(coded_from_series(series), normalize=normalize,
                                                            declared=declared, weights=weights)
        return LabelCleaning(labels=coded.series(series.index), multilabel=False, normalizations=normalizations,
                             warnings=warnings)
    tag_lists = series.map(lambda v: _as_tag_list(v, label_sep)).astype(object)
    flat = [clean_text(t) for tags in tag_lists.dropna() for t in tags]
    texts = Counter(t for t in flat if t is not None)
    mapping, warnings = _spelling_mapping(texts, normalize=normalize, declared=declared)

    def tags_of(tags: list[Any] | None) -> tuple[str, ...] | None:
        if tags is None:
            return None
        out = {mapping.get(c, c) for c in (clean_text(t) for t in tags) if c is not None}
        return tuple(sorted(out))

    labels = tag_lists.map(tags_of).astype(object)
    warnings.extend(_numeric_warning(mapping))
    return LabelCleaning(labels=labels, multilabel=True, normalizations=dict(mapping), warnings=warnings)


def reject_label_containers(series: pd.Series) -> None:
    """A single-label column holding lists or mappings is an error naming the rows."""
    if not may_hold_containers(series):
        return
    listy = series.map(lambda v: isinstance(v, (list, tuple, set, frozenset, dict, np.ndarray))).to_numpy()
    if listy.any():
        from .exceptions import AnnotationSchemaError

        rows = series.index[listy][:5].tolist()
        raise AnnotationSchemaError(
            f"{count_noun(int(listy.sum()), 'label cell')} {'holds' if int(listy.sum()) == 1 else 'hold'} a list or "
            f"mapping (rows {rows}) in a single-label column. "
            "Pass multilabel=True if each annotation is a set of tags, or give one label per cell."
        )


def clean_label_coded(
    coded: Coded,
    *,
    normalize: bool = True,
    declared: Sequence[str] | None = None,
    weights: np.ndarray | None = None,
) -> tuple[Coded, dict[str, str], list[str]]:
    """Clean a coded single-label column: the distinct labels are cleaned and merged, the rows only recoded.

    Returns the cleaned column (``-1`` where blank), the normalizations (original spelling → canonical label)
    and the warnings, as :func:`clean_label_column` reports them. ``weights`` (per row) as there. The values
    must be in the order of their first row (as :func:`pandas.factorize` and Arrow's dictionary encoding give
    them): among equally frequent spellings the first one seen wins.
    """
    values = coded.values
    cleaned, _ = clean_distinct(values, arrow=coded.arrow)
    if weights is None:
        per_value = coded.counts()  # computed once per column (the set's other checks read it too)
    else:
        valid = coded.codes >= 0
        per_value = np.bincount(coded.codes[valid], weights=np.asarray(weights)[valid], minlength=len(values))
    present = per_value > 0
    texts: Counter[str] = Counter()
    for text, n in zip(cleaned[present], per_value[present]):
        if text is not None:
            texts[text] += int(n)
    mapping, warnings = _spelling_mapping(texts, normalize=normalize, declared=declared)
    final = np.empty(len(values), dtype=object)
    final[:] = [None if t is None else mapping.get(t, t) for t in cleaned]
    normalizations: dict[str, str] = {}
    for raw, new in zip(values[present], final[present]):
        if new is not None and str(raw) != new and not (isinstance(raw, (int, np.integer, float, np.floating))
                                                       and clean_text(raw) == new):
            normalizations[str(raw)] = new
    ws_only = [r for r, n in normalizations.items() if r.casefold() != n.casefold() and clean_text(r) == n]
    if ws_only:
        shown = ", ".join(repr(r) for r in ws_only[:5])
        warnings.append(
            f"{count_noun(len(ws_only), 'label spelling')} with extra whitespace or another Unicode form "
            f"were normalized (e.g. {shown})."
        )
    warnings.extend(_numeric_warning(mapping))
    changed = np.fromiter((a is not b for a, b in zip(final, values)), dtype=bool, count=len(values))
    return merge_values(coded, final, changed), normalizations, warnings


def _spelling_mapping(texts: Counter[str], *, normalize: bool,
                      declared: Sequence[str] | None) -> tuple[dict[str, str], list[str]]:
    """Spelling → canonical label for numerals written differently and spellings differing only in case."""
    mapping: dict[str, str] = {}
    warnings: list[str] = []
    if not (normalize and texts):
        return mapping, warnings
    numeric = _numeric_canonical(texts)
    if numeric is not None:
        mapping.update({k: v for k, v in numeric.items() if k != v})
        merged: Counter[str] = Counter()
        for k, n in texts.items():
            merged[numeric[k]] += n
        texts = merged
    case_map, case_warnings = _canonical_spellings(texts, declared)
    warnings.extend(case_warnings)
    for k, v in list(mapping.items()):
        mapping[k] = case_map.get(v, v)
    mapping.update({k: v for k, v in case_map.items() if k not in mapping})
    return mapping, warnings


def _numeric_warning(mapping: dict[str, str]) -> list[str]:
    numeric_changes = [k for k, v in mapping.items() if k.casefold() != v.casefold()]
    if not numeric_changes:
        return []
    return ["numeric labels written differently were unified: "
            + ", ".join(f"'{k}' → '{mapping[k]}'" for k in numeric_changes[:5])
            + ("…" if len(numeric_changes) > 5 else "") + "."]
