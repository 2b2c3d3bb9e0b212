"""What every importer hands to validation: canonical columns plus the bookkeeping of the import.

Importers only *read*: they turn their format into one row per annotation with the canonical
columns (``item_id``, ``annotator_id``, ``label`` and any of ``round``, ``timestamp``, ``duration_s``,
``image``; extra columns are kept for slicing), a ``_source``/``_row`` pair pointing back to the
input record, and the records they had to skip. All checks of the data contract happen once, in
:func:`analytics._validate.validate_annotations`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from .._coded import Coded
from .._import_report import ImportReport

__all__ = ["RawAnnotations", "combine_raw"]


@dataclass
class RawAnnotations:
    """An importer's output, before validation (mutable builder; not part of the public API).

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per annotation: canonical columns (labels as text, or a list/tuple of tags), extra
        columns, and ``_source``/``_row`` (the input record it came from).
    source, format, unit : str
        See :class:`~analytics._import_report.ImportReport`.
    rows_read : int
        Input records read (whatever ``unit`` is).
    skipped : list of dict
        ``{"source", "row", "reason", "detail"}`` for every record (or annotation) skipped while reading.
    warnings : list of str
    label_field : str or None
    column_mapping : dict
    multilabel : bool or None
        ``True`` when the format itself says labels are tag sets, ``None`` when unknown.
    annotators_known : bool
        ``False`` for layouts without annotator identities (item × category counts, a CVAT file
        with no annotator given); ``annotator_id`` is then missing.
    gold : pandas.DataFrame or None
        Gold labels carried by the export itself (``item_id``, ``gold_label``), if any.
    predictions : analytics.io.Predictions or None
        Model predictions carried by the export itself (Label Studio tasks), if any.
    coded : dict
        Canonical columns held as :class:`~analytics._coded.Coded` codes instead of in ``frame`` (tables read
        with Arrow: ``item_id``, ``annotator_id``, ``label``, ``round``); row *k* of each is row *k* of ``frame``.
        :meth:`plain` puts them into the frame for code that reads the frame's columns.
    column_order : list or None
        With ``coded``: every column's name (coded or in ``frame``, ``_source``/``_row`` aside) in the input's order.
    """

    frame: pd.DataFrame
    source: str
    format: str
    unit: str
    rows_read: int
    skipped: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    label_field: str | None = None
    column_mapping: dict[str, str] = field(default_factory=dict)
    multilabel: bool | None = None
    annotators_known: bool = True
    gold: pd.DataFrame | None = None
    predictions: Any = None
    coded: dict[str, Coded] = field(default_factory=dict)
    column_order: list[str] | None = None

    @property
    def columns(self) -> list[str]:
        """Every column (coded or in the frame) in the input's order, then ``_source``/``_row``."""
        if not self.coded:
            return list(self.frame.columns)
        order = list(self.column_order or []) + [c for c in self.coded if c not in (self.column_order or [])]
        return order + [c for c in self.frame.columns if c not in order]

    def plain(self) -> "RawAnnotations":
        """The same annotations with every coded column decoded into ``frame`` (object columns, None = missing),
        in the input's column order."""
        if not self.coded:
            return self
        data = {c: (self.coded[c].series(self.frame.index) if c in self.coded else self.frame[c]) for c in self.columns}
        frame = pd.DataFrame(data, index=self.frame.index, copy=False)
        frame["_source"] = frame["_source"].astype(object)
        return replace(self, frame=frame, coded={}, column_order=None)

    def skip(self, row: Any, reason: str, detail: str = "") -> None:
        """Record one skipped input record."""
        self.skipped.append({"source": self.source, "row": row, "reason": reason, "detail": detail})

    def report(self, *, kept_rows: "set[tuple[Any, Any]]", n_annotations: int, extra_skipped: list[dict[str, Any]],
               extra_warnings: list[str], label_normalizations: dict[str, str],
               n_kept: int | None = None) -> ImportReport:
        """Freeze the bookkeeping into an :class:`ImportReport` after validation.

        ``kept_rows`` holds the ``(source, row)`` (row as text) of records that contributed an annotation —
        every such record, or at least those that also appear among the skipped entries when ``n_kept``
        gives the number of kept records. Skipped entries of kept records get ``scope="annotation"``,
        the others ``scope="row"``.
        """
        entries, seen = [], set()
        for entry in self.skipped + extra_skipped:
            key = (entry["source"], str(entry["row"]), entry["reason"])
            if key in seen:
                continue
            seen.add(key)
            scope = "annotation" if (entry["source"], str(entry["row"])) in kept_rows else "row"
            entries.append({**entry, "scope": scope})
        skipped = pd.DataFrame(entries, columns=["source", "row", "reason", "detail", "scope"])
        rows_kept = len(kept_rows) if n_kept is None else n_kept
        return ImportReport(
            source=self.source,
            format=self.format,
            unit=self.unit,
            rows_read=int(self.rows_read),
            rows_kept=int(rows_kept),
            skipped=skipped.astype(object),
            warnings=tuple(self.warnings + extra_warnings),
            notes=tuple(self.notes),
            label_field=self.label_field,
            column_mapping=dict(self.column_mapping),
            label_normalizations=dict(label_normalizations),
            n_annotations=int(n_annotations),
        )


def _distinct_sources(parts: list[RawAnnotations]) -> list[RawAnnotations]:
    """Files with the same name (``train.json`` of two folders) get ``(file N)`` added to their source.

    The import report tells records apart by ``(source, row)``; two files named alike would otherwise
    merge their records, and the accounting would no longer add up.
    """
    names = [p.source for p in parts]
    if len(set(names)) == len(names):
        return parts
    out = []
    for i, p in enumerate(parts, start=1):
        if names.count(p.source) == 1:
            out.append(p)
            continue
        source = f"{p.source} (file {i})"
        frame = p.frame.copy()
        frame["_source"] = source
        out.append(replace(p, frame=frame, source=source, skipped=[{**e, "source": source} for e in p.skipped]))
    return out


def combine_raw(parts: list[RawAnnotations]) -> RawAnnotations:
    """Concatenate the outputs of several files (each keeps its ``_source``, made distinct between files)."""
    if len(parts) == 1:
        return parts[0]
    parts = _distinct_sources([p.plain() for p in parts])
    formats = sorted({p.format for p in parts})
    units = sorted({p.unit for p in parts})
    multilabel_flags = {p.multilabel for p in parts} - {None}
    golds = [p.gold for p in parts if p.gold is not None]
    predictions = _one_predictions(parts)  # before the warnings are gathered: it may add one
    mapping: dict[str, str] = {}
    for p in parts:
        for k, v in p.column_mapping.items():
            mapping.setdefault(k, v)
    return RawAnnotations(
        frame=pd.concat([p.frame for p in parts], ignore_index=True),
        source=", ".join(p.source for p in parts),
        format="+".join(formats),
        unit=units[0] if len(units) == 1 else "record",
        rows_read=sum(p.rows_read for p in parts),
        skipped=[s for p in parts for s in p.skipped],
        warnings=[w for p in parts for w in p.warnings],
        notes=[n for p in parts for n in p.notes],
        label_field=", ".join(sorted({p.label_field for p in parts if p.label_field})) or None,
        column_mapping=mapping,
        multilabel=True if True in multilabel_flags else (False if multilabel_flags else None),
        annotators_known=all(p.annotators_known for p in parts),
        gold=pd.concat(golds, ignore_index=True) if golds else None,
        predictions=predictions,
    )


def _one_predictions(parts: list[RawAnnotations]) -> Any:
    """The predictions carried by several files: those of the one file that has them (else none, explained)."""
    held = [p for p in parts if p.predictions is not None]
    if len(held) > 1:
        held[0].warnings.append(f"{len(held)} of the files carry model predictions; only those of "
                                f"'{held[0].source}' are attached. Attach one predictions table with predictions=.")
    return held[0].predictions if held else None
