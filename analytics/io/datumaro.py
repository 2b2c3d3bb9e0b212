"""Datumaro JSON (CVAT's "Datumaro 1.0" export): image-level ``label`` annotations.

One record per item of ``items``. Its annotations of ``type`` ``"label"`` give its labels through
``label_id`` (an index into ``categories.label.labels``); several labels make the set multi-label.
Items with only other annotation types (``bbox``, ``polygon``, ``mask`` …) are skipped as
``unsupported_result``, items with no annotation as ``not_annotated``. A label group declared
``exclusive`` that an item breaks (two labels of the group) is reported in a warning.

Like CVAT XML, the file carries no annotator id: ``annotator_id=`` names the annotator, otherwise the
file name does; several files are several annotators. Item id: ``items[].id``; image: ``image.path``
(or ``media.path``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ..exceptions import InvalidParameterError
from ._files import check_file, read_json_document, table_kind
from ._mapping import ColumnMapping
from ._raw import RawAnnotations
from ._tools import (ToolRows, as_dict, as_list, expect_start, file_annotator, first_json_char, not_this_format,
                     reject_mapping)
from .._wording import count_noun

__all__ = ["read_datumaro", "sniff_datumaro"]


def sniff_datumaro(path: Path, head: str) -> bool:
    """A JSON object with Datumaro's ``categories`` (``label``/``labels``) and ``items``."""
    if first_json_char(head) != "{" or table_kind(path) == "jsonl":
        return False
    return '"categories"' in head and '"labels"' in head and ('"items"' in head or '"label_groups"' in head
                                                                or '"infos"' in head or '"info"' in head)


def read_datumaro(source: Any, *, mapping: ColumnMapping, field: str | None = None,
                  annotator_id: str | None = None) -> RawAnnotations:
    """Read a Datumaro JSON annotation file (one subset, e.g. ``annotations/default.json``).

    Parameters
    ----------
    source : path
    mapping : ColumnMapping
        Must be empty.
    field : str, optional
        An attribute of the label annotations to read as the label instead of the label's name.
    annotator_id : str, optional
        Who made the labels (default: the file name without extension).

    Examples
    --------
    >>> import json, tempfile, os
    >>> doc = {"categories": {"label": {"labels": [{"name": "cat"}, {"name": "dog"}]}},
    ...        "items": [{"id": "a", "annotations": [{"type": "label", "label_id": 1}]}]}
    >>> path = os.path.join(tempfile.mkdtemp(), "bob.json")
    >>> with open(path, "w") as fh:
    ...     json.dump(doc, fh)
    >>> read_datumaro(path, mapping=ColumnMapping()).frame[["item_id", "annotator_id", "label"]].values.tolist()
    [['a', 'bob', 'dog']]
    """
    reject_mapping(mapping, "datumaro", "Datumaro exports have fixed fields; pass annotator_id= to name the annotator.")
    path = check_file(source)
    expect_start(path, "datumaro", "a JSON object with 'categories' and 'items'", "{", lines=False)
    doc = read_json_document(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise not_this_format(path, "datumaro", "a JSON object with 'categories' and 'items'")
    label_cat = as_dict(as_dict(doc.get("categories")).get("label"))
    names = [str(lab.get("name", i)) if isinstance(lab, dict) else str(lab)
             for i, lab in enumerate(as_list(label_cat.get("labels")))]
    who = annotator_id if annotator_id is not None else file_annotator(path)
    acc = ToolRows(path.name, "datumaro", "item")
    attr_names: Counter[str] = Counter()
    multilabel = False
    for n, item in enumerate(doc["items"], start=1):
        if not isinstance(item, dict):
            acc.skip(acc.read(f"#{n}"), "not_an_object", f"a JSON {type(item).__name__}")
            continue
        row = acc.read(item.get("id", f"#{n}"))
        annotations = as_list(item.get("annotations"))
        labels, other, bad = _item_labels(annotations, names, field, attr_names)
        acc.ignored.update(other)
        if bad:
            acc.warnings.append(f"item {row}: {count_noun(bad, 'label annotation')} with a label_id outside the {len(names)} "
                                "declared labels were left out.")
        if not labels:
            if field is not None and any(isinstance(a, dict) and a.get("type") == "label" for a in annotations):
                acc.skip(row, "other_field", f"its label annotations have no '{field}' attribute")
            elif other or bad:
                acc.skip(row, "unsupported_result", "only " + ", ".join(f"{k} ({v})" for k, v in other.items())
                         if other else "label ids outside the declared labels")
            else:
                acc.skip(row, "not_annotated", "the item has no annotation")
            continue
        multilabel |= len(labels) > 1
        media = item.get("image") or item.get("media") or {}
        acc.add(row, item_id=item.get("id"), annotator_id=who, label=labels[0] if len(labels) == 1 else labels,
                image=media.get("path") if isinstance(media, dict) else None, subset=item.get("subset"))
    if field is not None and not attr_names.get(field):
        raise InvalidParameterError(f"field='{field}' is not an attribute of the label annotations in '{path.name}'; "
                                    f"attributes found: {', '.join(map(repr, sorted(attr_names))) or '(none)'}.")
    _check_groups(acc, as_list(label_cat.get("label_groups")))
    if annotator_id is None:
        acc.warnings.append(f"Datumaro JSON has no annotator id: every label is attributed to '{who}' (the file "
                            "name); pass annotator_id= to name the annotator.")
    return acc.finish(label_field=f"attribute '{field}' of the 'label' annotations" if field else "'label' annotations",
                      multilabel=multilabel, what="image-level labels",
                      column_mapping={"item_id": "items[].id", "label": f"attributes.{field}" if field
                                      else "label_id → categories.label.labels",
                                      "annotator_id": "annotator_id= option" if annotator_id is not None
                                      else "(file name)", "image": "image.path"})


def _item_labels(annotations: list[Any], names: list[str], field: str | None,
                 attr_names: Counter[str]) -> tuple[list[str], Counter[str], int]:
    labels: list[str] = []
    other: Counter[str] = Counter()
    bad = 0
    for ann in annotations:
        kind = str(ann.get("type", "")).lower() if isinstance(ann, dict) else "malformed"
        if kind != "label":
            other[kind or "untyped"] += 1
            continue
        attrs = as_dict(ann.get("attributes"))
        attr_names.update(attrs.keys())
        idx = ann.get("label_id")
        if not (isinstance(idx, int) and not isinstance(idx, bool) and 0 <= idx < len(names)):
            bad += 1
            continue
        value = names[idx] if field is None else attrs.get(field)
        if isinstance(value, (str, int, float)) and str(value) not in labels:
            labels.append(str(value))
    return labels, other, bad


def _check_groups(acc: ToolRows, groups: list[Any]) -> None:
    """Warn about items holding two labels of an exclusive label group."""
    for group in groups:
        if not isinstance(group, dict) or str(group.get("group_type", "")).lower() != "exclusive":
            continue
        members = set(map(str, as_list(group.get("labels"))))
        broken = [r["_row"] for r in acc.rows if isinstance(r["label"], list) and len(members & set(r["label"])) > 1]
        if broken:
            acc.warnings.append(f"{count_noun(len(broken), 'item')} {'has' if len(broken) == 1 else 'have'} several labels of the exclusive group "
                                f"'{group.get('name')}' ({', '.join(sorted(members))}), e.g. item {broken[0]}.")
