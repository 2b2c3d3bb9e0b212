"""Amazon SageMaker Ground Truth: output manifests and per-worker answers.

Output manifest (JSON Lines, one data object per line)
    Each labeling job adds a *label attribute* (its name is chosen when the job is created) and
    ``<attribute>-metadata``. Classification jobs write the class index as the value and the class
    name in ``class-name`` (multi-label jobs: a list of indices and ``class-map``), with Ground
    Truth's ``confidence``. These are *consolidated* labels: one label per object per job, so each job
    is one "annotator" (``annotator_id=``, else the metadata's ``job-name``). Chained jobs add more
    attributes to the same lines: ``field=`` chooses one. Custom jobs whose consolidation kept every
    worker (``{"annotationsFromAllWorkers": [...]}``) give one annotation per worker.
    One record per line: lines without any label attribute (not yet labelled, in an intermediate
    manifest) or with a ``failure-reason`` are ``not_annotated``; lines labelled only by another job
    are ``other_field``; lines with only boxes, masks … are ``unsupported_result``.
Worker responses and consolidation request payloads
    One record per worker answer; see :mod:`analytics.io._sagemaker_workers`.

Item id: ``source-ref`` (an S3 URI, also kept as ``image``) or ``source`` (inline text). Labels are
the class names; a label attribute without ``class-name`` gives the class index as text.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

from .._json import loads
from ._files import check_file, iter_json_lines, read_json_document, table_kind, text_encoding
from ._mapping import ColumnMapping
from ._raw import RawAnnotations, combine_raw
from ._sagemaker_workers import content_fields, payload_answers, read_worker_answers, worker_response_answers
from ._tools import ToolRows, expect_start, first_json_char, not_this_format, pick_field, reject_mapping
from .._wording import count_noun

__all__ = ["read_sagemaker", "sniff_sagemaker", "combine_sagemaker"]

_HINT = "Ground Truth files have fixed fields; use field= for the label attribute, annotator_id=, item_id=."


def sniff_sagemaker(path: Path, head: str) -> bool:
    """An output manifest (``source-ref``/``source`` + ``<attr>-metadata``), a worker-response file or a payload."""
    first = first_json_char(head)
    if first == "{" and ('"source-ref"' in head or '"source"' in head) and '-metadata"' in head:
        return True
    if first == "{" and '"answers"' in head and ('"answerContent"' in head or '"workerId"' in head):
        return True
    return first == "[" and '"datasetObjectId"' in head and '"workerId"' in head


def read_sagemaker(source: Any, *, mapping: ColumnMapping, field: str | None = None,
                   annotator_id: str | None = None, item_id: str | None = None) -> RawAnnotations:
    """Read a Ground Truth output manifest, worker-response file or consolidation request payload.

    Parameters
    ----------
    source : path
    mapping : ColumnMapping
        Must be empty.
    field : str, optional
        Output manifest: the label attribute (job) to read. Worker answers: the question.
    annotator_id : str, optional
        Output manifest: the "annotator" of the consolidated labels (default: the job name).
    item_id : str, optional
        Worker-response file: the data object it answers (default: its folder name, the object's index).

    Examples
    --------
    >>> import json, tempfile, os
    >>> line = {"source-ref": "s3://b/1.jpg", "animal": 0,
    ...         "animal-metadata": {"class-name": "cat", "confidence": 0.9, "job-name": "labeling-job/pets",
    ...                             "type": "groundtruth/image-classification", "human-annotated": "yes"}}
    >>> path = os.path.join(tempfile.mkdtemp(), "output.manifest")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write(json.dumps(line) + "\\n")
    >>> read_sagemaker(path, mapping=ColumnMapping()).frame[["item_id", "annotator_id", "label"]].values.tolist()
    [['s3://b/1.jpg', 'pets', 'cat']]
    """
    reject_mapping(mapping, "sagemaker", _HINT)
    path = check_file(source)
    first = first_json_char(expect_start(path, "sagemaker", "an output manifest (JSON Lines) or a worker-response "
                                                            "JSON file", "[{"))
    if table_kind(path) == "jsonl" or (first == "{" and not _is_single_document(path)):
        return _read_manifest(path, field=field, annotator_id=annotator_id)
    doc = read_json_document(path)
    if isinstance(doc, dict) and isinstance(doc.get("answers"), list):
        parent = path.parent.name
        item = item_id if item_id is not None else (parent if parent.isdigit() else path.stem)
        acc = ToolRows(path.name, "sagemaker", "answer")
        if item_id is None:
            acc.warnings.append(f"{_NO_OBJECT}; the item id '{item}' was taken from the "
                                f"{'folder' if parent.isdigit() else 'file'} name (pass item_id=).")
        return read_worker_answers(acc, worker_response_answers(doc, path, item, acc), field=field,
                                   item_from="item_id= option" if item_id is not None else "(folder name)")
    if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "datasetObjectId" in doc[0]:
        acc = ToolRows(path.name, "sagemaker", "answer")
        return read_worker_answers(acc, payload_answers(doc, acc), field=field, item_from="datasetObjectId")
    raise not_this_format(path, "sagemaker", "an output manifest (JSON Lines), a worker-response file with 'answers', "
                                             "or a consolidation request list with 'datasetObjectId'")


_NO_OBJECT = "a worker-response file does not name its data object"


def combine_sagemaker(parts: list[RawAnnotations]) -> RawAnnotations:
    """Concatenate several Ground Truth files (e.g. one worker-response file per data object)."""
    raw = combine_raw(parts)
    same = [w for w in raw.warnings if w.startswith(_NO_OBJECT)]
    if len(same) > 1:
        raw.warnings = [w for w in raw.warnings if not w.startswith(_NO_OBJECT)] + [
            f"{len(same):,} worker-response files do not name their data object; each item id was taken from the "
            "file's folder name (the object's index in the input manifest)."]
    return raw


def _job_name(value: Any, fallback: str) -> str:
    """The job that labelled a record (it stands for the annotator): its ``job-name`` when that is text or a whole
    number, else the label attribute's name (a missing, NaN or Infinity job name must not become an id)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or value == "":
        return fallback
    if isinstance(value, float) and not math.isfinite(value):
        return fallback
    return str(value).removeprefix("labeling-job/")


def _is_single_document(path: Path) -> bool:
    """A JSON object spread over lines, or one compact worker response, rather than JSON Lines."""
    with open(path, encoding=text_encoding(path), errors="replace") as fh:
        line = fh.readline(1 << 20).strip()
    if line in ("{", "[") or not line.endswith("}"):
        return True
    try:
        first = loads(line, where=f"the first line of '{path.name}'")
    except json.JSONDecodeError:
        return False
    return isinstance(first, dict) and isinstance(first.get("answers"), list) and "source-ref" not in first \
        and "source" not in first


def _attribute_labels(value: Any, meta: dict[str, Any]) -> tuple[list[str] | list[dict[str, Any]] | None, str]:
    """(labels, or worker answers, or None) and a kind description for one label attribute."""
    kind = str(meta.get("type", "")).removeprefix("groundtruth/") or "untyped"
    if "failure-reason" in meta:
        return None, "failed"
    if isinstance(value, dict) and isinstance(value.get("annotationsFromAllWorkers"), list):
        return value["annotationsFromAllWorkers"], kind
    if "class-name" in meta:
        return [str(meta["class-name"])], kind
    if isinstance(meta.get("class-map"), dict) and isinstance(value, list) and "classification" in kind:
        names = meta["class-map"]
        return [str(names.get(str(v), v)) for v in value], kind
    if isinstance(value, (int, str)) and ("classification" in kind or "verification" in kind):
        return [str(value)], kind
    return None, kind


def _read_manifest(path: Path, *, field: str | None, annotator_id: str | None) -> RawAnnotations:
    acc = ToolRows(path.name, "sagemaker", "line")
    pending: list[tuple[int, dict[str, Any], dict[str, tuple[Any, dict[str, Any]]], Counter[str], str | None]] = []
    found: Counter[str] = Counter()
    kinds: dict[str, str] = {}
    other_attrs: set[str] = set()
    for line, rec, error in iter_json_lines(path):
        line = acc.read(line)
        if error is not None or not isinstance(rec, dict):
            acc.skip(line, "invalid_record" if error else "not_an_object", error or f"a JSON {type(rec).__name__}")
            continue
        if not pending and not acc.skipped and "source-ref" not in rec and "source" not in rec:
            raise not_this_format(path, "sagemaker", "JSON Lines with 'source-ref' or 'source' on each line")
        item = rec.get("source-ref", rec.get("source"))
        fields: dict[str, tuple[Any, dict[str, Any]]] = {}
        other: Counter[str] = Counter()
        failure = None
        for key, meta in rec.items():
            attr = key.removesuffix("-metadata")
            if not key.endswith("-metadata") or attr not in rec or not isinstance(meta, dict):
                continue
            labels, kind = _attribute_labels(rec[attr], meta)
            kinds.setdefault(attr, kind)
            if labels is None:
                failure = meta.get("failure-reason") or failure
                other[f"{kind} ('{attr}')"] += 0 if kind == "failed" else 1
                other_attrs.add(attr)
            else:
                fields[attr] = (labels, meta)
                found[attr] += 1
        info = {"item_id": item, "image": rec.get("source-ref")}
        pending.append((line, info, fields, +other, failure))
    if not found:
        for line, _, _, other, failure in pending:
            acc.ignored.update(other)
            _skip_unlabelled(acc, line, other, failure)
        return acc.finish(label_field=None, column_mapping={}, multilabel=None)
    chosen = pick_field(found, field, source=path.name, what="label attribute", other=other_attrs)
    multilabel = False
    workers = human_no = 0
    job = chosen
    for line, info, fields, other, failure in pending:
        if chosen not in fields:
            if fields:
                acc.skip(line, "other_field", f"labelled by {', '.join(sorted(fields))}, not '{chosen}'")
            else:
                _skip_unlabelled(acc, line, other, failure)
            continue
        acc.ignored.update(other)
        acc.ignored.update({f"label attribute '{a}'": 1 for a in fields if a != chosen})
        labels, meta = fields[chosen]
        job = _job_name(meta.get("job-name"), chosen)
        human_no += str(meta.get("human-annotated", "yes")).lower() == "no"
        common = {**info, "timestamp": meta.get("creation-date"), "human_annotated": meta.get("human-annotated")}
        if labels and isinstance(labels[0], dict):  # custom job that kept every worker's answer
            workers += 1
            for k, ans in enumerate(labels, start=1):
                answer, _ = content_fields((ans.get("annotationData") or {}).get("content"))
                got = next(iter(answer.values()), None) if len(answer) == 1 else None
                if not got:
                    acc.skip(line, "unsupported_result", f"worker answer {k}: no single classification answer")
                    continue
                multilabel |= len(got) != 1
                acc.add(line, label=got[0] if len(got) == 1 else got, annotator_id=ans.get("workerId"), **common)
            continue
        multilabel |= len(labels) != 1
        acc.add(line, label=labels[0] if len(labels) == 1 else labels, confidence=meta.get("confidence"),
                annotator_id=annotator_id if annotator_id is not None else job, **common)
    if workers < len(pending):
        acc.warnings.append(f"an output manifest holds Ground Truth's consolidated label (one per object) of job "
                            f"'{job}', counted as one annotator; the workers' own answers are in the job's "
                            "annotations/worker-response files.")
    if human_no:
        acc.warnings.append(f"{count_noun(human_no, 'label')} {'was' if human_no == 1 else 'were'} made by automated data labeling (human-annotated: no).")
    return acc.finish(label_field=f"label attribute '{chosen}' ({kinds.get(chosen)})", multilabel=multilabel,
                      column_mapping={"item_id": "source-ref / source", "label": f"{chosen}-metadata.class-name",
                                      "annotator_id": "annotator_id= option" if annotator_id is not None
                                      else "job-name", "timestamp": "creation-date", "image": "source-ref"})


def _skip_unlabelled(acc: ToolRows, line: int, other: Counter[str], failure: str | None) -> None:
    if other:
        acc.skip(line, "unsupported_result", "only " + ", ".join(other))
    elif failure:
        acc.skip(line, "not_annotated", f"the job failed on this object: {failure}")
    else:
        acc.skip(line, "not_annotated", "no label attribute on this line (not labelled yet)")
