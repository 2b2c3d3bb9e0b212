"""The HTML report: one self-contained, printable page rendered from a report's JSON content.

Every piece of text that comes from the data (labels, ids, file names, sentences quoting them) goes through
:func:`analytics.safety.escape_html`; the markup around it is written here. plotly.js is embedded once, inline
(no CDN), and every chart is a plotly ``div`` sized for A4 (see :mod:`analytics.report._charts`). Print CSS puts
each section on a new page and keeps charts and table rows whole.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable

from .._import_report import SKIP_REASONS
from ..safety import escape_html as esc

__all__ = ["render_html"]

#: Rows of a table shown in the HTML (the JSON holds them all).
MAX_TABLE_ROWS = 60

_CSS = """
:root { --good: #2e7d32; --bad: #d62728; --muted: #666; }
body { font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; margin: 0 auto; max-width: 760px;
       padding: 24px; line-height: 1.45; font-size: 14px; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 19px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin-top: 18px; }
.meta, .na, .note { color: var(--muted); } .na { font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 12px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.problem { border-left: 4px solid var(--bad); padding: 4px 10px; margin: 8px 0; background: #fff6f6; }
.ok-badge { color: var(--good); font-weight: 600; } .bad-badge { color: var(--bad); font-weight: 600; }
figure.chart { margin: 10px 0; break-inside: avoid; page-break-inside: avoid; }
nav ol { columns: 2; font-size: 13px; }
@page { size: A4; margin: 15mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav { display: none; }
  section { break-before: page; page-break-before: always; }
  section.first { break-before: auto; page-break-before: auto; }
  tr, .problem { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


# -- formatting ------------------------------------------------------------------------------------------------
def _num(v: Any, digits: int = 3) -> str:
    return "—" if v is None else f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else esc(v)


def _pct(v: Any) -> str:
    return "—" if v is None else f"{v:.1%}"


def _cell(v: Any, fmt: str) -> tuple[str, bool]:
    """(escaped HTML, numeric?) of one cell."""
    if isinstance(v, bool):
        return ("yes" if v else "no"), False
    if fmt == "pct":
        return _pct(v), True
    if fmt == "num" and isinstance(v, (int, float)):
        return _num(v), True
    if fmt == "int" and isinstance(v, (int, float)):
        return _num(int(v)), True
    if isinstance(v, list):
        return esc(", ".join(str(x) for x in v)), False
    return ("—" if v is None else esc(v)), False


Columns = list[tuple[str, str, str]]  # (key, header, format: text|num|pct|int)


def _table(records: list[dict[str, Any]], columns: Columns, *, limit: int = MAX_TABLE_ROWS) -> str:
    if not records:
        return '<p class="note">(none)</p>'
    head = "".join(f"<th>{esc(h)}</th>" for _, h, _ in columns)
    body = []
    for rec in records[:limit]:
        cells = []
        for key, _, fmt in columns:
            text, numeric = _cell(rec.get(key), fmt)
            cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f'<p class="note">{len(records) - limit:,} more row(s) in the JSON report.</p>'
            if len(records) > limit else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _p(text: Any, cls: str | None = None) -> str:
    return f'<p class="{cls}">{esc(text)}</p>' if cls else f"<p>{esc(text)}</p>"


def _list(items: Iterable[Any]) -> str:
    items = list(items)
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>" if items else ""


def _estimate(est: dict[str, Any], pct: bool = False) -> str:
    if est is None or est.get("value") is None:
        return "undefined" + (f" ({esc(est['reason'])})" if est and est.get("reason") else "")
    f = _pct if pct else _num
    return f"{f(est['value'])} ({est['confidence_level']:.0%} CI {f(est['ci_low'])}–{f(est['ci_high'])})"


def _facts(pairs: list[tuple[str, Any]]) -> str:
    return "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in pairs) + "</table>"


# -- sections ------------------------------------------------------------------------------------------------
_COEF: Columns = [("label", "coefficient", "text"), ("value", "value", "num"), ("ci_low", "CI low", "num"),
                  ("ci_high", "CI high", "num"), ("landis_koch", "Landis & Koch", "text"),
                  ("meets_target", "meets target", "text"), ("n_items", "items", "int")]


def _top_problems(d: dict) -> str:
    if not d["problems"]:
        return _p("Nothing falls short of the targets.", "ok-badge")
    return "".join(f'<div class="problem"><strong>{esc(p["headline"])}</strong><br>{esc(p["detail"])}'
                   f'<br><span class="note">Detail: {esc(p["where"])} · severity {p["severity"]:.2f}</span></div>'
                   for p in d["problems"])


def _agreement(d: dict) -> str:
    out = _p(d["sentence"]) + (_p(d["paradox_note"], "note") if d["kappa_paradox"] and d["paradox_note"] else "")
    out += "<!--chart:coefficients-->" + _table(d["coefficients"], _COEF)
    if d["by_round"]:
        out += "<h3>By round</h3><!--chart:rounds-->" + _table(d["by_round"], [("round", "round", "text")] + _COEF)
    return out


def _multilabel(d: dict) -> str:
    return f"<p>Krippendorff's alpha with the {esc(d['distance'].upper())} distance between tag sets: " \
           f"{_estimate(d['alpha'])}.</p>"


def _per_category(d: dict) -> str:
    what = "Per-tag kappa (each tag present/absent)" if d["method"] == "kappa_by_tag" else \
        "Per-category Fleiss kappa (the category against all others)"
    rows = sorted(d["rows"], key=lambda r: (r["kappa"] is None, r["kappa"] if r["kappa"] is not None else 0))
    return _p(what + "; weakest first.") + "<!--chart:per_category-->" + _table(rows, [
        ("category", "category", "text"), ("kappa", "kappa", "num"), ("ci_low", "CI low", "num"),
        ("ci_high", "CI high", "num"), ("prevalence", "prevalence", "pct"), ("n_items", "items", "int"),
        ("reason", "why undefined", "text")])


def _pairwise(d: dict) -> str:
    rows = sorted(d["rows"], key=lambda r: (r["kappa"] is None, r["kappa"] if r["kappa"] is not None else 0))
    return "<!--chart:pairwise-->" + _p("Lowest pairs first.", "note") + _table(rows, [
        ("annotator_a", "annotator", "text"), ("annotator_b", "annotator", "text"), ("kappa", "Cohen's kappa", "num"),
        ("ci_low", "CI low", "num"), ("ci_high", "CI high", "num"), ("n_items", "common items", "int")])


def _gold(d: dict) -> str:
    out = f"<p>Pooled accuracy on {d['n_gold_items']:,} gold items: {_estimate(d['overall'], True)}.</p>"
    if d["per_annotator_reason"]:
        return out + _p(d["per_annotator_reason"], "na")
    flagged = ", ".join(d["flagged"]) or "none"
    out += _p(f"Significantly below the {d['target']:.0%} target ({d['test_method']}): {flagged}.")
    return out + "<!--chart:gold_accuracy-->" + _table(d["rows"], [
        ("annotator_id", "annotator", "text"), ("n_gold", "gold items", "int"), ("accuracy", "accuracy", "pct"),
        ("ci_low", "CI low", "pct"), ("ci_high", "CI high", "pct"), ("p_adjusted", "p (Holm)", "num"),
        ("flagged", "flagged", "text"), ("evidence", "evidence", "text"), ("n_gold_needed", "gold needed", "int")])


def _gold_coverage(d: dict) -> str:
    missing = ", ".join(d["classes_without_gold"])
    return (_p(f"Classes without a gold item: {missing}.") if missing else "") + _table(d["by_class"], [
        ("category", "category", "text"), ("n_gold", "gold items", "int"), ("gold_share", "gold share", "pct"),
        ("annotation_share", "share of annotations", "pct")])


def _drift(d: dict) -> str:
    return _p(f"Declining within sessions: {', '.join(d['drifting']) or 'none'} ({d['test_method']}).") + _table(
        d["rows"], [("annotator_id", "annotator", "text"), ("accuracy_first_half", "first half", "pct"),
                    ("accuracy_second_half", "second half", "pct"), ("change", "change", "num"),
                    ("p_adjusted", "p (adjusted)", "num"), ("drift", "verdict", "text")])


def _speed(d: dict) -> str:
    return _p(d["rule"]) + _p(f"Flagged: {', '.join(d['flagged']) or 'none'}.") + "<!--chart:speed_accuracy-->" + _table(
        d["rows"], [("annotator_id", "annotator", "text"), ("median_duration_s", "median s", "num"),
                    ("accuracy", "accuracy", "pct"), ("ci_low", "CI low", "pct"), ("ci_high", "CI high", "pct"),
                    ("flagged", "flagged", "text")])


def _routing(d: dict) -> str:
    out = _p(d["rule"], "note") if d.get("rule") else ""
    out += "<!--chart:decisions-->" + _table(d["counts"], [("decision", "decision", "text"), ("n_items", "items", "int"),
                                                     ("share", "share", "pct")])
    out += _p(f"Review queue ({', '.join(d['queue_decisions'])}): {d['queue_size']:,} of {d['n_items']:,} items; "
              f"the {len(d['queue'])} most urgent:")
    return out + _table(d["queue"], [("item_id", "item", "text"), ("decision", "decision", "text"),
                                     ("votes", "votes", "text"), ("agreement", "agreement", "pct"),
                                     ("support", "support", "pct")])


def _hotspots(d: dict) -> str:
    return "<!--chart:hotspots-->" + _table(d["rows"], [
        ("class_a", "class", "text"), ("class_b", "class", "text"), ("n_disagreements", "disagreements", "num"),
        ("ratio", "× chance", "num"), ("score", "score", "num"), ("gold_verdict", "gold says", "text"),
        ("top_annotator", "top annotator", "text"), ("example_items", "examples", "text")])


def _recommendations(d: dict) -> str:
    return _p(d["sentence"]) + _table(d["rows"], [
        ("rank", "#", "int"), ("action", "action", "text"), ("classes", "classes", "text"),
        ("annotators", "annotators", "text"), ("status", "status", "text"), ("expected_effect", "expected effect", "text"),
        ("evidence", "evidence", "text")]) + _list(d["notes"])


def _unknown(d: dict) -> str:
    return _p(d["sentence"]) + "<!--chart:unknown_share-->" + _table(d["by_round"], [
        ("round", "round", "text"), ("n_unknown", "Unknown labels", "int"), ("share", "share", "pct"),
        ("ci_low", "CI low", "pct"), ("ci_high", "CI high", "pct"), ("status", "status", "text")])


def _balance(d: dict) -> str:
    return _p(f"Rare classes (too few items for a stable kappa): {', '.join(d['rare']) or 'none'}.") + _table(
        d["rows"], [("category", "category", "text"), ("n_items", "items (consensus)", "int"),
                    ("prevalence", "prevalence", "pct"), ("kappa", "kappa", "num"), ("ci_width", "CI width", "num"),
                    ("n_more_items", "more items needed", "int")])


def _rounds(d: dict) -> str:
    return _p(d["sentence"]) + _table(d["coefficients"], [
        ("label", "coefficient", "text"), ("before", f"round {d['rounds'][0]}", "num"),
        ("after", f"round {d['rounds'][1]}", "num"), ("difference", "change", "num"), ("ci_low", "CI low", "num"),
        ("ci_high", "CI high", "num"), ("significant", "significant", "text")])


def _taxonomy(d: dict) -> str:
    verdict = '<p class="ok-badge">No problem found.</p>' if d["ok"] else '<p class="bad-badge">Problems found:</p>'
    out = _p(f"{d['n_classes']} classes on {d['depth']} level(s); Unknown/Other class: {d['unknown_class'] or 'none'}.")
    out += verdict + (_table(d["issues"], [("kind", "kind", "text"), ("severity", "severity", "text"),
                                           ("message", "message", "text")]) if d["issues"] else "")
    if d["levels"]:
        out += "<h3>Agreement by level</h3>" + _table(d["levels"], [
            ("level", "level", "int"), ("node", "under", "text"), ("kappa", "kappa", "num"),
            ("ci_low", "CI low", "num"), ("ci_high", "CI high", "num"), ("n_categories", "classes", "int")])
    return out


def _model(d: dict) -> str:
    facts = _facts([("items compared", _num(d["n_items"])),
                    ("accuracy vs consensus", _estimate(d["accuracy_vs_consensus"], True)),
                    ("kappa vs consensus", _estimate(d["kappa_vs_consensus"])),
                    ("accuracy vs gold", _estimate(d["accuracy_vs_gold"], True)),
                    ("kappa vs gold", _estimate(d["kappa_vs_gold"])),
                    ("expected calibration error", _num(d["expected_calibration_error"])),
                    (f"below {d['threshold']:.0%} confidence", _pct(d["low_confidence_share"])),
                    ("confident disagreements", _num(d["n_confident_disagreements"]))])
    out = facts + "<!--chart:reliability--><!--chart:model_kappa-->" + "<h3>Per class</h3>" + _table(d["per_class"], [
        ("class", "class", "text"), ("precision", "precision", "pct"), ("recall", "recall", "pct"),
        ("f1", "F1", "num"), ("model_disagreement", "model disagrees", "pct"),
        ("human_disagreement", "people disagree", "pct")])
    out += "<h3>Confident disagreements (model sure, people say otherwise)</h3>" + _table(d["confident_disagreements"], [
        ("rank", "#", "int"), ("item_id", "item", "text"), ("model_label", "model", "text"),
        ("model_confidence", "confidence", "pct"), ("consensus_label", "people", "text"),
        ("consensus_share", "people's share", "pct"), ("gold_label", "gold", "text")])
    return out + _list(d["notes"])


def _label_errors(d: dict) -> str:
    out = _p(d["sentence"])
    out += _table(d["candidates"], [
        ("rank", "#", "int"), ("item_id", "item", "text"), ("given_label", "given", "text"),
        ("given_source", "from", "text"), ("suggested_label", "suggested", "text"),
        ("p_given_wrong", "P(given wrong)", "pct"), ("votes", "votes", "text"),
        ("people_p_given", "people: P(given)", "pct"), ("model_p_given", "model: P(given)", "pct"),
        ("signal", "signal", "text")])
    if d["excluded_by_reason"]:
        out += "<h3>Set apart (not label errors)</h3>" + _table(d["excluded_by_reason"], [
            ("reason", "reason", "text"), ("n_items", "items", "int")])
    return out + _list(d["notes"])


RENDERERS: dict[str, Callable[[dict], str]] = {
    "top_problems": _top_problems, "agreement": _agreement, "multilabel_agreement": _multilabel,
    "per_category": _per_category, "pairwise": _pairwise, "gold": _gold, "gold_coverage": _gold_coverage,
    "drift": _drift, "speed": _speed, "routing": _routing, "hotspots": _hotspots, "recommendations": _recommendations,
    "unknown": _unknown, "class_balance": _balance, "rounds": _rounds, "taxonomy": _taxonomy, "model_vs_human": _model,
    "label_errors": _label_errors,
}


def _import(role: str, rep: dict[str, Any]) -> str:
    badge = '<span class="ok-badge">all accounted for</span>' if rep["complete"] else \
        '<span class="bad-badge">does not add up</span>'
    out = (f"<h3>{esc(role.title())}: {esc(rep['source'])}</h3><p>Read {rep['rows_read']:,} {esc(rep['unit'])}(s) as "
           f"{esc(rep['format'])}: {rep['rows_kept']:,} kept + {rep['rows_skipped']:,} skipped = "
           f"{rep['rows_kept'] + rep['rows_skipped']:,} ({badge}); {rep['n_annotations']:,} annotations.</p>")
    reasons = [{"reason": k, "n": v, "meaning": SKIP_REASONS.get(k, "")} for k, v in rep["skipped_by_reason"].items()]
    if reasons:
        out += _table(reasons, [("reason", "skipped because", "text"), ("n", "entries", "int"), ("meaning", "meaning", "text")])
        out += _p(f"First {len(rep['skipped'])} of {rep['n_skipped_entries']:,} skipped entries:", "note")
        out += _table(rep["skipped"], [("source", "source", "text"), ("row", rep["unit"], "text"),
                                       ("reason", "reason", "text"), ("detail", "detail", "text"), ("scope", "scope", "text")])
    return out + _list(f"Warning: {w}" for w in rep["warnings"]) + _list(f"Note: {n}" for n in rep["notes"])


def _dataset(report: dict[str, Any]) -> str:
    d = report["dataset"]
    who = f"{d['n_annotators']:,}" if d["annotators_known"] else "anonymous (no ids)"
    out = _facts([("source", esc(d["source"])), ("format", esc(d["format"])), ("items", _num(d["n_items"])),
                   ("annotators", who), ("annotations", _num(d["n_annotations"])),
                   ("categories" if not d["multilabel"] else "tags", _num(d["n_categories"])),
                   ("ratings per item", f"{d['ratings_per_item_min']}–{d['ratings_per_item_max']} "
                                        f"(mean {d['ratings_per_item_mean']:.2f})"),
                   ("rounds", esc(", ".join(d["rounds"]) or "—")), ("gold items", _num(d["n_gold_items"])),
                   ("items with a model prediction", _num(d["n_predicted_items"])),
                   ("Unknown/Other class", esc(d["unknown_label"] or "—"))])
    out += "<!--chart:class_balance--><h3>What was read</h3>"
    for role, rep in report["imports"].items():
        if rep is not None:
            out += _import(role, rep)
    return out


def _charts(figures: dict[str, list[tuple[str, Any]]], key: str, html: str) -> str:
    """Put the section's charts at their ``<!--chart:NAME-->`` marks (escaped data cannot contain ``<``)."""
    for name, fig in figures.get(key, []):
        div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{key}-{name}",
                          config={"displaylogo": False, "responsive": False})
        html = html.replace("<!--chart:" + name + "-->", f'<figure class="chart" data-chart="{key}-{name}">{div}</figure>', 1)
    return re.sub(r"<!--chart:[a-z_]+-->", "", html)  # charts with nothing to draw


def render_html(report: dict[str, Any]) -> str:
    """The HTML page of a report dict (``QualityReport.to_dict()``)."""
    from plotly.offline import get_plotlyjs

    from ._charts import report_figures

    figures = report_figures(report)
    s = report["settings"]
    blocks = [("dataset", "Data and import", _charts(figures, "dataset", _dataset(report)), None, [])]
    for key, sec in report["sections"].items():
        body = _charts(figures, key, RENDERERS[key](sec["data"])) if sec["status"] == "ok" else \
            _p(f"Not applicable: {sec['reason']}", "na")
        blocks.append((key, sec["title"], body, sec["status"], sec["notes"]))
    order = ["top_problems", "dataset"] + [k for k, *_ in blocks if k not in ("top_problems", "dataset")]
    by_key = {b[0]: b for b in blocks}
    nav = "".join(f'<li><a href="#{k}">{esc(by_key[k][1])}</a>{" (n/a)" if by_key[k][3] == "not_applicable" else ""}'
                  "</li>" for k in order)
    parts = []
    for n, k in enumerate(order):
        key, title, body, _, notes = by_key[k]
        notes_html = (_p("Notes while computing this section:", "note") + _list(notes)) if notes else ""
        first = ' class="first"' if n == 0 else ""
        parts.append(f'<section id="{key}"{first}><h2>{esc(title)}</h2>{body}{notes_html}</section>')
    source = report["dataset"]["source"]
    meta = (f"{esc(source)} · built {esc(report['created_at'])} · agreement target {s['target']:.2f}, gold target "
            f"{s['gold_target']:.0%}, {s['confidence_level']:.0%} intervals")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Annotation quality report: {esc(source)}</title><style>{_CSS}</style>"
            f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
            f'<header><h1>Annotation quality report</h1><p class="meta">{meta}</p>'
            f"<nav><ol>{nav}</ol></nav></header>{''.join(parts)}"
            f'<footer><p class="note">annotation-qa {esc(report["generator"]["version"])} · report schema '
            f'{esc(report["schema_version"])}</p></footer></body></html>\n')
