"""Charts of the Model vs human page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._style import BAD, FONT, GOOD, NEUTRAL, finish, safe

__all__ = ["side_by_side_confusion", "reliability_chart", "model_kappa_chart"]


def side_by_side_confusion(human: pd.DataFrame, model: pd.DataFrame) -> go.Figure:
    """Human–human confusion (coincidences, row-normalized) next to consensus × model confusion."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=["people vs people (how often a label meets another)",
                                        "people (consensus) vs model"])
    for col, (matrix, hover) in enumerate([(human, "label %{y} met %{x}: %{z:.1%}"),
                                           (model, "consensus %{y}, model %{x}: %{z:.1%}")], start=1):
        z = matrix.to_numpy(dtype=float)
        off = z.copy()
        np.fill_diagonal(off, np.nan)  # colour the confusions; the diagonal would wash them out
        fig.add_trace(go.Heatmap(z=off, x=safe(matrix.columns), y=safe(matrix.index), coloraxis="coloraxis",
                                 text=[[f"{v:.0%}" if v >= 0.005 else "" for v in row] for row in z],
                                 texttemplate="%{text}" if len(matrix) <= 15 else None,
                                 hovertemplate=hover + "<extra></extra>"), row=1, col=col)
    n = len(human)
    fig.update_xaxes(type="category", title_text="other label / model label")
    fig.update_yaxes(type="category", autorange="reversed", title_text="label / consensus")
    fig.update_layout(title=dict(text="Where people confuse classes, and where the model does (off-diagonal shares)", x=0),
                      font=FONT, height=max(420, 30 * n + 180), margin=dict(l=10, r=10, t=90, b=60),
                      coloraxis=dict(colorscale="Reds", colorbar=dict(title="share of row", tickformat=".0%")))
    return fig


def reliability_chart(reliability: pd.DataFrame) -> go.Figure:
    """Reliability curve: the model's confidence against how often it agrees with the reference, per bin."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration",
                             line=dict(dash="dash", color="#999")))
    for target, part in reliability.groupby("target", sort=False):
        part = part[part["count"] > 0]
        fig.add_trace(go.Scatter(x=part["confidence"], y=part["accuracy"], mode="lines+markers",
                                 name=f"vs {safe([target])[0]}", marker=dict(size=np.clip(np.sqrt(part["count"]) * 2, 5, 22)),
                                 customdata=part["count"], line=dict(color=GOOD if target == "gold" else NEUTRAL),
                                 hovertemplate="confidence %{x:.2f}: accuracy %{y:.1%} (%{customdata} items)<extra></extra>"))
    return finish(fig, title="Calibration: model confidence vs how often it is right", x="model confidence (top probability)",
                  y="accuracy in the bin (share)", height=400, xaxis=dict(range=[0, 1.02]),
                  yaxis=dict(range=[0, 1.02], tickformat=".0%"))


def model_kappa_chart(table: pd.DataFrame) -> go.Figure:
    """The model's kappa with each annotator next to that annotator's mean kappa with the other people."""
    fig = go.Figure()
    names = safe(table["annotator_id"])
    fig.add_trace(go.Bar(x=names, y=table["kappa"], name="model vs this annotator", marker_color=BAD,
                         hovertemplate="%{x}: κ %{y:.2f}<extra>model</extra>"))
    fig.add_trace(go.Bar(x=names, y=table["mean_kappa_with_annotators"], name="this annotator vs the other people",
                         marker_color=NEUTRAL, hovertemplate="%{x}: κ %{y:.2f}<extra>people</extra>"))
    return finish(fig, title="The model as one more annotator: Cohen's kappa", x="annotator", y="Cohen's kappa",
                  barmode="group", yaxis=dict(range=[0, 1.02]), xaxis=dict(type="category"))
