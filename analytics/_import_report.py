"""The import report: what was read, what was kept, what was skipped and why.

Every loader fills one :class:`ImportReport`. Its accounting is exact: every input record
(a table row, a tool's task annotation, …) is either kept (at least one annotation of the set
comes from it) or listed in :attr:`ImportReport.skipped` with a reason (``scope == "row"``), so
``rows_read == rows_kept + rows_skipped`` holds, where ``rows_skipped`` counts the distinct records
listed — it is not derived from the other two. Annotations dropped inside a record that is still
kept (a cancelled annotation in a task whose other annotations were kept) are listed with
``scope == "annotation"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["ImportReport", "SKIP_REASONS"]

#: Reason codes used in :attr:`ImportReport.skipped`, with the sentence shown to users.
SKIP_REASONS: dict[str, str] = {
    "blank_label": "the label is empty, blank or a missing-value marker",
    "blank_item_id": "the item id is empty",
    "blank_annotator_id": "the annotator id is empty",
    "duplicate": "a later row has the same (item_id, annotator_id, round); duplicates='keep_last' kept that one",
    "no_labels": "the row holds no label at all (every cell is the missing marker, or every count is 0)",
    "not_an_object": "the record is not a JSON object",
    "cancelled": "the annotation was cancelled (skipped) in the labeling tool",
    "unsupported_result": "the annotation holds no classification result (spans, boxes, … are not classification labels)",
    "other_field": "the label belongs to another classification field than the one analysed",
    "gold_not_annotated": "the gold item has no annotation in the set",
    "prediction_not_annotated": "the predicted item has no annotation in the set",
    "invalid_record": "the record is malformed",
    "not_annotated": "nobody annotated it (no annotation, tag or label in the export)",
    "empty_result": "the annotation was submitted with an empty result",
    "used_as_gold": "the annotation is marked as ground truth; it became the item's gold label instead of an annotator's label",
    "merged_lines": "a quoted cell spans several lines and holds other rows (a stray quote); fix the quotes in the file",
    "multiline_label": "the label holds a line break (pass allow_multiline_labels=True to keep such labels)",
    "label_too_long": "the label is longer than the limit max_text_length (AQA_MAX_TEXT_LENGTH)",
    "unprintable_label": "the label is made only of control or invisible characters, so it would print blank",
    "invalid_id": "the item or annotator id is Infinity or NaN, not an id",
    "image_refused": "the image reference points outside the image root (an absolute path, a '..' escape or a symbolic "
                     "link); the annotation is kept without its image",
}


def _empty_skipped() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": pd.Series(dtype="object"),
            "row": pd.Series(dtype="object"),
            "reason": pd.Series(dtype="object"),
            "detail": pd.Series(dtype="object"),
            "scope": pd.Series(dtype="object"),
        }
    )


@dataclass(frozen=True, eq=False)
class ImportReport:
    """What a loader understood of its input.

    Attributes
    ----------
    source : str
        The file name(s) or ``"<DataFrame>"``.
    format : str
        The layout or tool format that was read (``"tidy"``, ``"wide"``, ``"counts"``, ``"labelstudio"`` …).
    unit : str
        What one input record is: ``"line"`` (a line of a text table; line 1 is the header),
        ``"row"`` (a DataFrame row, by index label), ``"task"``, ``"annotation"`` …
    rows_read : int
        Input records read.
    rows_kept : int
        Records that contributed at least one annotation.
    skipped : pandas.DataFrame
        One row per skipped record (or skipped annotation inside a kept record) with columns
        ``source``, ``row``, ``reason`` (a code of :data:`SKIP_REASONS`), ``detail`` and ``scope``
        (``"row"``: the whole record was skipped; ``"annotation"``: part of a record that was kept).
    warnings : tuple of str
        Things that loaded but deserve attention (normalized label spellings, unparseable
        timestamps, …).
    notes : tuple of str
        Informational remarks (how image paths were resolved, …).
    label_field : str or None
        The column or tool field the labels were taken from.
    column_mapping : dict
        Canonical column → input column actually used.
    label_normalizations : dict
        Original label spelling → the canonical spelling it was merged into.
    n_annotations : int
        Annotations in the resulting set.
    """

    source: str
    format: str
    unit: str
    rows_read: int
    rows_kept: int
    skipped: pd.DataFrame = field(default_factory=_empty_skipped)
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    label_field: str | None = None
    column_mapping: dict[str, str] = field(default_factory=dict)
    label_normalizations: dict[str, str] = field(default_factory=dict)
    n_annotations: int = 0

    @property
    def rows_skipped(self) -> int:
        """Distinct records listed in :attr:`skipped` as wholly skipped (``scope == "row"``)."""
        if self.skipped.empty:
            return 0
        rows = self.skipped.loc[self.skipped["scope"] == "row", ["source", "row"]]
        return int(len(rows.astype(str).drop_duplicates()))

    @property
    def is_complete(self) -> bool:
        """Whether every record read is accounted for: ``rows_read == rows_kept + rows_skipped``."""
        return self.rows_read == self.rows_kept + self.rows_skipped

    @property
    def skipped_by_reason(self) -> pd.Series:
        """Number of skipped entries per reason code, largest first."""
        if self.skipped.empty:
            return pd.Series(dtype="int64", name="n_skipped")
        return self.skipped["reason"].value_counts().rename("n_skipped")

    def summary_lines(self) -> list[str]:
        """Plain-language lines describing the import (used by ``aqa validate`` and the dashboard)."""
        lines = [
            f"Read {self.rows_read:,} {self.unit}{'s' if self.rows_read != 1 else ''} from {self.source} "
            f"as {self.format}: {self.rows_kept:,} kept, {self.rows_skipped:,} skipped; "
            f"{self.n_annotations:,} annotations."
        ]
        if self.label_field:
            lines.append(f"Labels taken from: {self.label_field}.")
        renamed = {k: v for k, v in self.column_mapping.items() if k != v}
        if renamed:
            lines.append(
                "Columns read as: " + ", ".join(f"'{v}' → {k}" for k, v in renamed.items()) + "."
            )
        for reason, n in self.skipped_by_reason.items():
            examples = self.skipped.loc[self.skipped["reason"] == reason, "row"].head(5).tolist()
            explanation = SKIP_REASONS.get(str(reason), str(reason))
            lines.append(
                f"Skipped {n:,} × {reason}: {explanation} (e.g. {self.unit} "
                + ", ".join(map(str, examples))
                + ")."
            )
        lines.extend(f"Warning: {w}" for w in self.warnings)
        lines.extend(f"Note: {n}" for n in self.notes)
        return lines

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable summary (skipped rows included, with their reasons)."""
        return {
            "source": self.source,
            "format": self.format,
            "unit": self.unit,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_skipped": self.rows_skipped,
            "n_annotations": self.n_annotations,
            "label_field": self.label_field,
            "column_mapping": dict(self.column_mapping),
            "label_normalizations": dict(self.label_normalizations),
            "skipped_by_reason": {str(k): int(v) for k, v in self.skipped_by_reason.items()},
            "skipped": [
                {k: (None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)) for k, v in rec.items()}
                for rec in self.skipped.to_dict("records")
            ],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }
