"""Charts of the Data page."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ._style import FONT, safe

__all__ = ["category_balance_chart"]


def category_balance_chart(balance: pd.DataFrame, *, unknown: str | None = None) -> go.Figure:
    """Horizontal bars: number of labels per category, the Unknown/Other class highlighted."""
    data = balance.sort_values("n_labels")
    colors = ["#d62728" if c == unknown else "#4c78a8" for c in data["category"]]
    fig = go.Figure(go.Bar(
        x=data["n_labels"], y=safe(data["category"]), orientation="h", marker_color=colors,
        customdata=data["share"], hovertemplate="%{y}: %{x:,} labels (%{customdata:.1%})<extra></extra>",
    ))
    fig.update_layout(
        title="Class balance: labels per category", font=FONT, height=max(260, 24 * len(data) + 110),
        margin=dict(l=10, r=10, t=50, b=40), xaxis_title="labels (count)", yaxis_title="category",
        yaxis=dict(type="category"),  # numeric class names ("0".."9") must stay categories
    )
    return fig
