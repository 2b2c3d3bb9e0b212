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
    or both (``"both"``). Model predictions of the control read become the set's predictions
    (``predicted_label`` with the result's ``score`` as confidence; one model version, ``model_version=``).
A Label Studio server (``labelstudio://HOST:PORT/projects/ID``)
    The same tasks read page by page through the official client (:mod:`analytics.io.labelstudio_api`), so
    a pull equals reading that project's full JSON export.
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

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import InvalidParameterError
from ._files import check_file, table_kind
from ._labelstudio_labels import (CLASSIFICATION_TYPES, PATH_SEP, GroundTruth, TaxonomyLabels, check_leaf_labels,
                                  labels_from_value)
from ._labelstudio_min import read_min_records, read_table_export
from ._labelstudio_tasks import read_tasks
from .labelstudio_api import is_server_address, read_server
from ._mapping import ColumnMapping
from ._raw import RawAnnotations, combine_raw
from ._tools import (expect_start, file_annotator, first_json_char, image_key, iter_json_items, not_this_format,
                     reject_mapping, shared_stem_names)

__all__ = ["read_labelstudio", "sniff_labelstudio", "combine_labelstudio", "labels_from_value", "check_leaf_labels",
           "CLASSIFICATION_TYPES", "PATH_SEP", "TaxonomyLabels", "GroundTruth", "is_server_address"]

_HINT = "Label Studio exports name their fields themselves; choose a classification control with field=."


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
                     sep: str | None = None, model_version: str | None = None,
                     token: str | None = None) -> RawAnnotations:
    """Read one Label Studio export (full JSON, JSON_MIN, or CSV/TSV), or a project on a server.

    Parameters
    ----------
    source : path or str
        An export file, or a project's address ``labelstudio://HOST:PORT/projects/ID`` (see
        :func:`analytics.io.labelstudio_api.read_server`).
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
    model_version : str, optional
        Full JSON and servers: the model version whose predictions are read when tasks hold several.
    token : str, optional
        Servers only: an API token (legacy or personal access token); default ``LABEL_STUDIO_API_KEY``.

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
    if is_server_address(source):
        return read_server(source, token=token, field=field, taxonomy_labels=taxonomy_labels,
                           ground_truth=ground_truth, model_version=model_version)
    if token is not None:
        raise InvalidParameterError("token= applies to a Label Studio server address (labelstudio://HOST:PORT/"
                                    "projects/ID), not to an export file.")
    path = check_file(source)
    if table_kind(path) in ("text", "parquet"):
        if model_version is not None:
            raise InvalidParameterError("model_version= applies to full JSON exports (CSV exports hold no predictions).")
        return read_table_export(path, field=field, taxonomy_labels=taxonomy_labels, sep=sep)
    expect_start(path, "labelstudio", "a JSON list of tasks, a JSON_MIN list, or a CSV export", "[{", lines=False)
    first = next(iter(iter_json_items(path)), None)
    if isinstance(first, dict) and ("annotations" in first or "completions" in first) and "data" in first:
        return read_tasks(iter_json_items(path), source=path.name, field=field, taxonomy_labels=taxonomy_labels,
                          ground_truth=ground_truth, model_version=model_version)
    if isinstance(first, dict) and "annotator" in first and "id" in first:
        return read_min_records(path, field=field, taxonomy_labels=taxonomy_labels)
    raise not_this_format(path, "labelstudio", "a list of tasks with 'data' and 'annotations', a JSON_MIN list "
                                               "with 'id' and 'annotator', or a CSV with 'annotation_id'")


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
        notes.append(f"{'the annotator id' if len(clash) == 1 else 'the annotator ids'} {', '.join(sorted(clash)[:5])} {'occurs' if len(clash) == 1 else 'occur'} in several files (each person ran their "
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
        if changed and raw.predictions is not None:
            raw.predictions = None
            notes.append("the model predictions in these exports name tasks by id, and the items were matched by "
                         "image file name instead, so they were not attached; attach them with predictions=.")
    else:
        overlap = [set(f["item_id"].astype(str)) for f in by_file]
        if not set.intersection(*overlap):
            notes.append("the files share no task id and their images cannot be matched one-to-one by file name; "
                         "items were kept apart.")
    raw.frame = frame
    raw.warnings.extend(notes)
    return raw
