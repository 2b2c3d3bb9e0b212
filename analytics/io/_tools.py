"""Shared plumbing of the labeling-tool importers (Label Studio, CVAT, Datumaro, Labelbox, SageMaker).

* :class:`ToolRows` collects annotations and skipped records and accounts for them exactly;
* :func:`iter_json_items` streams the elements of a top-level JSON array (bounded memory);
* :func:`pick_field` chooses the classification control/question (``field=``) or lists the choices;
* :func:`not_this_format` builds the "this file is not X, it looks like Y" error;
* small helpers for image references, upload prefixes and file-name annotators.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator

import pandas as pd

from .._import_report import SKIP_REASONS
from ..exceptions import AnnotationFileError, AnnotationSchemaError, FieldChoiceError, InvalidParameterError
from .._wording import count_noun
from .._json import DECODER, note_where, check_json_depth, has_surrogate_escape, loads, repair_surrogates
from ..limits import current_limits, limit_message
from ._files import check_file, sniff_text, table_kind, text_encoding
from ._mapping import ColumnMapping
from ._raw import RawAnnotations

__all__ = ["ToolRows", "as_dict", "as_list", "iter_json_items", "pick_field", "not_this_format", "describe_file",
           "reject_mapping", "image_key", "looks_like_media", "file_annotator", "shared_stem_names", "first_json_char",
           "expect_start"]

_UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-(?=.)")
_MEDIA_EXT = re.compile(r"\.(jpe?g|png|gif|bmp|tiff?|webp|heic|svg|dcm|mp4|mov|avi|wav|mp3|flac|pdf|txt)(\?.*)?$",
                        re.IGNORECASE)
_URL = re.compile(r"^(https?|s3|gs|gcs|azure-blob|file)://|^/data/(upload|local-files)", re.IGNORECASE)


class ToolRows:
    """Collects one tool file's annotations and skipped records, then freezes them into :class:`RawAnnotations`.

    Call :meth:`read` once per input record (the unit of the report) with the record's label, and
    use the label it returns to either :meth:`add` one or more annotations for it or :meth:`skip` it
    with a reason. ``rows_read == rows_kept + rows_skipped`` holds because every record read ends up in
    exactly one of the two, under a label no other record has: :meth:`read` makes repeated labels (two
    tasks with the same id in a damaged export) unique, since the report counts records by label.
    """

    def __init__(self, source: str, fmt: str, unit: str) -> None:
        self.source, self.format, self.unit = source, fmt, unit
        self.rows: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self.rows_read = 0
        self.warnings: list[str] = []
        self.ignored: Counter[str] = Counter()  # results of other kinds seen inside kept records
        self.max_rows = current_limits().max_rows
        self._labels: set[str] = set()

    def read(self, row: Any) -> Any:
        """Count one input record; returns its label for :meth:`add`/:meth:`skip`, unique within the file.

        ``row`` should be the record's own id (a plain text or number); anything else (a list, an
        object) is replaced by the record's position. A label already used gets ``(record N)`` added.
        """
        self.rows_read += 1
        if self.rows_read > self.max_rows:
            raise AnnotationSchemaError(limit_message("max_rows", f"more than {self.max_rows:,}",
                                                      f"'{self.source}' has too many {self.unit}s"))
        if isinstance(row, bool) or not isinstance(row, (str, int, float)):
            row = f"#{self.rows_read:,}"
        label, k = row, 0
        while str(label) in self._labels:
            k += 1
            label = f"{row} (record {self.rows_read:,}{'' if k == 1 else f', {k}'})"
        self._labels.add(str(label))
        return label

    def add(self, row: Any, **columns: Any) -> None:
        self.rows.append({**columns, "_source": self.source, "_row": row})

    def skip(self, row: Any, reason: str, detail: str = "") -> None:
        if reason not in SKIP_REASONS:  # programming error, not user input
            raise KeyError(reason)
        self.skipped.append({"source": self.source, "row": row, "reason": reason, "detail": detail})

    def finish(self, *, label_field: str | None, column_mapping: dict[str, str], multilabel: bool | None,
               annotators_known: bool = True, gold: pd.DataFrame | None = None,
               what: str = "classification labels") -> RawAnnotations:
        """Build the importer's output; raises when nothing usable was found (saying what was there)."""
        if self.ignored:
            shown = ", ".join(f"{k} ({n:,})" for k, n in self.ignored.most_common(8))
            self.warnings.append(f"left out of the analysis (other result types or questions): {shown}.")
        if not self.rows:
            raise AnnotationSchemaError(self._nothing_message(what))
        frame = pd.DataFrame.from_records(self.rows)
        if multilabel:
            frame["label"] = frame["label"].map(_as_tuple).astype(object)
        raw = RawAnnotations(frame=frame, source=self.source, format=self.format, unit=self.unit,
                             rows_read=self.rows_read, skipped=list(self.skipped), warnings=list(self.warnings),
                             label_field=label_field, column_mapping=dict(column_mapping),
                             multilabel=True if multilabel else None, annotators_known=annotators_known, gold=gold)
        return raw

    def _nothing_message(self, what: str) -> str:
        reasons = Counter(s["reason"] for s in self.skipped)
        parts = [f"{n:,} × {r} ({SKIP_REASONS[r]})" for r, n in reasons.most_common()]
        found = f" It holds {', '.join(f'{k} ({n:,})' for k, n in self.ignored.most_common(8))}." if self.ignored else ""
        return (f"No {what} in '{self.source}' ({self.format}): {count_noun(self.rows_read, self.unit)} read, "
                f"none usable{': ' + '; '.join(parts) if parts else ''}.{found} Annotation QA reads image-level "
                "classification (single- or multi-label); export a classification project, or choose another "
                "control with field=.")


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: a malformed sub-field reads as absent."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a JSON array, else an empty one: a malformed sub-field reads as absent."""
    return value if isinstance(value, list) else []


def _as_tuple(value: Any) -> Any:
    if value is None or isinstance(value, tuple):
        return value
    if isinstance(value, list):
        return tuple(value)
    return (value,)


def first_json_char(head: str) -> str:
    """The first non-space character of a text (``""`` for blank text)."""
    stripped = head.lstrip()
    return stripped[:1]


def iter_json_items(path: str | Path, *, chunk_chars: int = 1 << 20) -> Iterator[Any]:
    """Stream a JSON document: the elements of a top-level array one by one, or the one top-level object.

    Memory stays bounded by the largest element (plus one chunk), so a multi-gigabyte Label Studio
    export is never held whole. Raises :class:`AnnotationFileError` for invalid or truncated JSON.
    """
    p = check_file(path)
    try:
        yield from _iter_items(p, chunk_chars)
    except UnicodeDecodeError as exc:
        raise AnnotationFileError(f"'{p.name}' is not UTF-8 text (byte {exc.start}: {exc.reason}). Save it as "
                                  "UTF-8 and load it again.") from None


def _iter_items(p: Path, chunk_chars: int) -> Iterator[Any]:
    decoder = DECODER
    max_depth = current_limits().max_json_depth
    with open(p, encoding=text_encoding(p), errors="strict") as fh:
        buf = fh.read(chunk_chars)
        eof = len(buf) < chunk_chars
        pos = _skip_ws(buf, 0)
        while pos >= len(buf) and not eof:
            buf, pos, eof = _refill(fh, buf, pos, chunk_chars)
            pos = _skip_ws(buf, pos)
        if pos >= len(buf):
            raise AnnotationFileError(f"'{p.name}' holds no JSON value.")
        if buf[pos] != "[":
            rest = buf + fh.read()
            try:
                yield loads(rest, where=f"'{p.name}'")
            except json.JSONDecodeError as exc:
                raise AnnotationFileError(f"'{p.name}' is not valid JSON: {exc.msg} at line {exc.lineno}, "
                                          f"column {exc.colno}.") from None
            return
        pos += 1
        index = 0
        while True:
            pos = _skip_ws(buf, pos)
            while pos >= len(buf) and not eof:
                buf, pos, eof = _refill(fh, buf, pos, chunk_chars)
                pos = _skip_ws(buf, pos)
            if pos >= len(buf):
                raise AnnotationFileError(f"'{p.name}' ends inside its top-level list (after {index:,} "
                                          "elements): the file looks truncated; export it again.")
            if buf[pos] == "]" and index == 0:
                return
            note_where(f"element {index + 1:,} of '{p.name}'")
            try:
                value, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as exc:
                if eof:
                    raise AnnotationFileError(f"'{p.name}' is not valid JSON: {exc.msg} in element {index + 1:,} "
                                              "of its top-level list (the file may be truncated).") from None
                buf, pos, eof = _refill(fh, buf, pos, chunk_chars)
                continue
            except RecursionError:
                check_json_depth(buf[pos:], where=f"element {index + 1:,} of '{p.name}'")
                raise AnnotationFileError(f"Element {index + 1:,} of '{p.name}' nests JSON deeper than the "
                                          "interpreter can parse.") from None
            after = _skip_ws(buf, end)
            if after >= len(buf) or buf[after] not in ",]":
                if not eof:  # the element may continue beyond the buffer (e.g. a number cut in two): read on
                    buf, pos, eof = _refill(fh, buf, pos, chunk_chars)
                    continue
                raise AnnotationFileError(f"'{p.name}' is not valid JSON: expected ',' or ']' after element "
                                          f"{index + 1:,} of its top-level list (the file may be truncated).")
            if buf.count("[", pos, end) + buf.count("{", pos, end) > max_depth:  # cheap: no copy of the element
                check_json_depth(buf[pos:end], where=f"element {index + 1:,} of '{p.name}'")
            yield DECODER.decode(repair_surrogates(buf[pos:end])) if has_surrogate_escape(buf, pos, end) else value
            index += 1
            if buf[after] == "]":
                return
            pos = after + 1


def _skip_ws(buf: str, pos: int) -> int:
    n = len(buf)
    while pos < n and buf[pos] in " \t\r\n":
        pos += 1
    return pos


def _refill(fh: Any, buf: str, pos: int, chunk_chars: int) -> tuple[str, int, bool]:
    more = fh.read(max(chunk_chars, len(buf) - pos))
    return buf[pos:] + more, 0, len(more) == 0


def pick_field(found: Counter[str] | dict[str, int], field: str | None, *, source: str, what: str,
               other: Iterable[str] = ()) -> str:
    """Choose the classification control/question to read.

    ``found`` counts the annotations carrying each classification field. With ``field=None`` the only
    field is used; several fields raise an error listing them (with counts) and asking for ``field=``.
    """
    shown = ", ".join(f"'{k}' ({n:,})" for k, n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
    if field is not None:
        if field in found:
            return field
        nested = [k for k in found if k.startswith(field + "/")]
        if len(nested) == 1:  # the parent of a single nested question
            return nested[0]
        others = f" Other (non-classification) fields: {', '.join(map(repr, sorted(set(other))))}." if other else ""
        raise InvalidParameterError(
            f"field='{field}' is not a classification {what} of '{source}'. "
            f"Classification {what}s found (annotations): {shown or '(none)'}.{others}"
        )
    if len(found) == 1:
        return next(iter(found))
    if not found:
        raise AnnotationSchemaError(f"'{source}' holds no classification {what} (see field=).")
    raise FieldChoiceError(source, what, found)


def looks_like_media(value: Any) -> bool:
    """Whether a value looks like an image/media reference (URL, storage URI, upload path, file name)."""
    if not isinstance(value, str) or not value or len(value) > 2048 or "\n" in value:
        return False
    return bool(_URL.search(value) or _MEDIA_EXT.search(value))


def image_key(reference: Any) -> str | None:
    """The file name of an image reference, without the random upload prefix Label Studio adds (``3aa355b2-``)."""
    if not isinstance(reference, str) or not reference.strip():
        return None
    name = reference.strip().split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return _UPLOAD_PREFIX.sub("", name) or None


def file_annotator(source: Any) -> str:
    """An annotator id taken from a file name (its stem)."""
    return Path(str(source)).stem


def shared_stem_names(stems: list[str]) -> list[str]:
    """Short, distinct names for files: their stems without the prefix and suffix they all share.

    ``venkat_CV-annotations-Arjun``, ``venkat_CV-annotations-Venkat`` → ``Arjun``, ``Venkat``.
    """
    if len(stems) < 2:
        return list(stems)
    prefix = _common_affix(stems, reverse=False)
    suffix = _common_affix([s[len(prefix):] for s in stems], reverse=True)
    names = [s[len(prefix):len(s) - len(suffix)] if len(s) - len(suffix) > len(prefix) else s for s in stems]
    names = [n.strip(" _-.") or s for n, s in zip(names, stems)]
    return names if len(set(names)) == len(names) else list(stems)


def _common_affix(texts: list[str], *, reverse: bool) -> str:
    seqs = [t[::-1] for t in texts] if reverse else texts
    n = 0
    for chars in zip(*seqs):
        if len(set(chars)) != 1:
            break
        n += 1
    common = seqs[0][:n]
    # cut back to a separator so a name is never split mid-word
    cut = max((common.rfind(sep) + 1 for sep in "_-. "), default=0)
    common = common[:cut]
    return common[::-1] if reverse else common


def reject_mapping(mapping: ColumnMapping, fmt: str, hint: str) -> None:
    """Tool exports have fixed fields: column options (item=, annotator=, …) would be silently ignored."""
    explicit = mapping.explicit()
    if explicit:
        names = {"item_id": "item", "annotator_id": "annotator", "label": "label", "duration_s": "duration"}
        shown = ", ".join(f"{names.get(k, k)}=" for k in explicit)
        raise InvalidParameterError(f"{shown} name table columns and do not apply to format '{fmt}'. {hint}")


def describe_file(path: Path, *, exclude: str = "") -> str:
    """A short description of what a file looks like (another tool's export, or a generic shape)."""
    from . import _REGISTRY  # the registry is complete by the time a file is read

    head = sniff_text(path)
    for name, reg in _REGISTRY.items():
        if name != exclude and reg.sniff is not None:
            try:
                if reg.sniff(path, head):
                    return f"a {_TOOL_NAMES.get(name, name)} export (format='{name}')"
            except AnnotationFileError:
                continue
    kind = table_kind(path)
    first = first_json_char(head)
    if first == "<":
        root = re.search(r"<([A-Za-z_][\w.-]*)[\s>/]", re.sub(r"<\?.*?\?>|<!--.*?-->", "", head, flags=re.S))
        return f"an XML document with root element <{root.group(1) if root else '?'}>"
    if first in "[{":
        keys = re.findall(r'"([^"\\]{1,60})"\s*:', head[:4000])
        shown = ", ".join(list(dict.fromkeys(keys))[:12])
        lines = kind == "jsonl" or (first == "{" and _one_json_line(head))
        shape = "JSON Lines" if lines else ("a JSON list" if first == "[" else "a JSON object")
        return f"{shape} with keys {shown or '(none)'}"
    header = head.strip().splitlines()[0] if head.strip() else ""
    return f"a text table starting with {header[:80] + ('…' if len(header) > 80 else '')!r}"


def _one_json_line(head: str) -> bool:
    text = head.strip()
    if "\n" not in text:
        return False
    try:
        loads(text.split("\n", 1)[0], where="the first line")
        return True
    except json.JSONDecodeError:
        return False


_TOOL_NAMES = {"labelstudio": "Label Studio", "cvat": "CVAT for images XML", "datumaro": "Datumaro JSON",
               "labelbox": "Labelbox", "sagemaker": "SageMaker Ground Truth"}


def expect_start(path: Path, fmt: str, expected: str, allowed: str, *, lines: bool | None = None) -> str:
    """Refuse a file whose first character cannot start this format (``allowed``: e.g. ``"[{"`` or ``"<"``).

    ``lines=False`` also refuses JSON Lines, ``lines=True`` requires them (``None``: either). Returns the head text.
    """
    head = sniff_text(path)
    first = first_json_char(head)
    if first not in tuple(allowed) or not head.strip():
        raise not_this_format(path, fmt, expected)
    if lines is not None and first == "{":
        is_lines = table_kind(path) == "jsonl" or _one_json_line(head)
        if is_lines != lines:
            raise not_this_format(path, fmt, expected)
    return head


def not_this_format(path: Path, fmt: str, expected: str) -> AnnotationFileError:
    """The error for a file that is not the format claimed, saying what it looks like instead."""
    looks = describe_file(path, exclude=fmt)
    advice = ("Pass that format=, or format='auto' to detect it." if "(format=" in looks
              else "Check that this is the export you meant, or pass format='auto'.")
    return AnnotationFileError(
        f"'{path.name}' is not a {_TOOL_NAMES.get(fmt, fmt)} export ({expected}): it looks like {looks}. {advice}"
    )
