"""The HTML report: one self-contained, printable page rendered from a report's JSON content by jinja2.

The page is the template ``templates/report.html.j2``; each section's body is a macro of
``templates/sections.html.j2`` named after the section's key, and the CSS is ``templates/report.css``. The
environment has autoescaping on, so every value from the data (labels, ids, file names, sentences quoting them)
is escaped where the template prints it, without a call at each site; the helpers here return plain text.
Only two pieces are passed as markup, both built here from trusted parts: plotly.js, embedded once, inline (no
CDN), and each chart's plotly ``div`` (plotly writes the data as JSON; see :mod:`analytics.report._charts`,
which sizes the charts for A4). Print CSS puts each section on a new page and keeps charts and table rows whole.
"""

from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup

from .._import_report import SKIP_REASONS
from .._wording import count_noun

__all__ = ["render_html", "environment", "ENVIRONMENT"]

#: Rows of a table shown in the HTML (the JSON holds them all).
MAX_TABLE_ROWS = 60


# -- formatting (plain text: the template escapes it) --------------------------------------------------------
def _num(v: Any, digits: int = 3) -> str:
    return "—" if v is None else f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)


def _pct(v: Any) -> str:
    return "—" if v is None else f"{v:.1%}"


def _cell(v: Any, fmt: str) -> tuple[str, bool]:
    """(text, numeric?) of one table cell; ``fmt`` is ``text``, ``num``, ``pct`` or ``int``."""
    if isinstance(v, bool):
        return ("yes" if v else "no"), False
    if fmt == "pct":
        return _pct(v), True
    if fmt == "num" and isinstance(v, (int, float)):
        return _num(v), True
    if fmt == "int" and isinstance(v, (int, float)):
        return _num(int(v)), True
    if isinstance(v, list):
        return ", ".join(str(x) for x in v), False
    return ("—" if v is None else str(v)), False


def _estimate(est: dict[str, Any] | None, pct: bool = False) -> str:
    """``value (95% CI low–high)``, or ``undefined (reason)``."""
    if est is None or est.get("value") is None:
        return "undefined" + (f" ({est['reason']})" if est and est.get("reason") else "")
    f = _pct if pct else _num
    return f"{f(est['value'])} ({est['confidence_level']:.0%} CI {f(est['ci_low'])}–{f(est['ci_high'])})"


def _weakest_first(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Rows by ``key`` ascending, undefined (None) last."""
    return sorted(rows, key=lambda r: (r[key] is None, r[key] if r[key] is not None else 0))


def _with_diagnosis_labels(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hotspot rows with each pair's diagnosis in words (``class_overlap`` -> what it means)."""
    from ..taxonomy.pairs import DIAGNOSIS_LABELS

    return [{**r, "diagnosis": DIAGNOSIS_LABELS.get(r.get("diagnosis"), r.get("diagnosis"))} for r in rows]


def _skip_reasons(rep: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"reason": k, "n": v, "meaning": SKIP_REASONS.get(k, "")} for k, v in rep["skipped_by_reason"].items()]


def environment() -> jinja2.Environment:
    """The jinja2 environment of the report templates: autoescaping on for every template, undefined names fail."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("analytics.report", "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(num=_num, pct=_pct, fmt=format)
    env.globals.update(cell=_cell, estimate=_estimate, weakest_first=_weakest_first, skip_reasons=_skip_reasons,
                       count_noun=count_noun, with_diagnosis_labels=_with_diagnosis_labels,
                       MAX_TABLE_ROWS=MAX_TABLE_ROWS)
    return env


#: The one environment (jinja2 compiles each template once per environment); this module loads with the first report.
ENVIRONMENT = environment()


def _chart_divs(figures: dict[str, list[tuple[str, Any]]], key: str) -> dict[str, Markup]:
    """The section's charts by name, as plotly ``div`` markup (a macro places each; absent ones draw nothing)."""
    out = {}
    for name, fig in figures.get(key, []):
        div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{key}-{name}",
                          config={"displaylogo": False, "responsive": False})
        out[name] = Markup(f'<figure class="chart" data-chart="{key}-{name}">{div}</figure>')
    return out


def render_html(report: dict[str, Any]) -> str:
    """The HTML page of a report dict (``QualityReport.to_dict()``)."""
    from plotly.offline import get_plotlyjs

    from ._charts import report_figures

    figures = report_figures(report)
    sections = [{"key": "dataset", "title": "Data and import", "status": "ok", "reason": None, "notes": [],
                 "data": None}]
    sections += [{"key": key, **{k: sec[k] for k in ("title", "status", "reason", "notes", "data")}}
                 for key, sec in report["sections"].items()]
    order = {"top_problems": 0, "dataset": 1}
    sections.sort(key=lambda s: order.get(s["key"], 2))  # stable: the other sections keep the report's order
    for s in sections:
        s["charts"] = _chart_divs(figures, s["key"])
    template = ENVIRONMENT.get_template("report.html.j2")
    return template.render(report=report, sections=sections, plotly_js=Markup(get_plotlyjs()))
