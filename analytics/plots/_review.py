"""Charts of the Review queue page."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ._style import DECISION_COLORS, finish

__all__ = ["decision_chart", "detection_power_chart"]

DECISION_TITLES = {"accept": "accept (all agree)", "senior_review": "senior review (majority with dissent)",
                   "adjudicate": "adjudicate (no majority)", "needs_overlap": "needs overlap (one rating)"}


def decision_chart(summary: pd.DataFrame) -> go.Figure:
    """Items per routing decision."""
    fig = go.Figure(go.Bar(
        x=summary["n_items"], y=[DECISION_TITLES.get(d, d) for d in summary["decision"]], orientation="h",
        marker_color=[DECISION_COLORS.get(d, "#888") for d in summary["decision"]], customdata=summary["share"],
        hovertemplate="%{y}: %{x:,} items (%{customdata:.1%})<extra></extra>"))
    return finish(fig, title="Blind-overlap routing: items per decision", x="items (count)", y="decision",
                  height=300, yaxis=dict(type="category", autorange="reversed"))


def detection_power_chart(power: pd.DataFrame) -> go.Figure:
    """Probability that the audit sample contains at least one error, by true error rate."""
    fig = go.Figure(go.Scatter(x=power["error_rate"], y=power["p_detect"], mode="lines+markers",
                               hovertemplate="error rate %{x:.0%}: %{y:.1%} chance to see ≥1 error<extra></extra>"))
    return finish(fig, title="Audit power: chance the sample catches at least one error", x="true error rate (share)",
                  y="probability (share)", height=320, xaxis=dict(tickformat=".0%"), yaxis=dict(tickformat=".0%", range=[0, 1.02]))
