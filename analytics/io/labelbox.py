"""Labelbox exports: Export v2 NDJSON (one data row per line) and the legacy v1 JSON (one label per element).

One record per Labelbox *label* (one labeler's work on one data row); a v2 data row without any label
counts as one record, skipped as ``not_annotated``. A label's classification questions are its
fields (``field=`` picks one; nested questions are named ``parent/child``): a radio answer gives one
label, a checklist several (multi-label). Free-text answers and objects (boxes, polygons …, with the
classifications nested in them) are not image-level classification labels: a label holding only
those is skipped as ``unsupported_result``, and a label that skipped the question asked as
``other_field``. Skipped labels (``performance_details.skipped``, v1 ``Skipped``) are ``cancelled``.

* Export v2: item ``data_row.id`` (``global_key``/``external_id`` kept), image ``data_row.row_data``,
  annotator ``label_details.created_by`` (present only when the export was made with label details),
  label = the answer's ``value`` (its ``name`` when there is no value). With several projects in one
  file, ``project=`` (id or name) chooses one.
* v1: item ``DataRow ID`` (``External ID`` kept), image ``Labeled Data``, annotator ``Created By``,
  classifications in ``Label.classifications`` (``answer`` or ``answers``).

Without a labeler id in the export, ``annotator_id=`` names one annotator for the file; otherwise the
annotators are anonymous (``annotators_known`` is false) and a warning says how to re-export.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from ..exceptions import AnnotationSchemaError
from ._files import check_file, iter_json_lines, sniff_text, table_kind, text_encoding
from ._mapping import ColumnMapping
from ._raw import RawAnnotations
from ._tools import (ToolRows, as_dict, as_list, expect_start, first_json_char, iter_json_items, not_this_format,
                     pick_field, reject_mapping)

__all__ = ["read_labelbox", "sniff_labelbox"]

_HINT = "Labelbox exports have fixed fields; choose a classification question with field=."


def sniff_labelbox(path: Path, head: str) -> bool:
    """Export v2 NDJSON (``data_row`` + ``projects``) or a v1 JSON export (``DataRow ID`` + ``Label``)."""
    first = first_json_char(head)
    if first == "{" and '"data_row"' in head and ('"projects"' in head or '"media_attributes"' in head):
        return True
    return first in "[{" and '"DataRow ID"' in head and '"Label"' in head


def read_labelbox(source: Any, *, mapping: ColumnMapping, field: str | None = None,
                  annotator_id: str | None = None, project: str | None = None) -> RawAnnotations:
    """Read a Labelbox Export v2 NDJSON file or a legacy v1 JSON export.

    Parameters
    ----------
    source : path
    mapping : ColumnMapping
        Must be empty.
    field : str, optional
        The classification question (its ``name``; nested ones as ``parent/child``).
    annotator_id : str, optional
        The labeler of every label, for exports without labeler ids.
    project : str, optional
        Export v2 holding several projects: the project id or name to read.

    Examples
    --------
    >>> import json, tempfile, os
    >>> line = {"data_row": {"id": "dr1", "row_data": "https://x/1.png"},
    ...         "projects": {"p1": {"name": "demo", "labels": [{"id": "l1",
    ...             "label_details": {"created_by": "ann@example.org"},
    ...             "annotations": {"objects": [], "classifications": [
    ...                 {"name": "kind", "radio_answer": {"name": "Cat", "value": "cat"}}]}}]}}}
    >>> path = os.path.join(tempfile.mkdtemp(), "export.ndjson")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write(json.dumps(line) + "\\n")
    >>> read_labelbox(path, mapping=ColumnMapping()).frame[["item_id", "annotator_id", "label"]].values.tolist()
    [['dr1', 'ann@example.org', 'cat']]
    """
    reject_mapping(mapping, "labelbox", _HINT)
    path = check_file(source)
    expect_start(path, "labelbox", "Export v2 NDJSON or a v1 JSON export", "[{")
    acc = ToolRows(path.name, "labelbox", "annotation")
    pending: list[dict[str, Any]] = []
    found: Counter[str] = Counter()
    head_char = first_json_char(sniff_text(path, 4096))
    v2 = table_kind(path) == "jsonl" or (head_char == "{" and _first_line_has(path, "data_row"))
    labels = _v2_labels(path, acc, project) if v2 else _v1_labels(path, acc)
    for row, info, classifications, objects, skipped in labels:
        if skipped:
            acc.skip(row, "cancelled", "the labeler skipped this data row")
            continue
        fields, other = _fields(classifications, v2)
        other.update(objects)
        found.update(fields.keys())
        pending.append({"row": row, "info": info, "fields": fields, "other": other})
    if not found:
        for p in pending:
            acc.ignored.update(p["other"])
            acc.skip(p["row"], "unsupported_result", _only(p["other"]))
        return acc.finish(label_field=None, column_mapping={}, multilabel=None)
    chosen = pick_field(found, field, source=path.name, what="question")
    multilabel = False
    with_ids = 0
    for p in pending:
        labels_ = p["fields"].get(chosen)
        if not labels_:
            reason = "other_field" if p["fields"] else "unsupported_result"
            detail = f"answers {', '.join(sorted(p['fields']))}, not '{chosen}'" if p["fields"] else _only(p["other"])
            acc.skip(p["row"], reason, detail)
            continue
        acc.ignored.update(p["other"])
        acc.ignored.update({f"question '{k}'": 1 for k in p["fields"] if k != chosen})
        info = p["info"]
        with_ids += info["annotator_id"] is not None
        if annotator_id is not None:
            info["annotator_id"] = annotator_id
        multilabel |= len(labels_) > 1
        acc.add(p["row"], label=labels_[0] if len(labels_) == 1 else labels_, **info)
    known = with_ids > 0 or annotator_id is not None
    if not known:
        acc.warnings.append("the export holds no labeler ids (it was made without label details), so annotators are "
                            "anonymous; re-export with label_details=True, or pass annotator_id= if one person "
                            "labelled the file.")
    columns = dict(_MAPPING_V2 if v2 else _MAPPING_V1)
    if annotator_id is not None or not known:
        columns["annotator_id"] = "annotator_id= option" if annotator_id is not None else "(none in the export)"
    return acc.finish(label_field=f"question '{chosen}'", multilabel=multilabel, annotators_known=known,
                      column_mapping=columns)


_MAPPING_V2 = {"item_id": "data_row.id", "annotator_id": "label_details.created_by", "image": "data_row.row_data",
               "timestamp": "label_details.created_at", "duration_s": "performance_details.seconds_to_create"}
_MAPPING_V1 = {"item_id": "DataRow ID", "annotator_id": "Created By", "image": "Labeled Data",
               "timestamp": "Created At", "duration_s": "Seconds to Label"}


def _first_line_has(path: Path, key: str) -> bool:
    with open(path, encoding=text_encoding(path), errors="replace") as fh:
        line = fh.readline(1 << 20)
    return f'"{key}"' in line and line.rstrip().endswith("}")


def _row_id(value: Any, fallback: str) -> Any:
    """A record's id for the report: its own id when it is a plain value, else its position."""
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else fallback


def _only(other: Counter[str]) -> str:
    return ("only " + ", ".join(f"{k} ({n})" for k, n in other.most_common())) if other else "no classification"


Label = tuple[Any, dict[str, Any], list[Any], Counter[str], bool]


def _v2_labels(path: Path, acc: ToolRows, project: str | None) -> Iterator[Label]:
    projects_seen: dict[str, str] = {}
    for line, rec, error in iter_json_lines(path):
        if error is not None or not isinstance(rec, dict) or not isinstance(rec.get("data_row"), dict):
            if acc.rows_read == 0 and error is None:
                raise not_this_format(path, "labelbox", "Export v2 NDJSON with a 'data_row' per line")
            acc.skip(acc.read(f"on line {line}"), "invalid_record" if error or isinstance(rec, dict)
                     else "not_an_object", error or "no 'data_row' object")
            continue
        dr = rec["data_row"]
        projects = as_dict(rec.get("projects"))
        for pid, proj in projects.items():
            projects_seen.setdefault(pid, str(as_dict(proj).get("name", "")))
        chosen = _choose_project(projects, project, projects_seen, path.name)
        proj_labels = as_list(as_dict(projects.get(chosen)).get("labels")) if chosen else []
        if not proj_labels:
            acc.skip(acc.read(f"of data row {dr.get('id')}"), "not_annotated",
                     "the data row has no label in this project")
            continue
        for k, lab in enumerate(proj_labels):
            if not isinstance(lab, dict):
                acc.skip(acc.read(f"{k + 1} of data row {dr.get('id')}"), "not_an_object",
                         f"a JSON {type(lab).__name__}")
                continue
            row = acc.read(_row_id(lab.get("id"), f"{k + 1} of data row {dr.get('id')}"))
            details = as_dict(lab.get("label_details"))
            perf = as_dict(lab.get("performance_details"))
            info = {"item_id": dr.get("id"), "annotator_id": details.get("created_by"), "image": dr.get("row_data"),
                    "timestamp": details.get("created_at"), "duration_s": perf.get("seconds_to_create"),
                    "global_key": dr.get("global_key"), "external_id": dr.get("external_id")}
            anns = as_dict(lab.get("annotations"))
            objects = _object_counts(as_list(anns.get("objects")), v2=True)
            yield row, info, as_list(anns.get("classifications")), objects, perf.get("skipped") is True


def _choose_project(projects: dict[str, Any], project: str | None, seen: dict[str, str], source: str) -> str | None:
    if project is not None:
        return next((pid for pid in projects if pid == project or as_dict(projects[pid]).get("name") == project), None)
    if len(seen) > 1:
        shown = ", ".join(f"'{pid}' ({name})" for pid, name in seen.items())
        raise AnnotationSchemaError(f"'{source}' holds labels of several Labelbox projects: {shown}; "
                                    "choose one with project= (its id or name).")
    return next(iter(projects), None)


def _v1_labels(path: Path, acc: ToolRows) -> Iterator[Label]:
    for n, rec in enumerate(iter_json_items(path), start=1):
        if not isinstance(rec, dict) or "DataRow ID" not in rec:
            if n == 1:
                raise not_this_format(path, "labelbox", "Export v2 NDJSON or a v1 JSON list with 'DataRow ID'")
            acc.skip(acc.read(f"in element {n}"), "invalid_record", "no 'DataRow ID'")
            continue
        row = acc.read(_row_id(rec.get("ID"), f"in element {n}"))
        label = as_dict(rec.get("Label"))
        info = {"item_id": rec.get("DataRow ID"), "annotator_id": rec.get("Created By"),
                "image": rec.get("Labeled Data"), "timestamp": rec.get("Created At"),
                "duration_s": rec.get("Seconds to Label"), "external_id": rec.get("External ID")}
        objects = _object_counts(as_list(label.get("objects")), v2=False)
        yield row, info, as_list(label.get("classifications")), objects, rec.get("Skipped") is True


def _object_counts(objects: list[Any], *, v2: bool) -> Counter[str]:
    """Objects by kind, plus the classifications nested in them (per object, not per image)."""
    out: Counter[str] = Counter()
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        kind = obj.get("annotation_kind") if v2 else None
        for key in ("bounding_box", "bbox", "polygon", "line", "point", "mask", "instanceURI"):
            if kind is None and key in obj:
                kind = {"bbox": "bounding_box", "instanceURI": "mask"}.get(key, key)
        out[f"objects ({kind or 'other'})"] += 1
        nested = len(as_list(obj.get("classifications")))
        if nested:
            out["classifications inside objects"] += nested
    return out


def _fields(classifications: list[Any], v2: bool, prefix: str = "") -> tuple[dict[str, list[str]], Counter[str]]:
    """Answers per question (nested questions flattened as ``parent/child``) and the other content."""
    fields: dict[str, list[str]] = {}
    other: Counter[str] = Counter()
    for c in classifications:
        if not isinstance(c, dict):
            continue
        name = prefix + str(c.get("name") or c.get("value") or c.get("title") or "?")
        answers = _answers(c, v2)
        if answers is None:
            other["free-text answers" if ("text_answer" in c or isinstance(c.get("answer"), str)) else "other"] += 1
            continue
        for ans in answers:
            label = ans.get("value") or ans.get("name") or ans.get("title")
            if isinstance(label, (str, int, float)):
                fields.setdefault(name, []).append(str(label))
            nested, nested_other = _fields(as_list(ans.get("classifications")), v2, prefix=name + "/")
            for k, v in nested.items():
                fields.setdefault(k, []).extend(v)
            other.update(nested_other)
    return fields, other


def _answers(c: dict[str, Any], v2: bool) -> list[dict[str, Any]] | None:
    if v2:
        if isinstance(c.get("radio_answer"), dict):
            return [c["radio_answer"]]
        if isinstance(c.get("checklist_answers"), list):
            return [a for a in c["checklist_answers"] if isinstance(a, dict)]
        return None
    if isinstance(c.get("answer"), dict):
        return [c["answer"]]
    if isinstance(c.get("answers"), list):
        return [a for a in c["answers"] if isinstance(a, dict)]
    return None
