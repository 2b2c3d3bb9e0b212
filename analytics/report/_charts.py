"""The charts of a report, drawn from its JSON content with the shared chart functions of :mod:`analytics.plots`.

Working from the report's JSON (``QualityReport.to_dict()``) keeps one source of truth: the HTML report, the
optional PNG/PDF images and a report re-rendered from a saved JSON file show the same numbers. Charts are
sized for an A4 page (:data:`PAGE_WIDTH_PX`); a chart is left out when its table has no finite value to draw.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PAGE_WIDTH_PX", "report_figures"]

#: Width of every chart: an A4 page (210 mm) less 15 mm margins, at the CSS 96 px per inch.
PAGE_WIDTH_PX = 680
#: Pairwise heatmaps are drawn up to this many annotators (the JSON holds every pair).
MAX_HEATMAP_ANNOTATORS = 60

_NUMERIC = ("value", "ci_low", "ci_high", "kappa", "accuracy", "share", "n_items", "n_labels", "n_gold", "n_correct",
            "median_duration_s", "score", "n_disagreements", "ratio", "share_of_disagreements", "n_unknown", "count",
            "confidence", "mean_kappa_with_annotators", "standard_error")


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows of the JSON as a DataFrame whose numeric columns are floats (JSON null → NaN)."""
    frame = pd.DataFrame.from_records(records)
    for column in frame.columns:
        if column in _NUMERIC:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def _finite(frame: pd.DataFrame, *columns: str) -> bool:
    return len(frame) > 0 and all(c in frame and np.isfinite(frame[c].to_numpy(dtype=float)).any() for c in columns)


def _ok(sections: dict[str, Any], key: str) -> dict[str, Any] | None:
    section = sections.get(key) or {}
    return section.get("data") if section.get("status") == "ok" else None


def report_figures(report: dict[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    """Section key → ``[(chart name, plotly Figure), …]`` for a report dict (see ``QualityReport.to_dict``)."""
    from .. import plots

    target = float(report["settings"]["target"])
    sections = report["sections"]
    out: dict[str, list[tuple[str, Any]]] = {}

    def add(key: str, name: str, fig: Any) -> None:
        fig.update_layout(width=PAGE_WIDTH_PX, autosize=False)
        out.setdefault(key, []).append((name, fig))

    counts = _frame(report["dataset"]["label_counts"])
    if _finite(counts, "n_labels"):
        add("dataset", "class_balance", plots.category_balance_chart(counts, unknown=report["dataset"]["unknown_label"]))
    if (data := _ok(sections, "agreement")) is not None:
        table = _frame(data["coefficients"])
        if _finite(table, "value", "ci_low", "ci_high"):
            add("agreement", "coefficients", plots.coefficients_chart(table, target=target))
        by_round = _frame(data["by_round"])
        if by_round.get("round", pd.Series(dtype=object)).nunique() >= 2 and _finite(by_round, "value", "ci_low", "ci_high"):
            add("agreement", "rounds", plots.rounds_chart(by_round, target=target))
    if (data := _ok(sections, "per_category")) is not None:
        frame = _frame(data["rows"])
        if _finite(frame, "kappa"):
            add("per_category", "per_category", plots.per_category_chart(frame, target=target))
    if (data := _ok(sections, "pairwise")) is not None:
        pairs = _frame(data["rows"])
        if _finite(pairs, "kappa") and len(data["annotators"]) <= MAX_HEATMAP_ANNOTATORS:
            add("pairwise", "pairwise", plots.pairwise_heatmap(pairs, data["annotators"]))
    if (data := _ok(sections, "gold")) is not None:
        table = _frame(data["rows"])
        if _finite(table, "accuracy", "ci_low"):
            add("gold", "gold_accuracy", plots.gold_accuracy_chart(table.dropna(subset=["accuracy"]),
                                                                   target=float(data["target"])))
    if (data := _ok(sections, "speed")) is not None:
        table = _frame(data["rows"])
        if _finite(table, "median_duration_s", "accuracy"):
            add("speed", "speed_accuracy", plots.speed_accuracy_chart(table))
    if (data := _ok(sections, "routing")) is not None:
        add("routing", "decisions", plots.decision_chart(_frame(data["counts"])))
    if (data := _ok(sections, "hotspots")) is not None:
        frame = _frame(data["rows"])
        if _finite(frame, "score"):
            add("hotspots", "hotspots", plots.hotspots_chart(frame))
    if (data := _ok(sections, "unknown")) is not None:
        by_round = _frame(data["by_round"])
        if _finite(by_round, "share", "ci_low", "ci_high"):
            add("unknown", "unknown_share", plots.unknown_share_chart(by_round, unknown=data["unknown_label"]))
    if (data := _ok(sections, "model_vs_human")) is not None:
        reliability = _frame(data["reliability"])
        if _finite(reliability, "confidence", "accuracy"):
            add("model_vs_human", "reliability", plots.reliability_chart(reliability))
        kappas = _frame(data["kappa_by_annotator"])
        if _finite(kappas, "kappa"):
            add("model_vs_human", "model_kappa", plots.model_kappa_chart(kappas))
    return out
