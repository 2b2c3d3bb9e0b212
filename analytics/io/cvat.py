"""CVAT for images 1.1 XML: image-level ``<tag>`` labels.

One record per ``<image>``. Its ``<tag label=…>`` children are its labels; several tags on one image
make the set multi-label (tag sets). Images holding only shapes (``<box>``, ``<polygon>`` …) are skipped
as ``unsupported_result``, images with nothing as ``not_annotated``. ``field=`` names a tag attribute
to read instead of the tag label (e.g. a ``quality`` attribute with values ``good``/``bad``).

CVAT writes no annotator id per tag, so one file is one annotator: ``annotator_id=`` names it,
otherwise the file name does (a warning says so). Several files are several annotators. The item id
is the image ``name`` (the path inside the task), which stays the same across tasks made from the same
images, unlike the frame number ``id`` (kept in ``frame``).

The file is parsed with :mod:`defusedxml` (no entity expansion, no external references) and streamed
image by image, so memory stays bounded by one ``<image>`` element.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from ..exceptions import AnnotationFileError, InvalidParameterError
from ._files import check_file
from ._mapping import ColumnMapping
from ._raw import RawAnnotations, combine_raw
from ._tools import ToolRows, expect_start, file_annotator, first_json_char, not_this_format, reject_mapping
from .._wording import count_noun

__all__ = ["read_cvat", "sniff_cvat", "combine_file_annotators"]

_HINT = "CVAT exports have fixed fields; pass annotator_id= to name the annotator of a file, field= for a tag attribute."


def sniff_cvat(path: Path, head: str) -> bool:
    """An XML document whose root is ``<annotations>`` with CVAT's ``<version>``/``<meta>``/``<image>``."""
    if first_json_char(head) != "<":
        return False
    return "<annotations" in head and any(k in head for k in ("<version>1.", "<meta>", "<image "))


def read_cvat(source: Any, *, mapping: ColumnMapping, field: str | None = None,
              annotator_id: str | None = None) -> RawAnnotations:
    """Read a CVAT for images 1.1 XML export.

    Parameters
    ----------
    source : path
    mapping : ColumnMapping
        Must be empty.
    field : str, optional
        A tag attribute to read as the label instead of the tag's label.
    annotator_id : str, optional
        Who made the tags (default: the file name without extension).

    Examples
    --------
    >>> import tempfile, os
    >>> xml = ('<annotations><version>1.1</version><image id="0" name="a.jpg">'
    ...        '<tag label="cat" source="manual"/></image></annotations>')
    >>> path = os.path.join(tempfile.mkdtemp(), "alice.xml")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write(xml)
    >>> read_cvat(path, mapping=ColumnMapping()).frame[["item_id", "annotator_id", "label"]].values.tolist()
    [['a.jpg', 'alice', 'cat']]
    """
    reject_mapping(mapping, "cvat", _HINT)
    path = check_file(source)
    expect_start(path, "cvat", "an XML document with root element <annotations>", "<")
    who = annotator_id if annotator_id is not None else file_annotator(path)
    acc = ToolRows(path.name, "cvat", "image")
    declared: list[str] = []
    attr_names: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    n_tracks = 0
    multilabel = False
    depth = 0
    root = None
    try:
        for event, elem in iterparse(str(path), events=("start", "end")):
            if event == "start":
                depth += 1
                if root is None:
                    root = elem
                    if elem.tag != "annotations":
                        raise not_this_format(path, "cvat", "root element <annotations>")
                continue
            depth -= 1
            if depth != 1:
                continue
            if elem.tag == "meta":
                declared = [lab.findtext("name", "") for lab in elem.iter("label")]
            elif elem.tag == "image":
                multilabel |= _read_image(acc, elem, who, field, attr_names, sources)
            elif elem.tag == "track":
                n_tracks += 1
            root.clear()
    except ET.ParseError as exc:
        raise AnnotationFileError(f"'{path.name}' is not well-formed XML ({exc}); the file may be truncated. "
                                  "Export it again.") from None
    except DefusedXmlException as exc:
        raise AnnotationFileError(f"'{path.name}' declares XML entities or a DTD ({type(exc).__name__}), which are "
                                  "refused for safety; CVAT exports never contain them.") from None
    if root is None:
        raise not_this_format(path, "cvat", "root element <annotations>")
    if field is not None and acc.rows_read and not attr_names.get(field):
        raise InvalidParameterError(f"field='{field}' is not an attribute of the tags in '{path.name}'; tag attributes "
                                    f"found: {', '.join(map(repr, sorted(attr_names))) or '(none)'}.")
    if n_tracks:
        acc.ignored["tracks (CVAT for video; export as 'CVAT for images' instead)"] += n_tracks
    if sources.get("auto") or sources.get("semi-auto"):
        acc.warnings.append(f"{count_noun(sources['auto'] + sources['semi-auto'], 'tag')} were made automatically "
                            "(source 'auto'/'semi-auto'), not by a person.")
    if annotator_id is None:
        acc.warnings.append(f"CVAT XML has no annotator id: every tag is attributed to '{who}' (the file name); "
                            "pass annotator_id= to name the annotator.")
    undeclared = sorted({str(v) for r in acc.rows for v in _as_list(r["label"])} - set(declared)) if declared else []
    if undeclared and field is None:
        acc.warnings.append(f"tag label{'s' if len(undeclared) != 1 else ''} {undeclared[:5]} {'are' if len(undeclared) != 1 else 'is'} not declared in the task's <labels>.")
    return acc.finish(label_field=f"tag attribute '{field}'" if field else "<tag> labels", multilabel=multilabel,
                      what="image-level tags", column_mapping={
                          "item_id": "<image name>", "label": f"<tag> attribute '{field}'" if field else "<tag label>",
                          "annotator_id": "annotator_id= option" if annotator_id is not None else "(file name)"})


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _read_image(acc: ToolRows, elem: Any, who: str, field: str | None, attr_names: Counter[str],
                sources: Counter[str]) -> bool:
    name = elem.get("name") or elem.get("id")
    row = acc.read(elem.get("id", name))
    tags: list[str] = []
    shapes: Counter[str] = Counter()
    for child in elem:
        if child.tag != "tag":
            shapes[child.tag] += 1
            continue
        attrs = {a.get("name"): (a.text or "").strip() for a in child.findall("attribute")}
        attr_names.update(k for k in attrs if k)
        sources[child.get("source", "manual")] += 1
        value = child.get("label") if field is None else attrs.get(field)
        if value:
            tags.append(value)
    if not tags:
        if shapes:
            acc.skip(row, "unsupported_result", "only " + ", ".join(f"<{k}> ({n})" for k, n in shapes.items()))
            acc.ignored.update({f"<{k}> shapes": n for k, n in shapes.items()})
        else:
            acc.skip(row, "not_annotated", "the image has no tag")
        return False
    acc.ignored.update({f"<{k}> shapes": n for k, n in shapes.items()})
    distinct = list(dict.fromkeys(tags))
    acc.add(row, item_id=name, annotator_id=who, label=distinct[0] if len(distinct) == 1 else distinct,
            image=name, frame=elem.get("id"))
    return len(distinct) > 1


def combine_file_annotators(parts: list[RawAnnotations]) -> RawAnnotations:
    """Merge files that each hold one annotator's labels (CVAT, Datumaro): each file stays its own annotator.

    When two files would get the same annotator from their file names (``train.json`` in two folders),
    the file's position in the list is added to tell them apart.
    """
    raw = combine_raw(parts)
    from_name = [p.column_mapping.get("annotator_id") == "(file name)" for p in parts]
    names = [str(p.frame["annotator_id"].iloc[0]) if len(p.frame) else "" for p in parts]
    repeated = {n for n in names if names.count(n) > 1}
    if any(f and n in repeated for f, n in zip(from_name, names)):
        annotators = [f"{name} (file {i})" if by_file and name in repeated else None
                      for i, (by_file, name) in enumerate(zip(from_name, names), start=1)]
        per_row = np.repeat(np.asarray(annotators, dtype=object), [len(p.frame) for p in parts])
        raw.frame = raw.frame.copy()
        current = raw.frame["annotator_id"].to_numpy(dtype=object)
        raw.frame["annotator_id"] = np.where(pd.notna(per_row), per_row, current)
        raw.warnings.append(f"several files are named '{', '.join(sorted(repeated))}'; their annotators were told "
                            "apart by file; pass annotator_id= per file to name them.")
    return raw
