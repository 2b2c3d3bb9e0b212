"""The quality report: everything the analyses say about a labeling pilot, in one object, as JSON and HTML.

:class:`QualityReport` runs every analysis that applies to an :class:`~analytics.AnnotationSet` — agreement
(summary, per round, per category, per annotator pair; Krippendorff's alpha on tag sets), the golden-set audit
(accuracy with Wilson intervals and Holm-corrected flags, coverage, drift, speed), review routing, confusion
hotspots, taxonomy recommendations, the Unknown/Other share, class balance, round-over-round change, the
taxonomy check, model vs human, label errors, and the project manager's top problems — and records, for every section that
does not apply (no gold, no predictions, a multi-label set, anonymous annotators, a single round …), the reason.
It also carries the import reports, whose accounting always adds up: ``rows_read == rows_kept + rows_skipped``.

**JSON** (:meth:`QualityReport.to_dict`, :meth:`~QualityReport.to_json`): a documented, versioned format. The
JSON Schema (draft 2020-12) is ``analytics/report/schema.json`` (:func:`report_schema`); ``schema_version``
follows ``MAJOR.MINOR``: a new optional key raises MINOR, a removed or changed key raises MAJOR. Every
section object has ``title``, ``status`` (``"ok"`` or ``"not_applicable"``), ``reason`` (why not, else null),
``notes`` (warnings met while computing it, e.g. an undefined statistic) and ``data`` (null when not
applicable). Undefined numbers (NaN) are ``null``.

**HTML** (:meth:`~QualityReport.to_html`): one self-contained file — plotly.js is embedded once, inline, so it
opens without a network — printable on A4 (each section starts a page; charts fit the page width). Every label,
id and file name is HTML-escaped, so a label ``<script>alert(1)</script>`` shows as text.

**Chart images** (:meth:`~QualityReport.write_chart_images`): PNG/PDF/SVG files of the charts through the
optional ``kaleido`` package with the system Chromium; :func:`chart_export_unavailable` says why it cannot run.

Examples
--------
>>> from analytics.samples import load_sample
>>> report = QualityReport.from_annotations(load_sample("retail"))
>>> report.schema_version, report.section("agreement").status, report.section("model_vs_human").status
('2.1', 'ok', 'not_applicable')
>>> report.imports["annotations"].is_complete
True
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union

import pandas as pd

from .._atomic import atomic_target, write_text_atomic
from .._import_report import ImportReport
from .._progress import ProgressCallback, resolve_progress
from ._sections import COMPUTE_ORDER, SECTIONS, ReportSettings, rows
from ..exceptions import AnnotationQAError, InvalidParameterError

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["SCHEMA_VERSION", "QualityReport", "Section", "ReportSettings", "build_report", "report_schema",
           "chart_export_unavailable"]

#: Version of the JSON format (``MAJOR.MINOR``), written into every report as ``schema_version``.
SCHEMA_VERSION = "2.1"
_SCHEMA_PATH = Path(__file__).with_name("schema.json")
_MAX_NOTES = 10
_DATASET_KEYS = ("n_items", "n_annotators", "n_annotations", "n_categories", "categories", "multilabel",
                 "annotators_known", "rounds", "ratings_per_item_min", "ratings_per_item_max", "ratings_per_item_mean",
                 "n_gold_items", "n_predicted_items", "unknown_label", "taxonomy_levels")
_IMPORT_KEYS = ("source", "format", "unit", "rows_read", "rows_kept", "rows_skipped", "n_annotations", "label_field",
                "column_mapping", "label_normalizations", "skipped_by_reason", "warnings", "notes")


@dataclass(frozen=True)
class Section:
    """One section of a report.

    Attributes
    ----------
    key, title : str
        Identifier (``"agreement"``) and heading.
    status : {"ok", "not_applicable"}
    reason : str or None
        Why the section does not apply to this set (the analysis's own message).
    notes : tuple of str
        Warnings raised while computing it (undefined statistics, data-quality remarks).
    data : dict or None
        The JSON content documented in ``schema.json`` (None when not applicable).
    result : object
        The analysis result(s) behind ``data`` (e.g. an :class:`~analytics.AgreementSummary`); not serialized.
    """

    key: str
    title: str
    status: Literal["ok", "not_applicable"]
    reason: str | None = None
    notes: tuple[str, ...] = ()
    data: dict[str, Any] | None = None
    result: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "status": self.status, "reason": self.reason, "notes": list(self.notes),
                "data": self.data}


def _run_section(key: str, title: str, builder: Any, aset: "AnnotationSet", settings: ReportSettings,
                 earlier: dict[str, Section] | None = None) -> Section:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if key == "top_problems" and earlier is not None:  # reuses the sections it summarizes
                data, result = builder(aset, settings, {k: (v.status, v.result) for k, v in earlier.items()})
            else:
                data, result = builder(aset, settings)
        except AnnotationQAError as exc:
            return Section(key, title, "not_applicable", reason=str(exc))
    notes = tuple(dict.fromkeys(str(w.message) for w in caught))[:_MAX_NOTES]
    return Section(key, title, "ok", notes=notes, data=data, result=result)


def _import_dict(report: ImportReport | None, max_listed: int) -> dict[str, Any] | None:
    if report is None:
        return None
    full = report.to_dict()
    out = {k: full[k] for k in _IMPORT_KEYS}
    out["complete"] = bool(report.is_complete)
    out["n_skipped_entries"] = int(len(report.skipped))
    out["skipped"] = full["skipped"][:max_listed]
    return out


def _dataset(aset: "AnnotationSet") -> dict[str, Any]:
    from .._reshape import category_totals

    summary = aset.summary()
    out: dict[str, Any] = {"source": str(aset.report.source), "format": str(aset.report.format)}
    out.update({k: summary[k] for k in _DATASET_KEYS})
    out["categories"] = [str(c) for c in out["categories"]]
    out["rounds"] = [str(r) for r in out["rounds"]]
    totals = category_totals(aset)
    counts = pd.DataFrame({"category": list(aset.categories), "n_labels": totals.astype("int64"),
                           "share": totals / max(float(totals.sum()), 1.0)})
    out["label_counts"] = rows(counts, ["category", "n_labels", "share"])
    return out


@dataclass(frozen=True)
class QualityReport:
    """Every analysis of an annotation set, with the reason for each that does not apply.

    Build one with :meth:`from_annotations` (or :func:`build_report`). See the module docstring for the JSON
    and HTML formats.

    Attributes
    ----------
    schema_version : str
        :data:`SCHEMA_VERSION`.
    created_at : str
        ISO 8601 time (UTC) the report was built.
    settings : ReportSettings
        ``target`` (agreement), ``gold_target``, ``confidence_level``, ``max_listed`` (rows of long lists kept:
        review queue, confident disagreements, skipped rows), ``device`` (model vs human).
    dataset : dict
        What was analysed: sizes, categories, rounds, and labels per category (``label_counts``).
    imports : dict
        ``{"annotations": ImportReport, "gold": ImportReport | None, "predictions": ImportReport | None}``.
    sections : tuple of Section
        In report order; every key of :data:`SECTION_KEYS` is present.
    """

    schema_version: str
    created_at: str
    settings: ReportSettings
    dataset: dict[str, Any]
    imports: dict[str, ImportReport | None]
    sections: tuple[Section, ...]

    @classmethod
    def from_annotations(
        cls, annotations: "AnnotationSet", *, target: float = 0.8, gold_target: float = 0.9,
        confidence_level: float = 0.95, max_listed: int = 25, device: str = "auto",
        progress: Union[ProgressCallback, bool, None] = None,
    ) -> "QualityReport":
        """Run every analysis on ``annotations``.

        Parameters
        ----------
        annotations : AnnotationSet
        target : float
            Agreement target (the field's bar for kappa is 0.8).
        gold_target : float
            Golden-set accuracy an annotator should reach; annotators significantly below it are flagged.
        confidence_level : float
            Of every interval.
        max_listed : int
            Rows kept of long lists (review queue, confident disagreements, skipped input rows).
        device : str
            Device of the model-vs-human computation (``"auto"``, ``"cpu"``, ``"cuda"``).
        progress : callable, bool or None
            ``progress(done, total)`` after each section; ``True`` draws a bar on standard error.

        Returns
        -------
        QualityReport

        Raises
        ------
        InvalidParameterError
            An option out of range, or ``annotations`` not an AnnotationSet.
        """
        from .._reshape import is_distributed
        from .._schema import AnnotationSet

        if not (isinstance(annotations, AnnotationSet) or is_distributed(annotations)):
            raise InvalidParameterError(
                f"QualityReport needs an AnnotationSet (from analytics.load_annotations), got {type(annotations).__name__}.")
        settings = ReportSettings(target=target, gold_target=gold_target, confidence_level=confidence_level,
                                  max_listed=max_listed, device=device)
        callback = resolve_progress(progress)
        total = len(SECTIONS)
        if callback:
            callback(0, total)
        computed: dict[str, Section] = {}
        for done, (key, title, builder) in enumerate(COMPUTE_ORDER, start=1):
            computed[key] = _run_section(key, title, builder, annotations, settings, computed)
            if callback:
                callback(done, total)
        sections = [computed[key] for key, _, _ in SECTIONS]
        return cls(schema_version=SCHEMA_VERSION, created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   settings=settings, dataset=_dataset(annotations),
                   imports={"annotations": annotations.report, "gold": annotations.gold_report,
                            "predictions": annotations.predictions_report},
                   sections=tuple(sections))

    # -- access ----------------------------------------------------------------------------------------------
    def section(self, key: str) -> Section:
        """The section ``key`` (one of :data:`SECTION_KEYS`)."""
        for s in self.sections:
            if s.key == key:
                return s
        raise InvalidParameterError(f"No report section {key!r}; sections: {', '.join(SECTION_KEYS)}.")

    @property
    def not_applicable(self) -> dict[str, str]:
        """Section key → reason, for the sections that do not apply."""
        return {s.key: s.reason or "" for s in self.sections if not s.ok}

    # -- JSON ------------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data following ``schema.json``."""
        from .. import __version__

        return {
            "schema_version": self.schema_version,
            "generator": {"name": "annotation-qa", "version": __version__},
            "created_at": self.created_at,
            "settings": {"target": self.settings.target, "gold_target": self.settings.gold_target,
                         "confidence_level": self.settings.confidence_level, "max_listed": int(self.settings.max_listed)},
            "dataset": self.dataset,
            "imports": {k: _import_dict(v, self.settings.max_listed) for k, v in self.imports.items()},
            "sections": {s.key: s.to_dict() for s in self.sections},
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text (strict JSON: no NaN)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def write_json(self, path: "str | os.PathLike[str]") -> Path:
        """Write :meth:`to_json` to ``path`` atomically (the previous file stays whole if anything fails).

        Raises
        ------
        OutputWriteError
            The file could not be written (the message names it).
        """
        out = Path(path)
        write_text_atomic(out, self.to_json())
        return out

    # -- HTML and images -------------------------------------------------------------------------------------
    def figures(self) -> dict[str, list[tuple[str, Any]]]:
        """Section key → ``[(name, plotly Figure), …]``: the report's charts."""
        from ._charts import report_figures

        return report_figures(self.to_dict())

    def to_html(self) -> str:
        """One self-contained, printable HTML page (plotly.js inline; every user text escaped)."""
        from ._html import render_html

        return render_html(self.to_dict())

    def write_html(self, path: "str | os.PathLike[str]") -> Path:
        """Write :meth:`to_html` to ``path`` atomically (see :meth:`write_json`)."""
        out = Path(path)
        write_text_atomic(out, self.to_html())
        return out

    def write_chart_images(self, folder: "str | os.PathLike[str]", *, format: Literal["png", "pdf", "svg"] = "png",
                           scale: float = 2.0) -> list[Path]:
        """Write every chart as an image file through kaleido (optional) and the system Chromium.

        Raises
        ------
        ImportError
            kaleido (or a Chromium it can drive) is not available; :func:`chart_export_unavailable` says why.
        InvalidParameterError
            An unknown ``format``.
        """
        if format not in ("png", "pdf", "svg"):
            raise InvalidParameterError(f"format must be 'png', 'pdf' or 'svg', not {format!r}.")
        why = chart_export_unavailable()
        if why:
            raise ImportError(why)
        if not os.environ.get("BROWSER_PATH") and _system_chromium():
            os.environ["BROWSER_PATH"] = str(_system_chromium())  # kaleido ≥ 1 (choreographer) reads it
        import plotly.io as pio

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        figures, written = [], []
        for k, (key, charts) in enumerate(self.figures().items(), start=1):
            for name, fig in charts:
                figures.append(fig)
                written.append(folder / f"{k:02d}_{key}_{name}.{format}")
        with contextlib.ExitStack() as stack:  # each image lands atomically (temp file beside it, then a rename)
            temporary = [str(stack.enter_context(atomic_target(path))) for path in written]
            if hasattr(pio, "write_images"):  # plotly >= 6.1: one browser session for all charts (~6x faster)
                pio.write_images(fig=figures, file=temporary, format=format, scale=scale)
            else:
                for fig, tmp in zip(figures, temporary):
                    fig.write_image(tmp, format=format, scale=scale)  # atomic: tmp is atomic_target's
        return written


#: Keys of the report's sections, in order.
SECTION_KEYS: tuple[str, ...] = tuple(key for key, _, _ in SECTIONS)


def build_report(annotations: "AnnotationSet", **options: Any) -> QualityReport:
    """Same as :meth:`QualityReport.from_annotations` (options are keyword-only)."""
    return QualityReport.from_annotations(annotations, **options)


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return _SCHEMA_PATH.read_text(encoding="utf-8")


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :meth:`QualityReport.to_dict` for :data:`SCHEMA_VERSION`."""
    return json.loads(_schema_text())


_CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def chart_export_unavailable() -> str | None:
    """Why chart images cannot be written here (None when they can): kaleido missing, or no Chromium for it.

    kaleido ≥ 1 drives a Chrome/Chromium through ``choreographer``; when ``BROWSER_PATH`` is not set,
    :meth:`QualityReport.write_chart_images` points it at the first system Chromium on ``PATH``.
    """
    if importlib.util.find_spec("kaleido") is None:
        return ("Chart images need the optional package kaleido (pip install 'kaleido>=1'), which drives the "
                "system Chromium; it is not installed. The JSON and HTML reports do not need it.")
    return None


def _system_chromium() -> str | None:
    return next((shutil.which(name) for name in _CHROMIUM_CANDIDATES if shutil.which(name)), None)
