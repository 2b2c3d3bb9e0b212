"""Charts of the Annotators page (the vendor's audit)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ._style import BAD, FONT, GOOD, MUTED, NEUTRAL, finish, safe

__all__ = ["gold_accuracy_chart", "confusion_heatmap", "drift_chart", "speed_accuracy_chart", "ds_vs_gold_chart"]


def gold_accuracy_chart(table: pd.DataFrame, *, target: float) -> go.Figure:
    """Golden-set accuracy per annotator with its Wilson interval and the target line; flagged in red."""
    data = table.sort_values("accuracy")
    colors = [BAD if f else (MUTED if e != "enough" else NEUTRAL) for f, e in zip(data["flagged"], data["evidence"])]
    fig = go.Figure(go.Scatter(
        x=data["accuracy"], y=safe(data["annotator_id"]), mode="markers", marker=dict(size=11, color=colors),
        error_x=dict(type="data", symmetric=False, array=data["ci_high"] - data["accuracy"],
                     arrayminus=data["accuracy"] - data["ci_low"], color="#555"),
        customdata=np.stack([data["n_correct"], data["n_gold"], data["ci_low"], data["ci_high"]], axis=1),
        hovertemplate="%{y}: %{x:.1%} (%{customdata[0]}/%{customdata[1]} gold items; "
                      "interval %{customdata[2]:.1%}–%{customdata[3]:.1%})<extra></extra>"))
    fig.add_vline(x=target, line_dash="dash", line_color=GOOD, annotation_text=f"target {target:.0%}")
    return finish(fig, title="Golden-set accuracy per annotator (95% Wilson interval)",
                  x="accuracy on gold items (share)", y="annotator", height=max(280, 40 * len(data) + 120),
                  xaxis=dict(tickformat=".0%", range=[max(0.0, float(data["ci_low"].min()) - 0.05), 1.01]),
                  yaxis=dict(type="category"))


def confusion_heatmap(matrix: pd.DataFrame, *, title: str, x: str, y: str, normalized: bool) -> go.Figure:
    """A confusion matrix as a heatmap (rows: reference class; columns: given label)."""
    z = matrix.to_numpy(dtype=float)
    text = [[("" if np.isnan(v) else (f"{v:.0%}" if normalized else f"{v:.0f}")) for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=safe(matrix.columns), y=safe(matrix.index), text=text, texttemplate="%{text}", colorscale="Blues",
        hovertemplate=f"{y}: %{{y}}<br>{x}: %{{x}}<br>%{{z:{'.1%' if normalized else '.0f'}}}<extra></extra>",
        colorbar=dict(title="share" if normalized else "count")))
    n = len(matrix)
    return finish(fig, title=title, x=x, y=y, height=max(360, 28 * n + 140),
                  xaxis=dict(type="category", side="bottom"), yaxis=dict(type="category", autorange="reversed"))


def drift_chart(series: pd.DataFrame, *, drifting: list[str]) -> go.Figure:
    """Rolling accuracy along each annotator's work order, one panel per session (round); drifting annotators red."""
    from plotly.subplots import make_subplots

    data = series.dropna(subset=["rolling_accuracy"])
    sessions = sorted(data["session"].astype(str).unique()) if len(data) else ["1"]
    fig = make_subplots(rows=1, cols=len(sessions), shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[f"session / round {html.escape(s)}" for s in sessions])
    palette = ["#4c78a8", "#72b7b2", "#54a24b", "#b279a2", "#9d755d", "#bab0ac", "#eeca3b", "#ff9da6"]
    for k, (annotator, part) in enumerate(data.groupby("annotator_id", sort=True)):
        bad = annotator in drifting
        name = safe([annotator])[0]
        for col, session in enumerate(sessions, start=1):
            seg = part[part["session"].astype(str) == session]
            fig.add_trace(go.Scatter(
                x=seg["position"], y=seg["rolling_accuracy"], mode="lines", name=name, legendgroup=name,
                showlegend=col == 1, line=dict(width=3 if bad else 1.5, color=BAD if bad else palette[k % len(palette)]),
                hovertemplate="annotation #%{x}: %{y:.0%}<extra>" + name + "</extra>"), row=1, col=col)
    fig.update_xaxes(title_text="annotation number within the session")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])  # every panel: an accuracy is 0–100 %
    fig.update_yaxes(title_text="rolling accuracy (share)", row=1, col=1)
    fig.update_layout(title=dict(text="Accuracy over each annotator's work order (rolling window)", x=0.0),
                      font=FONT, height=400, margin=dict(l=10, r=10, t=80, b=90),
                      legend=dict(orientation="h", y=-0.3))
    return fig


def speed_accuracy_chart(table: pd.DataFrame) -> go.Figure:
    """Median seconds per annotation against accuracy; flagged (fast and inaccurate) annotators in red."""
    colors = [BAD if f else NEUTRAL for f in table["flagged"]]
    fig = go.Figure(go.Scatter(
        x=table["median_duration_s"], y=table["accuracy"], mode="markers+text", text=safe(table["annotator_id"]),
        textposition="top center", marker=dict(size=13, color=colors),
        error_y=dict(type="data", symmetric=False, array=table["ci_high"] - table["accuracy"],
                     arrayminus=table["accuracy"] - table["ci_low"], color="#999"),
        hovertemplate="%{text}: median %{x:.1f} s, accuracy %{y:.1%}<extra></extra>"))
    return finish(fig, title="Speed vs accuracy per annotator", x="median time per annotation (seconds)",
                  y="accuracy (share)", yaxis=dict(tickformat=".0%"))


def ds_vs_gold_chart(frame: pd.DataFrame) -> go.Figure:
    """Dawid–Skene's estimated accuracy per annotator, next to golden-set accuracy when there is gold."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=safe(frame["annotator_id"]), y=frame["ds_accuracy"], name="Dawid–Skene estimate (all items)",
                         marker_color=NEUTRAL, hovertemplate="%{x}: %{y:.1%}<extra>Dawid–Skene</extra>"))
    with_gold = "gold_accuracy" in frame and frame["gold_accuracy"].notna().any()
    if with_gold:
        fig.add_trace(go.Bar(x=safe(frame["annotator_id"]), y=frame["gold_accuracy"], name="golden set",
                             marker_color=GOOD, hovertemplate="%{x}: %{y:.1%}<extra>gold</extra>"))
    title = ("Estimated accuracy: Dawid–Skene (all items) vs golden set" if with_gold
             else "Estimated accuracy per annotator: Dawid–Skene (all items, no gold)")
    return finish(fig, title=title, x="annotator",
                  y="accuracy (share)", barmode="group", yaxis=dict(tickformat=".0%", range=[0, 1.02]),
                  xaxis=dict(type="category"))
