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

from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd

from ._labels import clean_id_column, clean_label_column, clean_text, may_hold_containers
from ._schema import AnnotationSet, build_annotation_set, check_known_labels, resolve_categories
from .exceptions import AnnotationSchemaError, InvalidParameterError
from .limits import check_text_lengths, current_limits, limit_message
from ._row_rules import RULE_DETAILS, finite_floats, infinite_ids, label_rules, multiline_labels
from .io._raw import RawAnnotations
from ._taxonomy_model import Taxonomy, load_taxonomy
from ._wording import count_noun

__all__ = ["validate_annotations"]

DuplicatePolicy = Literal["error", "keep_last", "keep_first"]

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
    out["_source"] = "<DataFrame>"
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
    frame = raw.frame
    required = ["item_id", "label"] + (["annotator_id"] if raw.annotators_known else [])
    missing = [c for c in required if c not in frame.columns]
    if missing:
        present = [c for c in frame.columns if not str(c).startswith("_")]
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

    frame = frame.copy(deep=False)  # columns are replaced below, never modified in place
    for column in ("round", "image"):  # ids are checked by the factorization below, at no cost
        if column in frame.columns and may_hold_containers(frame[column]):
            _reject_containers(frame, column, raw.unit)
    invalid_id = infinite_ids(frame["item_id"])
    if raw.annotators_known:
        invalid_id = invalid_id | infinite_ids(frame["annotator_id"])
    multiline = (np.zeros(len(frame), dtype=bool) if allow_multiline_labels else multiline_labels(frame["label"]))
    frame["item_id"], n_changed_items = _clean_ids(frame, "item_id", raw.unit)
    if raw.annotators_known:
        frame["annotator_id"], n_changed_ann = _clean_ids(frame, "annotator_id", raw.unit)
    else:
        frame["annotator_id"], n_changed_ann = pd.Series([None] * len(frame), dtype=object), 0
    if n_changed_items or n_changed_ann:
        warnings.append(
            f"surrounding or repeated whitespace removed from {count_noun(n_changed_items, 'item id')} and "
            f"{count_noun(n_changed_ann, 'annotator id')}."
        )
    declared = list(categories) if categories is not None else (list(tax.names) if tax is not None else None)
    cleaning = clean_label_column(frame["label"], multilabel=raw.multilabel if multilabel is None else multilabel,
                                  label_sep=label_sep, normalize=normalize_labels, declared=declared)
    frame["label"] = cleaning.labels
    warnings.extend(cleaning.warnings)

    blank_item = frame["item_id"].isna().to_numpy()
    blank_ann = frame["annotator_id"].isna().to_numpy() & raw.annotators_known & ~blank_item
    blank_label = frame["label"].isna().to_numpy() & ~blank_item & ~blank_ann
    for mask, reason in zip((blank_item, blank_ann, blank_label), BLANK_DETAILS):
        drop(mask, reason, BLANK_DETAILS[reason])
    keep = ~(blank_item | blank_ann | blank_label)
    rules = _rule_masks(frame["label"], keep, invalid_id=invalid_id, multiline=multiline)
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
    if not keep.all():
        frame = frame.loc[keep].reset_index(drop=True)

    if cleaning.multilabel:
        used = sorted({t for v in frame["label"] for t in v})
    else:
        used = sorted(pd.unique(frame["label"]).tolist())
    _check_limits(frame, used, raw.source)
    if categories is not None:
        check_known_labels(frame["label"], list(categories), what="declared categories", rows=frame["_row"])
    elif tax is not None:
        check_known_labels(frame["label"], tax.names, what="taxonomy", rows=frame["_row"], suggest=tax.suggest)
    cats = resolve_categories(used, explicit=categories, taxonomy=tax)
    if not len(cats):
        raise AnnotationSchemaError(
            f"{raw.source} has no categories: every kept annotation is an empty tag set (e.g. {raw.unit} "
            f"{_where(frame, np.ones(len(frame), dtype=bool))}), so there is nothing to measure agreement on. Check "
            "that the label column holds labels (label=), or give the tags' names with categories=.")

    if raw.annotators_known:
        frame = _handle_duplicates(frame, duplicates, drop_cb=lambda m, d: _record(skipped, frame, m, d))
    frame = _parse_optional(frame, warnings, raw.unit)

    n_kept, kept_rows = _kept_records(frame, raw.skipped + skipped)
    report = raw.report(kept_rows=kept_rows, n_kept=n_kept, n_annotations=len(frame), extra_skipped=skipped,
                        extra_warnings=warnings, label_normalizations=cleaning.normalizations)
    public = frame.drop(columns=[c for c in frame.columns if str(c).startswith("_")])
    return build_annotation_set(
        public, categories=cats, multilabel=cleaning.multilabel, annotators_known=raw.annotators_known,
        report=report, taxonomy=tax, ordinal=bool(ordinal) if ordinal is not None else bool(tax and tax.ordinal),
        unknown_label=clean_text(unknown_label) if unknown_label is not None else None,
    )


def _rule_masks(labels: pd.Series, keep: np.ndarray, *, invalid_id: np.ndarray,
                multiline: np.ndarray) -> dict[str, np.ndarray]:
    """Rows (among ``keep``) skipped by the rules of :mod:`analytics._row_rules`, each row by its first rule."""
    too_long, blank = label_rules(labels, current_limits().max_text_length)
    masks = {"invalid_id": invalid_id & keep, "multiline_label": multiline & keep, "label_too_long": too_long & keep,
             "unprintable_label": blank & keep}
    taken = np.zeros(len(labels), dtype=bool)
    for reason, mask in masks.items():
        masks[reason] = mask & ~taken
        taken |= mask
    return masks


def _kept_records(frame: pd.DataFrame, skipped: list[dict[str, Any]]) -> tuple[int, set[tuple[Any, str]]]:
    """The number of distinct input records behind the kept annotations, and which of the skipped entries'
    records are among them (vectorized: only the few rows named by skipped entries are turned into keys)."""
    keys = frame[["_source", "_row"]]
    n_kept = len(keys.drop_duplicates())
    rows = {str(entry["row"]) for entry in skipped}
    if not rows:
        return n_kept, set()
    text_rows = keys["_row"].astype(str)
    hit = text_rows.isin(rows).to_numpy()
    return n_kept, set(zip(keys.loc[hit, "_source"], text_rows[hit]))


def _clean_ids(frame: pd.DataFrame, column: str, unit: str) -> tuple[pd.Series, int]:
    """Clean an id column; lists or mappings in it (unhashable) are an error naming the rows."""
    try:
        return clean_id_column(frame[column])
    except TypeError:
        _reject_containers(frame, column, unit)
        raise
def _check_limits(frame: pd.DataFrame, used: Sequence[str], source: str) -> None:
    """Annotations, distinct categories and text lengths within :func:`~analytics.limits.current_limits`."""
    limits = current_limits()
    if len(frame) > limits.max_rows:
        raise AnnotationSchemaError(limit_message("max_rows", len(frame), f"{source} holds too many annotations"))
    if len(used) > limits.max_categories:
        raise AnnotationSchemaError(limit_message("max_categories", len(used), f"{source} uses too many distinct "
                                                  "labels (every distinct label is a category)"))
    check_text_lengths(used, what="label")
    check_text_lengths(frame["item_id"].unique(), what="item id")
    check_text_lengths(frame["annotator_id"].dropna().unique(), what="annotator id")


def _reject_containers(frame: pd.DataFrame, column: str, unit: str) -> None:
    """Ids, rounds and image references must be single values, not lists or mappings."""
    bad = frame[column].map(lambda v: isinstance(v, (list, tuple, set, frozenset, dict, np.ndarray))).to_numpy()
    if bad.any():
        raise AnnotationSchemaError(
            f"Column '{column}' holds lists or mappings instead of single values ({count_noun(int(bad.sum()), 'cell')}, "
            f"e.g. {unit} {_where(frame, bad)}). Give one value per cell."
        )


def _record(skipped: list[dict[str, Any]], frame: pd.DataFrame, mask: np.ndarray, detail: str) -> None:
    for src, row in frame.loc[mask, ["_source", "_row"]].itertuples(index=False):
        skipped.append({"source": src, "row": row, "reason": "duplicate", "detail": detail})


def _handle_duplicates(frame: pd.DataFrame, policy: DuplicatePolicy, drop_cb) -> pd.DataFrame:
    key = ["item_id", "annotator_id"] + (["round"] if "round" in frame.columns else [])
    keyed = frame[key].copy()
    if "round" in keyed.columns:
        keyed["round"] = keyed["round"].map(clean_text)
    dup_any = keyed.duplicated(keep=False).to_numpy()
    if not dup_any.any():
        return frame
    if policy == "error":
        text_key = keyed.loc[dup_any].map(lambda v: "" if v is None else str(v)).agg("|".join, axis=1)
        groups = frame.loc[dup_any].assign(_key=text_key)
        lines = []
        for _, g in list(groups.groupby("_key", sort=False))[:10]:
            first = g.iloc[0]
            where = f" round '{first['round']}'" if "round" in g.columns and pd.notna(first.get("round")) else ""
            lines.append(f"item '{first['item_id']}' by '{first['annotator_id']}'{where} at "
                         + ", ".join(map(str, g["_row"].tolist())))
        n_groups = groups["_key"].nunique()
        raise AnnotationSchemaError(
            f"{n_groups} (item_id, annotator_id{', round' if 'round' in key else ''}) combination{'s' if n_groups != 1 else ''} {'occur' if n_groups != 1 else 'occurs'} more than "
            f"once ({int(dup_any.sum())} rows): " + "; ".join(lines) + (" …" if n_groups > 10 else "")
            + ". Each annotator may label an item once per round: remove the repeats, add a 'round' column "
            "if they are re-labels, or pass duplicates='keep_last' (or 'keep_first') to keep one of each."
        )
    keep = "last" if policy == "keep_last" else "first"
    dropped = keyed.duplicated(keep=keep).to_numpy()
    drop_cb(dropped, f"duplicates='{policy}' kept the {keep} row of this (item, annotator, round)")
    return frame.loc[~dropped].reset_index(drop=True)


def _parse_optional(frame: pd.DataFrame, warnings: list[str], unit: str) -> pd.DataFrame:
    if "round" in frame.columns:
        frame["round"] = frame["round"].map(clean_text).astype(object)
        n_missing = int(frame["round"].isna().sum())
        if n_missing and n_missing < len(frame):
            warnings.append(f"{count_noun(n_missing, 'annotation')} {'has' if n_missing == 1 else 'have'} no round (e.g. {unit} {_where(frame, frame['round'].isna().to_numpy())}).")
        if n_missing == len(frame):
            frame = frame.drop(columns="round")
    if "timestamp" in frame.columns:
        text = frame["timestamp"]
        parsed = _parse_timestamps(text)
        bad = (parsed.isna() & text.notna() & text.map(lambda v: clean_text(v) is not None)).to_numpy()
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
        bad = ((values.isna() & frame["duration_s"].map(lambda v: clean_text(v) is not None)) | (values < 0)).to_numpy()
        bad = bad & ~infinite
        if bad.any():
            warnings.append(f"{count_noun(int(bad.sum()), 'duration')} {'was' if int(bad.sum()) == 1 else 'were'} not non-negative numbers and were left empty "
                            f"(e.g. {unit} {_where(frame, bad)}).")
        if infinite.any() or nan.any():
            warnings.append(f"{count_noun(int(infinite.sum() + nan.sum()), 'duration')} were Infinity, NaN or a number too large "
                            f"for a duration and were left empty (e.g. {unit} {_where(frame, infinite | nan)}); the "
                            "tool wrote a value that is not a time.")
        frame["duration_s"] = values.where(~(bad | infinite)).astype(float)
    if "image" in frame.columns:
        frame["image"] = frame["image"].map(clean_text).astype(object)
    return frame


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
    text = values.map(clean_text)
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
