"""Label Studio exports: full JSON, JSON_MIN and CSV/TSV, one file or several single-annotator files.

Full JSON (a list of tasks, or one task object)
    One record per *annotation* (a task without any annotation counts as one record, skipped as
    ``not_annotated``). Item id: the task ``id``; annotator: ``completed_by`` (an integer, or an object
    whose ``id`` is used and whose ``email`` is kept in ``annotator_email``); label: the task-level
    classification results (``type`` ``choices``, ``taxonomy`` or ``rating``) of one control
    (``from_name``). Several choices, or several taxonomy paths, make the project multi-label.
    Cancelled (skipped) annotations, empty results and annotations with only other result types
    (text spans, boxes, classifications attached to a region) are skipped and reported; other results
    inside a kept annotation are counted in a warning. Annotations marked ``ground_truth`` become the
    item's gold label (``ground_truth="gold"``, default), stay ordinary annotations (``"annotation"``),
    or both (``"both"``).
JSON_MIN and CSV/TSV (one record/line per annotation)
    Item id ``id``, annotator ``annotator``, the label under the control's name: a plain choice, or
    JSON such as ``{"choices": ["a", "b"]}`` / ``[{"taxonomy": [["A", "B"]]}]`` (see
    :mod:`analytics.io._labelstudio_min`).

Taxonomy paths become labels joined with ``" / "`` (``["Suspect", "Arrested"]`` →
``"Suspect / Arrested"``): leaf names repeat under different parents in real projects (``Injured``
under both ``Suspect`` and ``Assaulted``), so the full path is the only unambiguous class name.
``taxonomy_labels="leaf"`` keeps only the last element and refuses when two paths share a leaf.

Several files are merged by :func:`combine_labelstudio`: items are matched on the image file name
with the random upload prefix (``3aa355b2-``) removed, because task ids are per instance; annotators
whose ids collide across files (each person ran their own Label Studio, so everyone is user ``1``)
are named after their files.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..exceptions import AnnotationSchemaError, InvalidParameterError
from ._files import check_file, table_kind
from ._mapping import ColumnMapping
from ._raw import RawAnnotations, combine_raw
from ._tools import (ToolRows, as_list, expect_start, file_annotator, first_json_char, image_key, iter_json_items,
                     looks_like_media, not_this_format, pick_field, reject_mapping, shared_stem_names)

__all__ = ["read_labelstudio", "sniff_labelstudio", "combine_labelstudio", "labels_from_value",
           "CLASSIFICATION_TYPES"]

#: Result types read as classification labels.
CLASSIFICATION_TYPES = frozenset({"choices", "taxonomy", "rating"})
_REGION_KEYS = frozenset({"x", "y", "width", "height", "points", "start", "end", "startOffset", "endOffset",
                          "keypointlabels", "brushlabels", "rle"})
_HINT = "Label Studio exports name their fields themselves; choose a classification control with field=."
TaxonomyLabels = Literal["path", "leaf"]
GroundTruth = Literal["gold", "annotation", "both"]
PATH_SEP = " / "


def sniff_labelstudio(path: Path, head: str) -> bool:
    """A Label Studio full JSON / JSON_MIN export, or a CSV/TSV export (``annotation_id`` and ``annotator`` columns)."""
    kind = table_kind(path)
    first = first_json_char(head)
    if kind == "text" or (kind == "unknown" and first not in "[{<"):
        header = head.lstrip().split("\n", 1)[0]
        cols = {c.strip().strip('"').lower() for c in re.split(r"[,\t;]", header)}
        return {"id", "annotator", "annotation_id"} <= cols
    if first not in "[{" or kind == "jsonl":
        return False
    if '"annotation_id"' in head and '"annotator"' in head:
        return True
    has_tasks = ('"annotations"' in head or '"completions"' in head) and '"data"' in head
    return has_tasks and any(k in head for k in ('"completed_by"', '"was_cancelled"', '"result"', '"predictions"'))


def read_labelstudio(source: Any, *, mapping: ColumnMapping, field: str | None = None,
                     taxonomy_labels: TaxonomyLabels = "path", ground_truth: GroundTruth = "gold",
                     sep: str | None = None) -> RawAnnotations:
    """Read one Label Studio export (full JSON, JSON_MIN, or CSV/TSV).

    Parameters
    ----------
    source : path
    mapping : ColumnMapping
        Must be empty: the export names its own fields.
    field : str, optional
        The classification control (``from_name`` / column) to read; required when there are several.
    taxonomy_labels : {"path", "leaf"}
        Taxonomy selections as full paths joined with ``" / "`` (default) or as leaf names.
    ground_truth : {"gold", "annotation", "both"}
        What annotations marked ``ground_truth`` become (full JSON only).
    sep : str, optional
        Delimiter of a CSV/TSV export (detected when omitted).

    Examples
    --------
    >>> import json, tempfile, os
    >>> task = {"id": 1, "data": {"image": "/data/upload/1/3aa355b2-cat.jpg"},
    ...         "annotations": [{"id": 10, "completed_by": 7, "was_cancelled": False,
    ...                          "result": [{"type": "choices", "from_name": "label", "to_name": "image",
    ...                                      "value": {"choices": ["Cat"]}}]}]}
    >>> path = os.path.join(tempfile.mkdtemp(), "export.json")
    >>> with open(path, "w") as fh:
    ...     json.dump([task], fh)
    >>> raw = read_labelstudio(path, mapping=ColumnMapping())
    >>> raw.frame[["item_id", "annotator_id", "label"]].values.tolist()
    [['1', '7', 'Cat']]
    """
    reject_mapping(mapping, "labelstudio", _HINT)
    if taxonomy_labels not in ("path", "leaf"):
        raise InvalidParameterError(f"taxonomy_labels= must be 'path' or 'leaf', got {taxonomy_labels!r}.")
    if ground_truth not in ("gold", "annotation", "both"):
        raise InvalidParameterError(f"ground_truth= must be 'gold', 'annotation' or 'both', got {ground_truth!r}.")
    from ._labelstudio_min import read_min_records, read_table_export

    path = check_file(source)
    if table_kind(path) in ("text", "parquet"):
        return read_table_export(path, field=field, taxonomy_labels=taxonomy_labels, sep=sep)
    expect_start(path, "labelstudio", "a JSON list of tasks, a JSON_MIN list, or a CSV export", "[{", lines=False)
    first = next(iter(iter_json_items(path)), None)
    if isinstance(first, dict) and ("annotations" in first or "completions" in first) and "data" in first:
        return _read_full(path, field=field, taxonomy_labels=taxonomy_labels, ground_truth=ground_truth)
    if isinstance(first, dict) and "annotator" in first and "id" in first:
        return read_min_records(path, field=field, taxonomy_labels=taxonomy_labels)
    raise not_this_format(path, "labelstudio", "a list of tasks with 'data' and 'annotations', a JSON_MIN list "
                                               "with 'id' and 'annotator', or a CSV with 'annotation_id'")


# -- label values ---------------------------------------------------------------------------------
def labels_from_value(kind: str, value: dict[str, Any], taxonomy_labels: TaxonomyLabels) -> list[str]:
    """The labels held by one classification result value (``choices``/``taxonomy``/``rating``)."""
    if kind == "choices":
        return [str(c) for c in as_list(value.get("choices")) if _plain(c)]
    if kind == "taxonomy":
        out = []
        for path in as_list(value.get("taxonomy")):
            parts = [str(p) for p in (path if isinstance(path, list) else [path]) if _plain(p)]
            if parts:
                out.append(PATH_SEP.join(parts) if taxonomy_labels == "path" else parts[-1])
        return out
    rating = value.get("rating")
    return [str(rating)] if _plain(rating) else []


def _plain(value: Any) -> bool:
    """A value that can be a label: a text or a number (not null, a list or an object)."""
    return isinstance(value, (str, int, float))


def check_leaf_labels(paths_by_leaf: dict[str, set[str]], source: str) -> None:
    """Refuse ``taxonomy_labels='leaf'`` when one leaf name stands for several paths."""
    clashes = {leaf: sorted(paths) for leaf, paths in paths_by_leaf.items() if len(paths) > 1}
    if clashes:
        shown = "; ".join(f"'{leaf}': {', '.join(map(repr, p))}" for leaf, p in list(clashes.items())[:5])
        raise AnnotationSchemaError(
            f"taxonomy_labels='leaf' would merge different classes of '{source}' that share a leaf name ({shown}). "
            "Use taxonomy_labels='path' (the default) to keep full paths."
        )


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
        return (str(ident) if _plain(ident) else None), (email if isinstance(email, str) else None)
    if not _plain(completed_by) or completed_by == "":
        return None, None
    if isinstance(completed_by, float) and math.isinf(completed_by):
        return completed_by, None  # validation skips it with reason invalid_id; as text it would read "-inf"
    return str(completed_by), None


# -- full JSON ----------------------------------------------------------------------------------
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


def _read_full(path: Path, *, field: str | None, taxonomy_labels: TaxonomyLabels,
               ground_truth: GroundTruth) -> RawAnnotations:
    acc = ToolRows(path.name, "labelstudio", "annotation")
    pending: list[tuple[Any, dict[str, Any], dict[str, list[str]], dict[str, str], Counter[str], bool]] = []
    found: Counter[str] = Counter()
    seen_other: Counter[str] = Counter()
    leaves: dict[str, set[str]] = {}
    n_predictions = 0
    for n_task, task in enumerate(iter_json_items(path), start=1):
        if not isinstance(task, dict):
            acc.skip(acc.read(f"of task #{n_task}"), "not_an_object", f"a JSON {type(task).__name__} in the task list")
            continue
        task_id = task.get("id", f"#{n_task}")
        annotations = task.get("annotations", task.get("completions")) or []
        n_predictions += len(as_list(task.get("predictions")))
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
                    "timestamp": ann.get("created_at"), "duration_s": ann.get("lead_time"), "task_id": task_id}
            images = {name: _image_of(task.get("data"), to) for name, to in targets.items()}  # not the whole data
            pending.append((row, info, fields, images, other, bool(ann.get("ground_truth"))))
    if taxonomy_labels == "leaf":
        check_leaf_labels(leaves, path.name)
    if not found:
        acc.ignored.update(seen_other)
        for row, *_, other, _ in pending:
            acc.skip(row, "unsupported_result", _describe(other))
        return acc.finish(label_field=None, column_mapping={}, multilabel=None)  # raises: nothing usable
    chosen = pick_field(found, field, source=path.name, what="control", other=seen_other)
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
    if n_predictions:
        acc.warnings.append(f"{n_predictions:,} model prediction(s) in the export were not read; "
                            "load model outputs with load_predictions().")
    gold = None
    if gold_rows:
        gold = pd.DataFrame(gold_rows)
        if multilabel:
            gold["gold_label"] = gold["gold_label"].map(lambda v: tuple(v) if isinstance(v, list) else (v,))
    mapping = {"item_id": "task id", "annotator_id": "completed_by", "timestamp": "created_at",
               "duration_s": "lead_time"}
    if any(images.get(chosen) for _, _, _, images, _, _ in pending):
        mapping["image"] = "task data (image reference)"
    return acc.finish(label_field=f"control '{chosen}'", multilabel=multilabel, gold=gold, column_mapping=mapping)


def _describe(other: Counter[str]) -> str:
    return "only " + ", ".join(f"{k} ({n})" for k, n in other.most_common()) if other else "no classification result"


# -- several files ------------------------------------------------------------------------------
def combine_labelstudio(parts: list[RawAnnotations]) -> RawAnnotations:
    """Merge several Label Studio exports of the same images (e.g. one per annotator).

    Items are matched on the image file name (upload prefix removed) when every annotation has an
    image and names map one-to-one to task ids within each file; otherwise on task ids. Annotator ids
    that occur in more than one file are replaced by names taken from the file names.
    """
    raw = combine_raw(parts)
    frame = raw.frame.copy()
    notes: list[str] = []
    by_file = [p.frame for p in parts]
    ann_sets = [set(f["annotator_id"].dropna().astype(str)) for f in by_file]
    clash = set.union(*[a & b for i, a in enumerate(ann_sets) for b in ann_sets[i + 1:]] or [set()])
    if clash:
        names = shared_stem_names([file_annotator(p.source) for p in parts])
        new_ids = []
        for p, name, ids in zip(parts, names, ann_sets):
            ann = p.frame["annotator_id"].astype(object)
            new_ids.append(ann.map(lambda a, n=name, one=len(ids) <= 1: n if one or a is None else f"{n}/{a}"))
        frame["annotator_id"] = pd.concat(new_ids, ignore_index=True).to_numpy()
        frame["annotator_id_in_file"] = pd.concat([p.frame["annotator_id"] for p in parts], ignore_index=True).to_numpy()
        notes.append(f"annotator id(s) {', '.join(sorted(clash)[:5])} occur in several files (each person ran their "
                     f"own Label Studio); annotators are named after their files: {', '.join(names)}.")
    keys = frame["image"].map(image_key) if "image" in frame.columns else pd.Series(None, index=frame.index)
    one_to_one = keys.notna().all() and all(
        g.groupby("item_id")["_key"].nunique().max() == 1 and g.groupby("_key")["item_id"].nunique().max() == 1
        for _, g in frame.assign(_key=keys).groupby("_source", sort=False))
    if one_to_one:
        changed = (keys.astype(str) != frame["item_id"].astype(str)).any()
        frame["task_id"] = frame["item_id"]
        frame["item_id"] = keys.to_numpy()
        if changed:
            notes.append("items of the different files were matched on the image file name (upload prefix removed), "
                         "since task ids differ between Label Studio instances.")
    else:
        overlap = [set(f["item_id"].astype(str)) for f in by_file]
        if not set.intersection(*overlap):
            notes.append("the files share no task id and their images cannot be matched one-to-one by file name; "
                         "items were kept apart.")
    raw.frame = frame
    raw.warnings.extend(notes)
    return raw
