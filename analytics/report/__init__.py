"""The report: everything the analyses say about a pilot in one object — :class:`QualityReport` (JSON following
``analytics/report/schema.json``, and a self-contained HTML page with its charts), the quality gates for a vendor's
delivery (:func:`check_gates`) the project manager's top problems (:func:`top_problems`), and the guideline draft drawn from the class cards
(:func:`render_guideline_html`, :func:`render_guideline_markdown`, :func:`write_guideline`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public names of this package's modules, imported on first use (PEP 562).
_LAZY: dict[str, str] = {
    "SCHEMA_VERSION": ".quality_report",
    "QualityReport": ".quality_report",
    "Section": ".quality_report",
    "ReportSettings": ".quality_report",
    "build_report": ".quality_report",
    "report_schema": ".quality_report",
    "chart_export_unavailable": ".quality_report",
    "Gate": ".gates",
    "GateReport": ".gates",
    "check_gates": ".gates",
    "Problem": ".overview",
    "top_problems": ".overview",
    "render_guideline_html": ".guideline_html",
    "write_guideline": ".guideline_html",
    "render_guideline_markdown": ".guideline_markdown",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # static analysers see the eager imports
    from .quality_report import (
        build_report,
        chart_export_unavailable,
        QualityReport,
        report_schema,
        ReportSettings,
        SCHEMA_VERSION,
        Section,
    )
    from .gates import check_gates, Gate, GateReport
    from .overview import Problem, top_problems
    from .guideline_html import render_guideline_html, write_guideline
    from .guideline_markdown import render_guideline_markdown

__all__ = [
    "SCHEMA_VERSION",
    "QualityReport",
    "Section",
    "ReportSettings",
    "build_report",
    "report_schema",
    "chart_export_unavailable",
    "Gate",
    "GateReport",
    "check_gates",
    "Problem",
    "top_problems",
    "render_guideline_html",
    "write_guideline",
    "render_guideline_markdown",
]
