"""SageMaker Ground Truth per-worker answers: worker-response files and consolidation request payloads.

* A worker-response file (``annotations/worker-response/iteration-N/<object index>/<time>.json``)
  is ``{"answers": [{"workerId", "answerContent", "timeSpentInSeconds", "submissionTime", …}]}`` for
  one data object; the object is known only from the folder, so the item id is that folder name
  (the object's index in the input manifest), unless ``item_id=`` is given.
* A consolidation request payload (what Ground Truth hands an annotation-consolidation Lambda) is a
  list of ``{"datasetObjectId", "dataObject": {"s3Uri" | "content"}, "annotations": [{"workerId",
  "annotationData": {"content": "<JSON text>"}}]}``.

A worker's answer content holds one entry per question of the task template: the built-in
classifiers write ``{"<name>": {"label": "…"}}`` (``crowd-image-classifier``, ``crowd-classifier``) or
``{"<name>": {"labels": [...]}}`` (multi-select); anything else (bounding boxes, free text) is not a
classification answer. One record per answer; ``field=`` picks the question.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from .._json import loads
from ._raw import RawAnnotations
from ._tools import ToolRows, as_dict, as_list, pick_field

__all__ = ["content_fields", "read_worker_answers"]


def content_fields(content: Any, prefix: str = "") -> tuple[dict[str, list[str]], Counter[str]]:
    """Classification answers per question in one worker's answer content, and the other kinds found."""
    if isinstance(content, str):
        try:
            content = loads(content, where="a worker answer's content")
        except json.JSONDecodeError:
            return {}, Counter({"unparseable answer content": 1})
    fields: dict[str, list[str]] = {}
    other: Counter[str] = Counter()
    if not isinstance(content, dict):
        return fields, Counter({"non-object answer content": 1})
    for name, value in content.items():
        if isinstance(value, dict) and isinstance(value.get("label"), (str, int, float)):
            fields[prefix + name] = [str(value["label"])]
        elif isinstance(value, dict) and isinstance(value.get("labels"), list):
            fields[prefix + name] = [str(v) for v in value["labels"] if v is not None]
        elif isinstance(value, dict):
            inner = next((k for k in value if k in ("boundingBoxes", "polygons", "keypoints", "entities",
                                                    "labelMappings")), None)
            other[f"{inner or 'other answers'} ('{name}')"] += 1
        else:
            other[f"free-text answers ('{name}')"] += 1
    return fields, other


def read_worker_answers(acc: ToolRows, answers: Iterable[tuple[Any, dict[str, Any]]], *, field: str | None,
                        item_from: str) -> RawAnnotations:
    """Build the rows from ``(row, info-with-'content')`` pairs: choose the question, skip the rest."""
    pending = []
    found: Counter[str] = Counter()
    for row, info in answers:
        fields, other = content_fields(info.pop("content"))
        found.update(fields.keys())
        pending.append((row, info, fields, other))
    if not found:
        for row, _, _, other in pending:
            acc.ignored.update(other)
            acc.skip(row, "unsupported_result", "only " + ", ".join(other) if other else "empty answer")
        return acc.finish(label_field=None, column_mapping={}, multilabel=None, what="classification answers")
    chosen = pick_field(found, field, source=acc.source, what="question")
    multilabel = False
    for row, info, fields, other in pending:
        labels = fields.get(chosen)
        if labels is None:
            acc.skip(row, "other_field" if fields else "unsupported_result",
                     f"answers {', '.join(sorted(fields))}, not '{chosen}'" if fields else "only " + ", ".join(other))
            continue
        acc.ignored.update(other)
        multilabel |= len(labels) != 1
        acc.add(row, label=labels[0] if len(labels) == 1 else labels, **info)
    return acc.finish(label_field=f"question '{chosen}' of the worker answers", multilabel=multilabel,
                      what="classification answers",
                      column_mapping={"item_id": item_from, "annotator_id": "workerId",
                                      "duration_s": "timeSpentInSeconds", "timestamp": "submissionTime"})


def worker_response_answers(doc: dict[str, Any], path: Path, item: str, acc: ToolRows
                            ) -> Iterable[tuple[Any, dict[str, Any]]]:
    """``(row, info)`` for each answer of a worker-response file."""
    for k, ans in enumerate(as_list(doc.get("answers")), start=1):
        row = acc.read(k)
        if not isinstance(ans, dict):
            acc.skip(row, "not_an_object", f"a JSON {type(ans).__name__}")
            continue
        identity = as_dict(as_dict(ans.get("workerMetadata")).get("identityData"))
        yield row, {"item_id": item, "annotator_id": ans.get("workerId"),
                              "content": ans.get("answerContent"), "duration_s": ans.get("timeSpentInSeconds"),
                              "timestamp": ans.get("submissionTime"), "worker_sub": identity.get("sub")}


def payload_answers(doc: list[Any], acc: ToolRows) -> Iterable[tuple[Any, dict[str, Any]]]:
    """``(row, info)`` for each worker annotation of a consolidation request payload."""
    for n, obj in enumerate(doc, start=1):
        if not isinstance(obj, dict):
            acc.skip(acc.read(f"for object #{n}"), "not_an_object", f"a JSON {type(obj).__name__}")
            continue
        item = obj.get("datasetObjectId", f"#{n}")
        data = as_dict(obj.get("dataObject"))
        annotations = as_list(obj.get("annotations"))
        if not annotations:
            acc.skip(acc.read(f"for object {item}"), "not_annotated", "no worker annotation for this data object")
            continue
        for k, ann in enumerate(annotations, start=1):
            row = acc.read(f"{k} of object {item}")
            if not isinstance(ann, dict):
                acc.skip(row, "not_an_object", f"a JSON {type(ann).__name__}")
                continue
            yield row, {
                "item_id": item, "annotator_id": ann.get("workerId"),
                "content": as_dict(ann.get("annotationData")).get("content"),
                "image": data.get("s3Uri") if isinstance(data, dict) else None}
