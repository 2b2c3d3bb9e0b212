"""Label Studio JSON_MIN and CSV/TSV exports: one record (line) per annotation, one column per control.

The converter of Label Studio writes a control's value as the bare choice when one choice was made,
and as the remaining JSON otherwise: ``{"choices": ["Brown", "Gray"]}`` for several choices,
``[{"taxonomy": [["A", "B"]]}]`` for a taxonomy, a list of regions for spans or boxes. CSV exports hold
the same JSON as text in the cell. Columns that are not controls (``id``, ``annotator``,
``annotation_id``, ``created_at``, ``updated_at``, ``lead_time``, ``agreement`` and the task data such as
``image``) are recognised by name or by holding media references.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator

from .._labels import clean_text
from ..exceptions import AnnotationFileError
from .._json import loads
from ._files import read_table
from ._labelstudio_labels import PATH_SEP, check_leaf_labels, labels_from_value
from ._raw import RawAnnotations
from ._tools import ToolRows, iter_json_items, looks_like_media, not_this_format, pick_field

__all__ = ["read_min_records", "read_table_export", "parse_cell"]

_META = frozenset({"id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "agreement",
                   "drafts", "predictions", "total_annotations", "cancelled_annotations", "total_predictions",
                   "annotations_results", "annotations_ids", "predictions_results", "predictions_model_versions",
                   "file_upload", "storage_filename", "inner_id", "project", "updated_by", "completed_by"})
_DATA_NAMES = frozenset({"image", "img", "images", "image_url", "text", "audio", "video", "url", "html", "pdf",
                         "file", "filename", "file_name", "paragraphs", "dialogue", "timeseries", "ocr"})
_NOT_LABEL = object()


def _tag_of(region: dict[str, Any]) -> str:
    for key in region:
        if key.endswith("labels") or key in ("text", "textarea", "number", "datetime"):
            return key
    return "region"


def parse_cell(value: Any, taxonomy_labels: str) -> list[str] | None | object:
    """Labels in one control cell: a list, ``None`` when blank, or a marker for non-classification content."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return [str(clean_text(value))]
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text[0] in "[{":
            try:
                return parse_cell(loads(text, where="a Label Studio cell"), taxonomy_labels)
            except json.JSONDecodeError:
                pass
        return [text]
    if isinstance(value, dict):
        if "choices" in value:
            return labels_from_value("choices", value, taxonomy_labels)
        if "taxonomy" in value:
            return labels_from_value("taxonomy", value, taxonomy_labels)
        if "rating" in value:
            return labels_from_value("rating", value, taxonomy_labels)
        return _NOT_LABEL
    if isinstance(value, list):
        out: list[str] = []
        for v in value:
            if isinstance(v, str):
                out.append(v)
            elif isinstance(v, list):  # a bare taxonomy path
                out.append(PATH_SEP.join(map(str, v)) if taxonomy_labels == "path" else str(v[-1]))
            elif isinstance(v, dict) and not ({"x", "start", "points"} & v.keys()):
                sub = parse_cell(v, taxonomy_labels)
                if sub is _NOT_LABEL:
                    return _NOT_LABEL
                out.extend(sub or [])
            else:
                return _NOT_LABEL
        return out
    return _NOT_LABEL


def _region_kind(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = loads(value, where="a Label Studio cell")
        except json.JSONDecodeError:
            return "other"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return _tag_of(value[0])
    return "other"


def _control_columns(records: Iterable[dict[str, Any]], taxonomy_labels: str
                     ) -> tuple[Counter[str], dict[str, str], str | None]:
    """Classification columns (with their number of labelled records), other columns' kinds, the image column."""
    n_value: Counter[str] = Counter()
    media: Counter[str] = Counter()
    labels_ok: Counter[str] = Counter()
    not_label: dict[str, str] = {}
    distinct: dict[str, set[str]] = {}
    for rec in records:
        for key, value in rec.items():
            if key in _META:
                continue
            parsed = parse_cell(value, taxonomy_labels)
            if parsed is None:
                continue
            n_value[key] += 1
            if looks_like_media(value):
                media[key] += 1
            if parsed is _NOT_LABEL:
                not_label.setdefault(key, _region_kind(value))
            else:
                labels_ok[key] += 1
                seen = distinct.setdefault(key, set())
                if len(seen) <= 1000:
                    seen.update(parsed)
    image_col = next((k for k in ("image", "img", "image_url", "url") if media.get(k)), None) \
        or next((k for k, _ in media.most_common(1)), None)
    controls: Counter[str] = Counter()
    for key, n in n_value.items():
        is_data = key.lower() in _DATA_NAMES or media[key] * 2 > n or key in not_label
        free_text = len(distinct.get(key, ())) > 100 and len(distinct[key]) * 2 > n
        if not is_data and not free_text and labels_ok[key]:
            controls[key] = labels_ok[key]
    return controls, not_label, image_col


def _build(acc: ToolRows, rows: Iterator[tuple[Any, dict[str, Any]]], chosen: str, image_col: str | None,
           taxonomy_labels: str, ignored_kinds: dict[str, str]) -> bool:
    multilabel = False
    leaves: dict[str, set[str]] = {}
    for row, rec in rows:
        row = acc.read(row)
        if not isinstance(rec, dict):
            acc.skip(row, "not_an_object", f"a JSON {type(rec).__name__}")
            continue
        labels = parse_cell(rec.get(chosen), taxonomy_labels)
        if labels is _NOT_LABEL:
            acc.skip(row, "unsupported_result", f"'{chosen}' holds {_region_kind(rec.get(chosen))} regions")
            continue
        for key, kind in ignored_kinds.items():
            if parse_cell(rec.get(key), taxonomy_labels) is not None:
                acc.ignored[f"{kind} ('{key}')"] += 1
        if taxonomy_labels == "leaf":
            for path in parse_cell(rec.get(chosen), "path") or []:
                leaves.setdefault(path.rsplit(PATH_SEP, 1)[-1], set()).add(path)
        label: Any = None if not labels else (labels[0] if len(labels) == 1 else labels)
        multilabel |= bool(labels) and len(labels) > 1
        annotator = rec.get("annotator")
        if isinstance(annotator, dict):
            annotator = annotator.get("id", annotator.get("email"))
        acc.add(row, item_id=rec.get("id"), annotator_id=annotator, label=label,
                image=rec.get(image_col) if image_col else None, timestamp=rec.get("created_at"),
                duration_s=rec.get("lead_time"), annotation_id=rec.get("annotation_id"), task_id=rec.get("id"))
    check_leaf_labels(leaves, acc.source)
    return multilabel


def _finish(acc: ToolRows, chosen: str, multilabel: bool, image_col: str | None) -> RawAnnotations:
    mapping = {"item_id": "id", "annotator_id": "annotator", "label": chosen, "timestamp": "created_at",
               "duration_s": "lead_time"}
    if image_col:
        mapping["image"] = image_col
    return acc.finish(label_field=f"control '{chosen}'", column_mapping=mapping, multilabel=multilabel)


def read_min_records(path: Path, *, field: str | None, taxonomy_labels: str) -> RawAnnotations:
    """A JSON_MIN export (a list of flat records); streamed twice (columns first, then rows)."""
    acc = ToolRows(path.name, "labelstudio", "record")
    records = (r for r in iter_json_items(path) if isinstance(r, dict))
    controls, not_label, image_col = _control_columns(records, taxonomy_labels)
    chosen = pick_field(controls, field, source=path.name, what="control", other=not_label)
    rows = ((i, r) for i, r in enumerate(iter_json_items(path), start=1))
    multilabel = _build(acc, rows, chosen, image_col, taxonomy_labels, not_label)
    return _finish(acc, chosen, multilabel, image_col)


def read_table_export(path: Path, *, field: str | None, taxonomy_labels: str, sep: str | None) -> RawAnnotations:
    """A CSV/TSV export: the same columns as JSON_MIN, JSON values written as text."""
    frame, unit, _ = read_table(path, sep=sep)
    missing = [c for c in ("id", "annotator") if c not in frame.columns]
    if missing:
        if "annotations" in frame.columns or "annotations_results" in frame.columns:
            raise AnnotationFileError(
                f"'{path.name}' is a Label Studio CSV written with the old 'CSV_OLD' layout or without annotator "
                "columns; export the project again as JSON (full) or as the current CSV."
            )
        raise not_this_format(path, "labelstudio", "a CSV with 'id', 'annotator' and one column per control")
    records = frame.to_dict("records")
    controls, not_label, image_col = _control_columns(records, taxonomy_labels)
    chosen = pick_field(controls, field, source=path.name, what="control column", other=not_label)
    acc = ToolRows(path.name, "labelstudio", unit)
    multilabel = _build(acc, zip(frame.index.tolist(), records), chosen, image_col, taxonomy_labels, not_label)
    return _finish(acc, chosen, multilabel, image_col)
