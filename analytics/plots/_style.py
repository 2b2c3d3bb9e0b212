"""Shared chart styling and escaping of user-provided text (labels, ids, file names)."""

from __future__ import annotations

from typing import Iterable

import plotly.graph_objects as go

from analytics.safety import escape_html

FONT = dict(family="Inter, Segoe UI, sans-serif", size=13)
GOOD, BAD, NEUTRAL, MUTED = "#2e7d32", "#d62728", "#4c78a8", "#9e9e9e"
DECISION_COLORS = {"accept": GOOD, "senior_review": "#f2a900", "adjudicate": BAD, "needs_overlap": MUTED}


def safe(values: Iterable[object]) -> list[str]:
    """Escape user-provided text for hover labels and tick text (plotly renders HTML in text)."""
    return [escape_html(v) for v in values]


def finish(fig: go.Figure, *, title: str, x: str, y: str, height: int = 380, **layout) -> go.Figure:
    """Title, axis titles (with units), font and margins every chart carries."""
    fig.update_layout(title=dict(text=title, x=0.0, xanchor="left"), font=FONT, height=height,
                      margin=dict(l=10, r=10, t=60, b=80), xaxis_title=x, yaxis_title=y,
                      legend=dict(orientation="h", y=-0.28), **layout)
    return fig
