"""Label Studio tasks → annotations: the one reader behind a full JSON export and a pull from a server.

One record per *annotation* (a task without any annotation counts as one record, skipped as
``not_annotated``). Item id: the task ``id``; annotator: ``completed_by`` (an integer, or an object whose
``id`` is used and whose ``email`` is kept in ``annotator_email``); label: the task-level classification
results (``choices``, ``taxonomy`` or ``rating``) of one control (``from_name``). Cancelled (skipped)
annotations, empty results and annotations with only other result types are skipped and reported.
Annotations marked ``ground_truth`` become the item's gold label (``ground_truth="gold"``), stay ordinary
annotations (``"annotation"``), or both (``"both"``). Model predictions are read by
:class:`~analytics.io._labelstudio_predictions.PredictionCollector`.

Each annotation keeps its ``annotation_id`` and ``updated_at``, so a later pull can tell new and changed
annotations from those already stored (incremental pulls into a workspace). The tasks come as an iterable of
JSON objects, so an export file is streamed (:func:`iter_json_items`) and a
server's pages are read one at a time; both give the same result for the same tasks.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Iterable

import pandas as pd

from ._labelstudio_labels import (CLASSIFICATION_TYPES, PATH_SEP, GroundTruth, TaxonomyLabels, check_leaf_labels,
                                  is_plain, labels_from_value)
from ._labelstudio_predictions import PredictionCollector
from ._raw import RawAnnotations
from ._tools import ToolRows, as_list, looks_like_media, pick_field

__all__ = ["read_tasks"]

_REGION_KEYS = frozenset({"x", "y", "width", "height", "points", "start", "end", "startOffset", "endOffset",
                          "keypointlabels", "brushlabels", "rle"})


def _image_of(data: Any, to_name: str | None) -> str | None:
    if not isinstance(data, dict):
        return None
    for key in (to_name if isinstance(to_name, str) else None, "image", "img", "image_url", "url"):
        if key and looks_like_media(data.get(key)):  # a text task's data is text, not an image reference
            return data[key]
    return next((v for v in data.values() if looks_like_media(v)), None)


def _annotator(completed_by: Any) -> tuple[str | None, str | None]:
    """(annotator id, e-mail) from ``completed_by`` (an integer id or a user object)."""
    if isinstance(completed_by, dict):
        ident = completed_by.get("id", completed_by.get("email"))
        email = completed_by.get("email")
        return (str(ident) if is_plain(ident) else None), (email if isinstance(email, str) else None)
    if not is_plain(completed_by) or completed_by == "":
        return None, None
    if isinstance(completed_by, float) and math.isinf(completed_by):
        return completed_by, None  # validation skips it with reason invalid_id; as text it would read "-inf"
    return str(completed_by), None


def _split_results(results: list[Any], taxonomy_labels: TaxonomyLabels, ignored: Counter[str],
                   leaves: dict[str, set[str]]) -> tuple[dict[str, list[str]], dict[str, str], Counter[str]]:
    """Task-level classification labels per control, their ``to_name``, and the other result types."""
    fields: dict[str, list[str]] = {}
    targets: dict[str, str] = {}
    other: Counter[str] = Counter()
    region_ids = {str(r.get("id")) for r in results
                  if isinstance(r, dict) and r.get("id") is not None
                  and str(r.get("type", "")).lower() not in CLASSIFICATION_TYPES}
    for r in results:
        if not isinstance(r, dict):
            other["malformed result"] += 1
            continue
        kind = str(r.get("type", "")).lower()
        value = r.get("value") if isinstance(r.get("value"), dict) else {}
        if kind in CLASSIFICATION_TYPES and not (_REGION_KEYS & value.keys()) and str(r.get("id")) not in region_ids:
            name = str(r.get("from_name", kind))
            fields.setdefault(name, []).extend(labels_from_value(kind, value, taxonomy_labels))
            targets.setdefault(name, r.get("to_name"))
            if kind == "taxonomy" and taxonomy_labels == "leaf":
                for p in as_list(value.get("taxonomy")):
                    if isinstance(p, list) and p:
                        leaves.setdefault(str(p[-1]), set()).add(PATH_SEP.join(map(str, p)))
        elif kind in CLASSIFICATION_TYPES:
            other[f"{kind} on a region"] += 1
        else:
            other[kind or "untyped"] += 1
    ignored.update(other)
    return fields, targets, other


def read_tasks(tasks: Iterable[Any], *, source: str, field: str | None, taxonomy_labels: TaxonomyLabels,
               ground_truth: GroundTruth, model_version: str | None = None) -> RawAnnotations:
    """Read Label Studio task objects (an export's list, or a server's pages) into raw annotations.

    ``source`` names them in the import report (the file name, or the project's address). Gold labels from
    ground-truth annotations land in ``RawAnnotations.gold``, the model predictions of the chosen control in
    ``RawAnnotations.predictions``.
    """
    acc = ToolRows(source, "labelstudio", "annotation")
    pending: list[tuple[Any, dict[str, Any], dict[str, list[str]], dict[str, str], Counter[str], bool]] = []
    found: Counter[str] = Counter()
    seen_other: Counter[str] = Counter()
    leaves: dict[str, set[str]] = {}
    predictions = PredictionCollector(source, taxonomy_labels, model_version)
    for n_task, task in enumerate(tasks, start=1):
        if not isinstance(task, dict):
            acc.skip(acc.read(f"of task #{n_task}"), "not_an_object", f"a JSON {type(task).__name__} in the task list")
            continue
        task_id = task.get("id", f"#{n_task}")
        annotations = task.get("annotations", task.get("completions")) or []
        predictions.add(str(task_id), task.get("predictions"))
        if not isinstance(annotations, list):
            acc.skip(acc.read(f"of task {task_id}"), "invalid_record", "its 'annotations' is not a list")
            continue
        if not annotations:
            acc.skip(acc.read(f"of task {task_id}"), "not_annotated", "the task has no annotation")
            continue
        for k, ann in enumerate(annotations):
            own_id = ann.get("id") if isinstance(ann, dict) else None
            row = acc.read(own_id if isinstance(own_id, (str, int)) and not isinstance(own_id, bool)
                           else f"{k + 1} of task {task_id}")
            if not isinstance(ann, dict):
                acc.skip(row, "not_an_object", f"annotation {k + 1} of task {task_id} is not an object")
                continue
            if ann.get("was_cancelled") or ann.get("skipped"):
                acc.skip(row, "cancelled", f"task {task_id}: the annotator skipped the task")
                continue
            results = ann.get("result") or []
            if not isinstance(results, list):
                acc.skip(row, "invalid_record", f"task {task_id}: its 'result' is not a list")
                continue
            if not results:
                acc.skip(row, "empty_result", f"task {task_id}: submitted with no result")
                continue
            fields, targets, other = _split_results(results, taxonomy_labels, seen_other, leaves)
            found.update(name for name, labels in fields.items() if labels)
            annotator, email = _annotator(ann.get("completed_by"))
            info = {"item_id": task_id if isinstance(task_id, float) and math.isinf(task_id) else str(task_id),
                    "annotator_id": annotator, "annotator_email": email,
                    "timestamp": ann.get("created_at"), "duration_s": ann.get("lead_time"), "task_id": task_id,
                    "annotation_id": own_id, "updated_at": ann.get("updated_at")}
            images = {name: _image_of(task.get("data"), to) for name, to in targets.items()}  # not the whole data
            pending.append((row, info, fields, images, other, bool(ann.get("ground_truth"))))
    if taxonomy_labels == "leaf":
        check_leaf_labels(leaves, source)
    if not found:
        acc.ignored.update(seen_other)
        for row, *_, other, _ in pending:
            acc.skip(row, "unsupported_result", _describe(other))
        return acc.finish(label_field=None, column_mapping={}, multilabel=None)  # raises: nothing usable
    chosen = pick_field(found, field, source=source, what="control", other=seen_other)
    multilabel = False
    gold_rows: list[dict[str, Any]] = []
    for row, info, fields, images, other, is_gold in pending:
        labels = fields.get(chosen)
        if not labels:
            if fields:
                acc.skip(row, "other_field", f"only {', '.join(sorted(fields))} answered, not '{chosen}'")
            else:
                acc.skip(row, "unsupported_result", _describe(other))
            continue
        acc.ignored.update(other)
        acc.ignored.update({f"control '{n}'": 1 for n in fields if n != chosen})
        label: Any = labels[0] if len(labels) == 1 else labels
        multilabel |= len(labels) > 1
        info["image"] = images.get(chosen)
        if is_gold and ground_truth != "annotation":
            gold_rows.append({"item_id": info["item_id"], "gold_label": label})
            if ground_truth == "gold":
                acc.skip(row, "used_as_gold", f"task {info['task_id']}: ground-truth annotation")
                continue
        acc.add(row, label=label, **info)
    predicted, notes = predictions.build(chosen, multilabel=multilabel)
    acc.warnings.extend(notes)
    gold = None
    if gold_rows:
        gold = pd.DataFrame(gold_rows)
        if multilabel:
            gold["gold_label"] = gold["gold_label"].map(lambda v: tuple(v) if isinstance(v, list) else (v,))
    mapping = {"item_id": "task id", "annotator_id": "completed_by", "timestamp": "created_at",
               "duration_s": "lead_time"}
    if any(images.get(chosen) for _, _, _, images, _, _ in pending):
        mapping["image"] = "task data (image reference)"
    raw = acc.finish(label_field=f"control '{chosen}'", multilabel=multilabel, gold=gold, column_mapping=mapping)
    raw.predictions = predicted
    return raw


def _describe(other: Counter[str]) -> str:
    return "only " + ", ".join(f"{k} ({n:,})" for k, n in other.most_common()) if other else "no classification result"
