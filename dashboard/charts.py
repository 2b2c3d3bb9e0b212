"""DataFrame → plotly figure. No Streamlit calls here; every chart has a title, axis titles and units."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.safety import escape_html

__all__ = ["category_balance_chart"]

_FONT = dict(family="Inter, Segoe UI, sans-serif", size=13)


def category_balance_chart(balance: pd.DataFrame, *, unknown: str | None = None) -> go.Figure:
    """Horizontal bars: number of labels per category, the Unknown/Other class highlighted."""
    data = balance.sort_values("n_labels")
    colors = ["#d62728" if c == unknown else "#4c78a8" for c in data["category"]]
    fig = go.Figure(go.Bar(
        x=data["n_labels"], y=[escape_html(c) for c in data["category"]],  # plotly renders HTML in text
        orientation="h", marker_color=colors,
        customdata=data["share"], hovertemplate="%{y}: %{x:,} labels (%{customdata:.1%})<extra></extra>",
    ))
    fig.update_layout(
        title="Class balance: labels per category", font=_FONT, height=max(260, 24 * len(data) + 110),
        margin=dict(l=10, r=10, t=50, b=40), xaxis_title="labels (count)", yaxis_title="category",
        yaxis=dict(type="category"),  # numeric class names ("0".."9") must stay categories
    )
    return fig
