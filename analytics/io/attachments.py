"""Gold labels and model predictions: loading, validating and attaching them to an annotation set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .._import_report import ImportReport
from .._labels import clean_id_column, clean_label_column, clean_text
from ..exceptions import AnnotationSchemaError, InvalidParameterError
from .._row_rules import RULE_DETAILS, is_blank_text, unprintable_labels
from ..limits import Limits, check_text_lengths, use_limits
from ._mapping import ColumnMapping, _key
from ._raw import RawAnnotations
from ._tables import read_any_table, source_name
from .._wording import count_noun

__all__ = ["GoldLabels", "Predictions", "load_gold", "load_predictions", "attach", "restrict_gold", "note_attached"]

_GOLD_NAMES = ("gold_label", "gold", "truth", "true_label", "ground_truth", "expected", "expert_label",
               "label", "answer", "class")
_PRED_LABEL_NAMES = ("predicted_label", "prediction", "pred", "pred_label", "model_label", "predicted_class")
_CONF_NAMES = ("confidence", "score", "probability", "prob", "model_confidence")


@dataclass(frozen=True, eq=False)
class GoldLabels:
    """Gold (expert) labels: ``frame`` has ``item_id`` and ``gold_label`` (indexed by input row); ``report`` accounts for every row."""

    frame: pd.DataFrame
    report: ImportReport


@dataclass(frozen=True, eq=False)
class Predictions:
    """Model predictions.

    ``frame`` has ``item_id`` and either one probability column per class (``kind="probabilities"``)
    or ``predicted_label`` and ``confidence`` (``kind="label"``).
    """

    frame: pd.DataFrame
    kind: str
    report: ImportReport

    @property
    def classes(self) -> tuple[str, ...]:
        """Class columns of a probability table (empty for label + confidence predictions)."""
        return tuple(c for c in self.frame.columns if c != "item_id") if self.kind == "probabilities" else ()


def _pick(columns: Sequence[str], explicit: str | None, names: Sequence[str], what: str) -> str | None:
    if explicit is not None:
        if explicit not in columns:
            raise AnnotationSchemaError(f"The {what} has no column '{explicit}'. Columns present: {list(columns)}.")
        return explicit
    keyed = {_key(c): c for c in columns}
    return next((keyed[_key(n)] for n in names if _key(n) in keyed), None)


def _item_column(columns: Sequence[str], explicit: str | None, what: str) -> str:
    mapping = ColumnMapping(item=explicit)
    return mapping.resolve(columns, required=("item_id",), what=what)["item_id"]


def load_gold(source: Any, *, item: str | None = None, label: str | None = None,
              sep: str | None = None, limits: Limits | None = None) -> GoldLabels:
    """Load gold labels from a table (path or DataFrame) with an item column and a gold label column.

    The label column is found by name (``gold_label``, ``gold``, ``truth``, ``true_label``, ``label`` …)
    unless ``label=`` names it. Blank gold labels are skipped and reported; an item with two different
    gold labels is an error. ``limits`` bounds the input (see :mod:`analytics.limits`).

    Examples
    --------
    >>> import pandas as pd
    >>> load_gold(pd.DataFrame({"item_id": ["a", "b"], "gold_label": ["cat", "dog"]})).frame.shape
    (2, 2)
    """
    with use_limits(limits):
        return _load_gold(source, item=item, label=label, sep=sep)


def _load_gold(source: Any, *, item: str | None, label: str | None, sep: str | None) -> GoldLabels:
    frame, unit, bad = read_any_table(source, sep=sep)
    name = source_name(source)
    cols = [str(c) for c in frame.columns]
    frame.columns = cols
    item_col = _item_column(cols, item, "gold table")
    label_col = _pick([c for c in cols if c != item_col], label, _GOLD_NAMES, "gold table")
    if label_col is None:
        raise AnnotationSchemaError(
            f"The gold table '{name}' has no gold label column (looked for {', '.join(_GOLD_NAMES[:6])} …). "
            f"Columns present: {cols}. Pass label='<column>'."
        )
    ids, _ = clean_id_column(frame[item_col])
    cleaning = clean_label_column(frame[label_col])
    check_text_lengths(ids.dropna().unique(), what="gold item id")
    check_text_lengths(cleaning.labels.dropna().unique(), what="gold label")
    out = pd.DataFrame({"item_id": ids.to_numpy(), "gold_label": cleaning.labels.to_numpy(), "_row": frame.index})
    raw = RawAnnotations(frame=out, source=name, format="gold", unit=unit, rows_read=len(frame) + len(bad),
                         label_field=label_col, column_mapping={"item_id": item_col, "gold_label": label_col})
    for b in bad:
        raw.skip(b["row"], b["reason"], b["detail"])
    for row in out.loc[out["item_id"].isna(), "_row"]:
        raw.skip(row, "blank_item_id", "gold row without item id")
    for row in out.loc[out["item_id"].notna() & out["gold_label"].isna(), "_row"]:
        raw.skip(row, "blank_label", "gold label is empty")
    blank = out["item_id"].notna().to_numpy() & unprintable_labels(out["gold_label"])
    for row in out.loc[blank, "_row"]:
        raw.skip(row, "unprintable_label", "the gold " + RULE_DETAILS["unprintable_label"][4:])
    out = out.loc[~blank].dropna(subset=["item_id", "gold_label"])
    conflicts = out.groupby("item_id")["gold_label"].nunique()
    conflicts = conflicts[conflicts > 1]
    if len(conflicts):
        shown = "; ".join(
            f"'{i}': " + ", ".join(map(repr, out.loc[out["item_id"] == i, "gold_label"].unique()))
            for i in conflicts.index[:5]
        )
        raise AnnotationSchemaError(
            f"{count_noun(len(conflicts), 'item')} {'has' if len(conflicts) == 1 else 'have'} conflicting gold labels in '{name}': {shown}. Keep one gold label per item."
        )
    dup = out.duplicated("item_id").to_numpy()
    for row in out.loc[dup, "_row"]:
        raw.skip(row, "duplicate", "the same gold label is repeated for this item")
    out = out.loc[~dup]
    report = raw.report(kept_rows={(name, str(r)) for r in out["_row"]}, n_annotations=len(out), extra_skipped=[],
                        extra_warnings=cleaning.warnings, label_normalizations=cleaning.normalizations)
    frame = out[["item_id", "gold_label"]].set_axis(pd.Index(out["_row"].to_numpy(), name="row"), axis=0)
    return GoldLabels(frame=frame, report=report)


def load_predictions(source: Any, *, item: str | None = None, label: str | None = None,
                     confidence: str | None = None, classes: Sequence[str] | None = None,
                     sep: str | None = None, limits: Limits | None = None) -> Predictions:
    """Load model predictions: one probability column per class, or a predicted label with a confidence.

    Probability rows must lie in [0, 1]; rows that do not sum to 1 (within 1e-3) are renormalized and
    reported. Values outside [0, 1] are refused (they look like logits: apply a softmax first, or use
    :func:`analytics.model.scoring.score_images`). Rows with missing values are skipped and reported.
    ``limits`` bounds the input (see :mod:`analytics.limits`).
    """
    with use_limits(limits):
        return _load_predictions(source, item=item, label=label, confidence=confidence, classes=classes, sep=sep)


def _load_predictions(source: Any, *, item: str | None, label: str | None, confidence: str | None,
                      classes: Sequence[str] | None, sep: str | None) -> Predictions:
    frame, unit, bad = read_any_table(source, sep=sep)
    name = source_name(source)
    cols = [str(c) for c in frame.columns]
    frame.columns = cols
    item_col = _item_column(cols, item, "predictions table")
    ids, _ = clean_id_column(frame[item_col])
    check_text_lengths(ids.dropna().unique(), what="predicted item id")
    label_col = _pick(cols, label, _PRED_LABEL_NAMES, "predictions table")
    raw = RawAnnotations(frame=pd.DataFrame(), source=name, format="predictions", unit=unit,
                         rows_read=len(frame) + len(bad))
    for b in bad:
        raw.skip(b["row"], b["reason"], b["detail"])
    warnings: list[str] = []
    if label_col is not None:
        conf_col = _pick(cols, confidence, _CONF_NAMES, "predictions table")
        labels = clean_label_column(frame[label_col]).labels
        check_text_lengths(labels.dropna().unique(), what="predicted label")
        conf = pd.to_numeric(frame[conf_col], errors="coerce") if conf_col else pd.Series(np.nan, index=frame.index)
        out = pd.DataFrame({"item_id": ids.to_numpy(), "predicted_label": labels.to_numpy(),
                            "confidence": conf.to_numpy(dtype=float)}, index=frame.index)
        if conf_col is not None:
            bad_conf = out["confidence"].notna() & ((out["confidence"] < 0) | (out["confidence"] > 1))
            if bad_conf.any():
                raise AnnotationSchemaError(
                    f"Confidence values outside [0, 1] in '{name}' column '{conf_col}' "
                    f"({unit} {', '.join(map(str, out.index[bad_conf][:5]))}). Give probabilities, not logits or percentages."
                )
        blank = out["item_id"].notna().to_numpy() & unprintable_labels(out["predicted_label"])
        for row in out.index[blank]:
            raw.skip(row, "unprintable_label", "the predicted " + RULE_DETAILS["unprintable_label"][4:])
        out = out.loc[~blank]
        kind = "label"
        required = ["item_id", "predicted_label"]
        raw.label_field = label_col
    else:
        class_cols = list(classes) if classes is not None else [c for c in cols if c != item_col]
        check_text_lengths(class_cols, what="class column name")
        blank = [k for k, c in enumerate(class_cols) if clean_text(c) is None or is_blank_text(clean_text(c))]
        if blank:
            raise AnnotationSchemaError(
                f"The predictions table '{name}' has {count_noun(len(blank), 'probability column')} without a visible name "
                f"(class column {', '.join(str(k + 1) for k in blank[:5])}: {[class_cols[k] for k in blank[:5]]}); a "
                "class would print blank. Name every probability column after its class, or pass classes=.")
        missing = [c for c in class_cols if c not in cols]
        if missing or not class_cols:
            raise AnnotationSchemaError(
                f"The predictions table '{name}' needs one probability column per class, or a predicted label column "
                f"({', '.join(_PRED_LABEL_NAMES[:3])}); columns present: {cols}."
                + (f" Missing class columns: {missing}." if missing else "")
            )
        probs = frame[class_cols].apply(pd.to_numeric, errors="coerce")
        not_numeric = probs.isna() & frame[class_cols].notna()
        if not_numeric.to_numpy().any():
            col = not_numeric.any().idxmax()
            raise AnnotationSchemaError(
                f"Column '{col}' of '{name}' is not numeric (e.g. {unit} {not_numeric.index[not_numeric[col]][0]}); "
                "every column other than the item id must be a class probability. Name the classes with classes=."
            )
        values = probs.to_numpy(dtype=float, copy=True)
        finite = ~np.isnan(values)
        if (values[finite] < -1e-9).any() or (values[finite] > 1 + 1e-9).any():
            raise AnnotationSchemaError(
                f"Probabilities in '{name}' fall outside [0, 1] (min {np.nanmin(values):.3g}, max {np.nanmax(values):.3g}): "
                "they look like logits or scores. Apply a softmax first (analytics.model.scoring.score_images does)."
            )
        sums = values.sum(axis=1)
        off = np.isfinite(sums) & (np.abs(sums - 1) > 1e-3) & (sums > 0)
        if off.any():
            warnings.append(f"{count_noun(int(off.sum()), 'probability row')} did not sum to 1 and were renormalized "
                            f"(e.g. {unit} {', '.join(map(str, frame.index[off][:3]))}).")
            values[off] = values[off] / sums[off, None]
        out = pd.DataFrame(values, columns=[clean_text(c) or c for c in class_cols], index=frame.index)
        out.insert(0, "item_id", ids.to_numpy())
        kind = "probabilities"
        required = list(out.columns)
        raw.label_field = f"{len(class_cols)} probability columns"
    incomplete = out[required].isna().any(axis=1).to_numpy()
    for row in out.index[incomplete]:
        raw.skip(row, "invalid_record", "missing item id, label or probability")
    out = out.loc[~incomplete]
    dup = out.duplicated("item_id", keep="last").to_numpy()
    for row in out.index[dup]:
        raw.skip(row, "duplicate", "a later row predicts the same item; the last one is kept")
    out = out.loc[~dup]
    out.index.name = "row"
    report = raw.report(kept_rows={(name, str(r)) for r in out.index}, n_annotations=len(out), extra_skipped=[],
                        extra_warnings=warnings, label_normalizations={})
    return Predictions(frame=out, kind=kind, report=report)


def _coerce_gold(gold: Any) -> GoldLabels:
    if isinstance(gold, GoldLabels):
        return gold
    if isinstance(gold, pd.Series):
        gold = pd.DataFrame({"item_id": gold.index, "gold_label": gold.to_numpy()})
    return load_gold(gold)


def _coerce_predictions(predictions: Any) -> Predictions:
    if isinstance(predictions, Predictions):
        return predictions
    if isinstance(predictions, np.ndarray):
        raise InvalidParameterError(
            "predictions= needs item ids: pass a DataFrame with 'item_id' and one probability column per class."
        )
    return load_predictions(predictions)


def attach(aset: Any, *, gold: Any = None, predictions: Any = None) -> Any:
    """Attach gold labels and/or predictions to an :class:`AnnotationSet` (returns a new set).

    Gold and predicted items that have no annotation are skipped and reported; gold labels must be
    classes of the set's taxonomy when it has one.
    """
    from .._schema import check_known_labels

    gold_series = gold_report = pred_frame = pred_report = None
    items = set(aset.item_ids)
    if gold is not None:
        gold_series, gold_report = restrict_gold(gold, items, aset.taxonomy)
    if predictions is not None:
        p = _coerce_predictions(predictions)
        frame = p.frame
        names = list(p.classes) if p.kind == "probabilities" else frame["predicted_label"].unique().tolist()
        if aset.taxonomy is not None:
            check_known_labels(pd.Series(names), aset.taxonomy.names, what="taxonomy", suggest=aset.taxonomy.suggest)
        outside = ~frame["item_id"].isin(items)
        extra = [{"source": p.report.source, "row": row, "reason": "prediction_not_annotated",
                  "detail": f"no annotation has item id '{item}'"} for row, item in frame.loc[outside, "item_id"].items()]
        pred_frame = frame.loc[~outside].reset_index(drop=True)
        pred_report = _extend(p.report, extra, kept=len(pred_frame))
    known = set(aset.categories)
    if gold_series is not None:
        gold_report = note_attached(gold_report, _new_classes(gold_series.dropna(), known))
    if pred_frame is not None:
        names = (pred_frame["predicted_label"].dropna().astype(str) if "predicted_label" in pred_frame.columns
                 else pd.Series([c for c in pred_frame.columns if c != "item_id"], dtype=object))
        pred_report = note_attached(pred_report, _new_classes(names, known), what="predictions")
    return aset.with_attachments(gold=gold_series, gold_report=gold_report, predictions=pred_frame,
                                 predictions_report=pred_report)


def _new_classes(labels: pd.Series, known: set) -> list[str]:
    from .._labels import natural_order

    seen = {t for v in labels for t in (v if isinstance(v, tuple) else (v,))}
    return list(natural_order(seen - known))


def note_attached(report: ImportReport, classes: list[str], *, what: str = "gold labels") -> ImportReport:
    """``report`` with a note naming the classes that only the gold labels (or predictions) use.

    Such classes are kept for gold accuracy and model-vs-human, but no agreement coefficient counts them
    (:attr:`analytics.AnnotationSet.attached_categories`), so attaching gold cannot move AC1 or Brennan–Prediger.
    """
    if not classes:
        return report
    from dataclasses import replace

    shown = ", ".join(repr(c) for c in classes[:8]) + (f" and {len(classes) - 8} more" if len(classes) > 8 else "")
    note = (f"{count_noun(len(classes), 'class')} {'appears' if len(classes) == 1 else 'appear'} only in the {what}, not in the annotations or a taxonomy: {shown}. "
            "They count for gold accuracy and model comparisons, not for agreement coefficients; add them to the "
            "taxonomy if annotators should have been able to choose them.")
    return replace(report, notes=tuple(report.notes) + (note,))


def restrict_gold(gold: Any, items: Any, taxonomy: Any = None) -> tuple[pd.Series, ImportReport]:
    """Gold labels of the annotated ``items`` (a set or Index) and their report; other gold rows are skipped.

    Gold labels must be classes of ``taxonomy`` when one is given.
    """
    from .._schema import check_known_labels

    g = _coerce_gold(gold)
    frame = g.frame
    if taxonomy is not None:
        check_known_labels(frame["gold_label"], taxonomy.names, what="taxonomy", suggest=taxonomy.suggest)
    outside = ~frame["item_id"].isin(items)
    extra = [{"source": g.report.source, "row": row, "reason": "gold_not_annotated",
              "detail": f"no annotation has item id '{item}'"} for row, item in frame.loc[outside, "item_id"].items()]
    frame = frame.loc[~outside]
    series = pd.Series(frame["gold_label"].to_numpy(), index=pd.Index(frame["item_id"], dtype=object),
                       name="gold_label")
    return series, _extend(g.report, extra, kept=len(frame))


def _extend(report: ImportReport, extra: list[dict[str, Any]], *, kept: int) -> ImportReport:
    """A copy of ``report`` with the records whose item has no annotation moved to skipped."""
    from dataclasses import replace

    added = pd.DataFrame([{**e, "scope": "row"} for e in extra], columns=report.skipped.columns)
    skipped = pd.concat([report.skipped, added], ignore_index=True) if extra else report.skipped
    warnings = report.warnings
    if extra:
        items = [e["detail"].split("'")[1] for e in extra[:5]]
        warnings = warnings + (f"{count_noun(len(extra), report.format + ' row')} are for items without any annotation and were "
                               f"left out (e.g. items {', '.join(items)}).",)
    return replace(report, skipped=skipped.astype(object), rows_kept=kept, n_annotations=kept, warnings=warnings)
