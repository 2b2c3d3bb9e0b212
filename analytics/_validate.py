"""Validation rules of the data contract (one place; importers only read).

Rules, in order:

1. the required columns exist (the message lists what is missing and what is there);
2. ids and labels are cleaned (NFC, trimmed, inner whitespace collapsed); rows with a blank item id,
   annotator id or label are skipped and reported — an error when nothing is left; so are rows whose id is
   Infinity, whose label holds a line break (unless ``allow_multiline_labels=True``), is longer than the
   text limit or prints blank (:mod:`analytics._row_rules`); a set left with no category at all is an error;
3. label spellings differing only in case, and numerals differing only in formatting, are merged
   and reported; numeric labels stay categories (text), never floats;
4. labels must be classes of a given taxonomy or category list (error with close matches);
5. duplicate ``(item_id, annotator_id, round)`` rows are an error listing them, unless
   ``duplicates="keep_last"``/``"keep_first"`` (the dropped rows are reported);
6. ``round``, ``timestamp`` (UTC), ``duration_s`` and ``image`` are parsed; unparseable values
   become missing and are reported as warnings.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ._coded import Coded, DeferredTable, coded_from_series, present_codes
from ._labels import (
    _looks_multilabel,
    _map_uniques,
    clean_id_coded,
    clean_label_coded,
    clean_label_column,
    clean_text,
    may_hold_containers,
    reject_label_containers,
)
from ._schema import AnnotationSet, SetCodes, build_annotation_set, check_known_labels, resolve_categories
from .exceptions import AnnotationSchemaError, InvalidParameterError
from .limits import check_text_lengths, current_limits, limit_message
from ._row_rules import RULE_DETAILS, finite_floats, infinite_values, label_rules, multiline_labels, per_row
from .io._raw import RawAnnotations
from ._taxonomy_model import Taxonomy, load_taxonomy
from ._duplicates import DuplicatePolicy, duplicate_rows
from ._wording import count_noun

__all__ = ["validate_annotations"]

#: Skip reasons of rows with a blank id or label, and the detail the import report gives them.
BLANK_DETAILS = {
    "blank_item_id": "item id is empty",
    "blank_annotator_id": "annotator id is empty",
    "blank_label": "label is empty or a missing-value marker",
}


def _raw_from_frame(frame: pd.DataFrame) -> RawAnnotations:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidParameterError(
            f"validate_annotations expects a pandas DataFrame or an importer's output, got {type(frame).__name__}."
        )
    out = frame.copy()
    out["_source"] = pd.Categorical.from_codes(np.zeros(len(out), dtype=np.int8), categories=["<DataFrame>"])
    out["_row"] = out.index
    return RawAnnotations(frame=out.reset_index(drop=True), source="<DataFrame>", format="tidy", unit="row",
                          rows_read=len(frame))


def _where(frame: pd.DataFrame, mask: np.ndarray, n: int = 5) -> str:
    rows = frame.loc[mask, "_row"].head(n).tolist()
    return ", ".join(map(str, rows))


def validate_annotations(
    data: "pd.DataFrame | RawAnnotations",
    *,
    categories: Sequence[str] | None = None,
    taxonomy: "Taxonomy | str | None" = None,
    ordinal: bool | None = None,
    duplicates: DuplicatePolicy = "error",
    multilabel: bool | None = None,
    label_sep: str | None = None,
    normalize_labels: bool = True,
    unknown_label: str | None = None,
    allow_multiline_labels: bool = False,
) -> AnnotationSet:
    """Check a tidy annotations table against the data contract and build an :class:`AnnotationSet`.

    Every rule runs on the distinct values of the id, label and round columns (held as integer codes,
    :mod:`analytics._coded`), so its cost grows with the number of distinct values, not of annotations.

    Parameters
    ----------
    data : pandas.DataFrame or RawAnnotations
        A table with the canonical columns ``item_id``, ``annotator_id``, ``label`` (optional
        ``round``, ``timestamp``, ``duration_s``, ``image``; other columns are kept), or an importer's output.
    categories : sequence of str, optional
        The allowed categories, in order (an ordinal scale's order when ``ordinal=True``).
    taxonomy : Taxonomy or path, optional
        Labels must be classes of it; its class order becomes the category order.
    ordinal : bool, optional
        Whether the category order is an ordinal scale (default: the taxonomy's ``ordinal`` flag).
    duplicates : {"error", "keep_last", "keep_first"}
        What to do with several rows for one ``(item_id, annotator_id, round)``.
    multilabel : bool, optional
        Labels are tag sets (lists, JSON lists, or text split on ``label_sep``); detected when omitted.
    label_sep : str, optional
        Tag separator inside text cells of a multi-label column.
    normalize_labels : bool
        Merge label spellings that differ only in case or numeric formatting (default True).
    unknown_label : str, optional
        The Unknown/Other category (default: the taxonomy's, or a category named like "Unknown"/"Other").
    allow_multiline_labels : bool
        Keep labels holding a line break (as one line); by default their rows are skipped (``multiline_label``).

    Returns
    -------
    AnnotationSet

    Raises
    ------
    AnnotationSchemaError
        Missing columns, nothing left after skipping blank rows, duplicate rows.
    UnknownLabelError
        Labels outside the taxonomy or category list.
    InvalidParameterError
        An option has an invalid value.
    """
    if duplicates not in ("error", "keep_last", "keep_first"):
        raise InvalidParameterError(f"duplicates= must be 'error', 'keep_last' or 'keep_first', got {duplicates!r}.")
    raw = data if isinstance(data, RawAnnotations) else _raw_from_frame(data)
    tax = load_taxonomy(taxonomy) if taxonomy is not None else None
    frame, columns = raw.frame, raw.columns
    required = ["item_id", "label"] + (["annotator_id"] if raw.annotators_known else [])
    missing = [c for c in required if c not in columns]
    if missing:
        present = [c for c in columns if not str(c).startswith("_")]
        raise AnnotationSchemaError(
            f"The annotations table is missing required column{'s' if len(missing) != 1 else ''} {', '.join(missing)}. "
            f"Columns present: {', '.join(map(repr, present)) or '(none)'}. Rename the columns, or pass "
            "item=, annotator=, label= to load_annotations to say which columns to use."
        )
    if len(frame) == 0:
        raise AnnotationSchemaError(
            f"{raw.source} holds no annotations ({count_noun(raw.rows_read, raw.unit)} read"
            + (f", {len(raw.skipped)} skipped" if raw.skipped else "") + "). Check that the export is complete."
        )
    if "_row" not in frame.columns:
        frame = frame.assign(_row=np.arange(1, len(frame) + 1), _source=raw.source)
    skipped: list[dict[str, Any]] = []
    warnings: list[str] = []

    def drop(mask: np.ndarray, reason: str, detail: str) -> None:
        if mask.any():
            for src, row in frame.loc[mask, ["_source", "_row"]].drop_duplicates().itertuples(index=False):
                skipped.append({"source": src, "row": row, "reason": reason, "detail": detail})

    for column in ("round", "image"):  # ids are checked by the factorization below, at no cost
        if column in frame.columns and may_hold_containers(frame[column]):
            _reject_containers(frame, column, raw.unit)
    items, n_changed_items, invalid_id = _clean_ids(raw, frame, "item_id")
    anns, n_changed_ann = None, 0
    if raw.annotators_known:
        anns, n_changed_ann, invalid_ann = _clean_ids(raw, frame, "annotator_id")
        invalid_id = invalid_id | invalid_ann
    if n_changed_items or n_changed_ann:
        warnings.append(
            f"surrounding or repeated whitespace removed from {count_noun(n_changed_items, 'item id')} and "
            f"{count_noun(n_changed_ann, 'annotator id')}."
        )
    declared = list(categories) if categories is not None else (list(tax.names) if tax is not None else None)
    labels, tags, normalizations, label_warnings, multiline = _clean_labels(
        raw, frame, multilabel=raw.multilabel if multilabel is None else multilabel, label_sep=label_sep,
        normalize=normalize_labels, declared=declared, allow_multiline=allow_multiline_labels)
    warnings.extend(label_warnings)

    blank_item = items.codes < 0
    blank_ann = (anns.codes < 0) & ~blank_item if anns is not None else np.zeros(len(frame), dtype=bool)
    blank_label = (tags.isna().to_numpy() if labels is None else labels.codes < 0) & ~blank_item & ~blank_ann
    for mask, reason in zip((blank_item, blank_ann, blank_label), BLANK_DETAILS):
        drop(mask, reason, BLANK_DETAILS[reason])
    keep = ~(blank_item | blank_ann | blank_label)
    rules = _rule_masks(labels, tags, keep, invalid_id=invalid_id, multiline=multiline)
    for reason, mask in rules.items():
        drop(mask, reason, RULE_DETAILS[reason])
        keep = keep & ~mask
    if not keep.any():
        by_rule = "".join(f", {int(m.sum())} × {r}" for r, m in rules.items() if m.any())
        if rules["label_too_long"].any():
            by_rule += f" (labels longer than max_text_length={current_limits().max_text_length:,} characters)"
        raise AnnotationSchemaError(
            f"No annotations left in {raw.source}: all {int(len(frame)):,} annotation rows were skipped "
            f"({int(blank_item.sum())} with a blank item id, {int(blank_ann.sum())} with a blank annotator id, "
            f"{int(blank_label.sum())} with a blank label{by_rule}, e.g. {raw.unit} {_where(frame, ~keep)}). "
            "Check that the right columns were used (see the column mapping) and that the file is complete."
        )
    raw_rounds = _column(raw, frame, "round") if "round" in columns else None
    rounds = raw_rounds.map_values(clean_text) if raw_rounds is not None else None
    if not keep.all():
        frame = frame.loc[keep].reset_index(drop=True)
        items, anns, rounds, raw_rounds, labels, tags = _take(keep, items, anns, rounds, raw_rounds, labels, tags)

    used = sorted({t for v in tags for t in v}) if labels is None else sorted(labels.values[present_codes(labels)])
    _check_limits(len(frame), used, items, anns, raw.source)
    if categories is not None or tax is not None:
        allowed = list(categories) if categories is not None else list(tax.names)
        if set(used) - set(allowed):  # the message names rows: built from the rows, only when it is raised
            check_known_labels(tags if labels is None else labels.series(), allowed,
                               what="declared categories" if categories is not None else "taxonomy",
                               rows=frame["_row"], suggest=tax.suggest if categories is None else None)
    cats = resolve_categories(used, explicit=categories, taxonomy=tax)
    if not len(cats):
        raise AnnotationSchemaError(
            f"{raw.source} has no categories: every kept annotation is an empty tag set (e.g. {raw.unit} "
            f"{_where(frame, np.ones(len(frame), dtype=bool))}), so there is nothing to measure agreement on. Check "
            "that the label column holds labels (label=), or give the tags' names with categories=.")

    if raw.annotators_known:
        dropped = duplicate_rows(frame, items, anns, rounds, raw_rounds, duplicates, skipped)
        if dropped is not None:
            frame = frame.loc[~dropped].reset_index(drop=True)
            items, anns, rounds, raw_rounds, labels, tags = _take(~dropped, items, anns, rounds, raw_rounds, labels,
                                                                  tags)

    n_kept, kept_rows = _kept_records(frame, raw.skipped + skipped)
    public = _public_frame(raw, frame, items, anns, labels, tags, rounds, warnings)
    report = raw.report(kept_rows=kept_rows, n_kept=n_kept, n_annotations=len(public), extra_skipped=skipped,
                        extra_warnings=warnings, label_normalizations=normalizations)
    codes = SetCodes(items, anns, labels) if labels is not None else None
    return build_annotation_set(
        public, categories=cats, multilabel=labels is None, annotators_known=raw.annotators_known,
        report=report, taxonomy=tax, ordinal=bool(ordinal) if ordinal is not None else bool(tax and tax.ordinal),
        unknown_label=clean_text(unknown_label) if unknown_label is not None else None, codes=codes,
    )


def _column(raw: RawAnnotations, frame: pd.DataFrame, name: str) -> Coded:
    """A column of the (unfiltered) input as codes: as read (Arrow), or factorized from the frame."""
    return raw.coded[name] if name in raw.coded else coded_from_series(frame[name])


def _rule_masks(labels: Coded | None, tags: pd.Series | None, keep: np.ndarray, *, invalid_id: np.ndarray,
                multiline: np.ndarray) -> dict[str, np.ndarray]:
    """Rows (among ``keep``) skipped by the rules of :mod:`analytics._row_rules`, each row by its first rule.
    Single-label columns are tested on their distinct cleaned labels, once each."""
    limit = current_limits().max_text_length
    if labels is None:
        too_long, blank = label_rules(tags, limit)
    else:
        long_v, blank_v = label_rules(pd.Series(labels.values, dtype=object), limit)
        too_long, blank = per_row(labels, long_v), per_row(labels, blank_v)
    masks = {"invalid_id": invalid_id & keep, "multiline_label": multiline & keep, "label_too_long": too_long & keep,
             "unprintable_label": blank & keep}
    taken = np.zeros(len(keep), dtype=bool)
    for reason, mask in masks.items():
        masks[reason] = mask & ~taken
        taken |= mask
    return masks


def _clean_ids(raw: RawAnnotations, frame: pd.DataFrame, column: str) -> tuple[Coded, int, np.ndarray]:
    """Clean an id column: the cleaned codes, how many distinct ids changed, and the rows whose id is
    ``±Infinity`` (rule ``invalid_id``). Lists or mappings in it (unhashable) are an error naming the rows."""
    try:
        coded = _column(raw, frame, column)
    except TypeError:
        _reject_containers(frame, column, raw.unit)
        raise
    invalid = per_row(coded, infinite_values(coded))
    cleaned, n_changed = clean_id_coded(coded)
    return cleaned, n_changed, invalid


def _clean_labels(raw: RawAnnotations, frame: pd.DataFrame, *, multilabel: bool | None, label_sep: str | None,
                  normalize: bool, declared: list[str] | None, allow_multiline: bool
                  ) -> tuple[Coded | None, pd.Series | None, dict[str, str], list[str], np.ndarray]:
    """Single-label columns: the cleaned codes (tags None); tag sets: the cleaned tag tuples (codes None). Also
    the rows whose raw label holds a line break (none when ``allow_multiline``)."""
    coded = raw.coded.get("label")
    if multilabel is None:
        multilabel = _looks_multilabel(coded.take(_first_valid(coded.codes)).series() if coded is not None
                                       else frame["label"])
    if multilabel:
        series = coded.series(frame.index) if coded is not None else frame["label"]
        multiline = np.zeros(len(series), dtype=bool) if allow_multiline else multiline_labels(series)
        cleaning = clean_label_column(series, multilabel=True, label_sep=label_sep, normalize=normalize,
                                      declared=declared)
        return None, cleaning.labels, cleaning.normalizations, cleaning.warnings, multiline
    if coded is None:
        reject_label_containers(frame["label"])
        coded = coded_from_series(frame["label"])
    multiline = (np.zeros(len(coded), dtype=bool) if allow_multiline
                 else per_row(coded, multiline_labels(pd.Series(coded.values, dtype=object))))
    labels, normalizations, warnings = clean_label_coded(coded, normalize=normalize, declared=declared)
    return labels, None, normalizations, warnings, multiline


def _first_valid(codes: np.ndarray, n: int = 2000) -> np.ndarray:
    """Positions of the first ``n`` non-missing cells (the sample the multi-label detection looks at)."""
    out, start, step = [], 0, 4 * n
    while start < len(codes) and sum(map(len, out)) < n:
        out.append(start + np.flatnonzero(codes[start:start + step] >= 0))
        start += step
    return np.concatenate(out)[:n] if out else np.zeros(0, dtype=np.int64)


def _take(mask: np.ndarray, *columns: Any) -> list[Any]:
    """The rows of ``mask`` of each coded column or Series (None stays None)."""
    return [None if c is None else c[mask].reset_index(drop=True) if isinstance(c, pd.Series) else c.take(mask)
            for c in columns]


def _check_limits(n_annotations: int, used: Sequence[str], items: Coded, anns: Coded | None, source: str) -> None:
    """Annotations, distinct categories and text lengths within :func:`~analytics.limits.current_limits`."""
    limits = current_limits()
    if n_annotations > limits.max_rows:
        raise AnnotationSchemaError(limit_message("max_rows", n_annotations, f"{source} holds too many annotations"))
    if len(used) > limits.max_categories:
        raise AnnotationSchemaError(limit_message("max_categories", len(used), f"{source} uses too many distinct "
                                                  "labels (every distinct label is a category)"))
    check_text_lengths(used, what="label")
    for coded, what in ((items, "item id"), (anns, "annotator id")):
        if coded is not None:
            check_text_lengths(_long_values(coded, limits.max_text_length), what=what)


def _long_values(coded: Coded, limit: int) -> np.ndarray:
    """The distinct values in use longer than ``limit`` characters (lengths from Arrow when it read them)."""
    if coded.arrow is not None and len(coded.arrow) == len(coded.values):
        import pyarrow.compute as pc

        if len(coded.arrow) and (pc.max(pc.binary_length(coded.arrow)).as_py() or 0) <= limit:
            return coded.values[:0]  # no value has more bytes than the limit, so none has more characters
        lengths = np.asarray(pc.utf8_length(coded.arrow).fill_null(0).to_numpy(zero_copy_only=False))
    else:
        lengths = pd.Series(coded.values, dtype=object).str.len().fillna(0).to_numpy()
    return coded.values[(lengths > limit) & present_codes(coded)]


def _kept_records(frame: pd.DataFrame, skipped: list[dict[str, Any]]) -> tuple[int, set[tuple[Any, str]]]:
    """The number of distinct input records behind the kept annotations, and which of the skipped entries'
    records are among them (vectorized: only the few rows named by skipped entries are turned into keys).

    A table read from one source numbers its rows in increasing order, one annotation each: then every row is
    its own record, and no key needs hashing.
    """
    keys = frame[["_source", "_row"]]
    rows = keys["_row"]
    simple = (pd.api.types.is_integer_dtype(rows.dtype) and _one_source(keys["_source"])
              and bool(np.all(np.diff(rows.to_numpy()) > 0)))
    n_kept = len(keys) if simple else len(keys.drop_duplicates())
    wanted = {str(entry["row"]) for entry in skipped}
    if not wanted:
        return n_kept, set()
    if simple:
        numbers = [int(r) for r in wanted if r.lstrip("-").isdigit() and str(int(r)) == r]
        hit = np.isin(rows.to_numpy(), np.array(numbers, dtype=np.int64))
        return n_kept, {(src, str(row)) for src, row in keys.loc[hit].itertuples(index=False)}
    text_rows = rows.astype(str)
    hit = text_rows.isin(wanted).to_numpy()
    return n_kept, set(zip(keys.loc[hit, "_source"], text_rows[hit]))


def _one_source(sources: pd.Series) -> bool:
    """Whether every row has the same (non-missing) source."""
    if isinstance(sources.dtype, pd.CategoricalDtype):
        codes = sources.cat.codes.to_numpy()
        return bool(len(codes)) and codes.min() >= 0 and codes.min() == codes.max()
    return bool(len(sources)) and sources.nunique(dropna=False) == 1


def _public_frame(raw: RawAnnotations, frame: pd.DataFrame, items: Coded, anns: Coded | None, labels: Coded | None,
                  tags: pd.Series | None, rounds: Coded | None, warnings: list[str]) -> "pd.DataFrame | DeferredTable":
    """The set's table: the input's columns in their order, ids and labels cleaned, optional columns parsed.

    A single-label set's ids and labels stay coded (:class:`~analytics._coded.DeferredTable`: decoded when the
    table is first read); a multi-label set's table is built now (its labels are tuples, not codes)."""
    deferred = {"item_id": items, "label": labels, "annotator_id": anns} if labels is not None else {}
    deferred = {name: coded for name, coded in deferred.items() if coded is not None}
    cleaned = {} if deferred else {"item_id": items.decode(), "label": tags.to_numpy()}
    if anns is None:
        cleaned["annotator_id"] = np.full(len(frame), None, dtype=object)
    elif not deferred:
        cleaned["annotator_id"] = anns.decode()
    if rounds is not None:
        cleaned["round"] = rounds.decode()
    names = [c for c in raw.columns if not str(c).startswith("_")]
    names += [c for c in ("item_id", "label", "annotator_id", "round") if (c in cleaned or c in deferred)
              and c not in names]
    out = pd.DataFrame({c: pd.Series(cleaned[c], index=frame.index, dtype=object, copy=False) if c in cleaned
                        else frame[c] for c in names if c not in deferred} | {"_row": frame["_row"]},
                       index=frame.index, copy=False)
    out = _parse_optional(out, warnings, raw.unit)
    kept = pd.DataFrame({c: out[c] for c in out.columns if c != "_row"}, index=out.index, copy=False)
    if not deferred:
        return kept
    kept = kept.reset_index(drop=True)  # the set's rows are numbered 0 … n-1 (build_annotation_set)
    return DeferredTable(kept, deferred, tuple(c for c in names if c in deferred or c in kept.columns))


def _reject_containers(frame: pd.DataFrame, column: str, unit: str) -> None:
    """Ids, rounds and image references must be single values, not lists or mappings."""
    bad = frame[column].map(lambda v: isinstance(v, (list, tuple, set, frozenset, dict, np.ndarray))).to_numpy()
    if bad.any():
        raise AnnotationSchemaError(
            f"Column '{column}' holds lists or mappings instead of single values ({count_noun(int(bad.sum()), 'cell')}, "
            f"e.g. {unit} {_where(frame, bad)}). Give one value per cell."
        )


def _parse_optional(frame: pd.DataFrame, warnings: list[str], unit: str) -> pd.DataFrame:
    if "round" in frame.columns:  # cleaned with the ids (each distinct round once)
        n_missing = int(frame["round"].isna().sum())
        if n_missing and n_missing < len(frame):
            warnings.append(f"{count_noun(n_missing, 'annotation')} {'has' if n_missing == 1 else 'have'} no round (e.g. {unit} {_where(frame, frame['round'].isna().to_numpy())}).")
        if n_missing == len(frame):
            frame = frame.drop(columns="round")
    if "timestamp" in frame.columns:
        text = frame["timestamp"]
        parsed = _parse_timestamps(text)
        bad = _not_blank(text, (parsed.isna() & text.notna()).to_numpy())
        if bad.any():
            warnings.append(
                f"{count_noun(int(bad.sum()), 'timestamp')} could not be read and were left empty (e.g. {unit} "
                f"{_where(frame, bad)}: {[_short(v) for v in frame.loc[bad, 'timestamp'].head(3)]}); use ISO 8601 "
                "such as "
                "2026-03-02T09:15:30Z."
            )
        frame["timestamp"] = parsed
    if "duration_s" in frame.columns:
        values, infinite = finite_floats(frame["duration_s"])
        nan = _nan_values(frame["duration_s"])
        bad = (_not_blank(frame["duration_s"], values.isna().to_numpy()) | (values < 0).to_numpy()) & ~infinite
        if bad.any():
            warnings.append(f"{count_noun(int(bad.sum()), 'duration')} {'was' if int(bad.sum()) == 1 else 'were'} not non-negative numbers and were left empty "
                            f"(e.g. {unit} {_where(frame, bad)}).")
        if infinite.any() or nan.any():
            warnings.append(f"{count_noun(int(infinite.sum() + nan.sum()), 'duration')} were Infinity, NaN or a number too large "
                            f"for a duration and were left empty (e.g. {unit} {_where(frame, infinite | nan)}); the "
                            "tool wrote a value that is not a time.")
        frame["duration_s"] = values.where(~(bad | infinite)).astype(float)
    if "image" in frame.columns:
        frame["image"] = _map_uniques(frame["image"], clean_text)
    return frame


def _not_blank(values: pd.Series, candidates: np.ndarray) -> np.ndarray:
    """Among the ``candidates`` rows, those whose cell holds text (not blank, not a missing-value marker)."""
    out = np.zeros(len(values), dtype=bool)
    if candidates.any():
        out[candidates] = _map_uniques(values[candidates], lambda v: clean_text(v) is not None).to_numpy(dtype=bool)
    return out


def _nan_values(values: pd.Series) -> np.ndarray:
    """Cells that are the float NaN itself (a tool wrote NaN), not a missing value (None), in an object column."""
    cells = values.to_numpy()
    if cells.dtype != object:
        return np.zeros(len(values), dtype=bool)  # a float column: NaN is how pandas spells missing
    try:
        return np.asarray(cells != cells, dtype=bool)  # only NaN differs from itself
    except (TypeError, ValueError):  # cells holding arrays compare element-wise
        return np.zeros(len(values), dtype=bool)


def _short(value: Any) -> str:
    """A cell's text for a message, cut to 40 characters."""
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _parse_timestamps(values: pd.Series) -> pd.Series:
    """UTC timestamps from datetimes, epoch seconds or text (ISO 8601 first); unreadable values become NaT."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values, utc=True)
    numeric = finite_floats(values)[0]
    if len(values) and numeric.notna().all():
        plausible = np.isfinite(numeric) & (numeric.abs() < 1e11)
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
        out[plausible] = pd.to_datetime(numeric[plausible], unit="s", utc=True)
        return out
    text = _map_uniques(values, clean_text)
    errors = (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime)
    for kwargs in ({"format": "ISO8601"}, {"format": "mixed", "errors": "coerce"}):
        try:
            return pd.to_datetime(text, utc=True, **kwargs)
        except errors:
            continue

    def one(value: str | None) -> pd.Timestamp:
        try:
            return pd.to_datetime(value, utc=True)
        except errors:
            return pd.NaT

    return pd.to_datetime(text.map(one), utc=True)
