"""Charts of the Overview and Agreement pages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ._style import BAD, GOOD, MUTED, NEUTRAL, finish, safe

__all__ = ["coefficients_chart", "pairwise_heatmap", "per_category_chart", "rounds_chart"]


def _interval(fig: go.Figure, data: pd.DataFrame, x: str, y: str, color, name: str | None = None) -> None:
    fig.add_trace(go.Scatter(
        x=data[x], y=y if isinstance(y, list) else data[y], mode="markers", name=name, showlegend=name is not None,
        marker=dict(size=11, color=color),
        error_x=dict(type="data", symmetric=False, array=(data["ci_high"] - data[x]).fillna(0),
                     arrayminus=(data[x] - data["ci_low"]).fillna(0), color="#555"),
        customdata=np.stack([data["ci_low"], data["ci_high"]], axis=1),
        hovertemplate="%{y}: %{x:.3f} (95% CI %{customdata[0]:.3f}–%{customdata[1]:.3f})<extra></extra>"))


def coefficients_chart(table: pd.DataFrame, *, target: float) -> go.Figure:
    """Every coefficient with its interval against the target (green: lower bound above the target); coefficients
    that cannot be measured (no value or no interval) are left out."""
    data = table[table["value"].notna() & table["ci_low"].notna() & table["ci_high"].notna()].iloc[::-1]
    colors = [GOOD if lo >= target else (BAD if v < target else "#f2a900")
              for v, lo in zip(data["value"], data["ci_low"])]
    fig = go.Figure()
    _interval(fig, data, "value", safe(data["label"]), colors)
    fig.add_vline(x=target, line_dash="dash", line_color=GOOD, annotation_text=f"target {target:.2f}")
    lo = float(np.nanmin(data["ci_low"])) if len(data) else 0.0
    return finish(fig, title="Agreement coefficients with 95% intervals", x="coefficient value (1 = perfect agreement)",
                  y="coefficient", height=max(280, 42 * len(data) + 120),
                  xaxis=dict(range=[min(lo - 0.05, target - 0.1), 1.02]), yaxis=dict(type="category"))


def per_category_chart(frame: pd.DataFrame, *, target: float) -> go.Figure:
    """Per-category kappa with intervals, weakest first; red when the whole interval is below the target."""
    data = frame[frame["kappa"].notna()].sort_values("kappa", ascending=False)
    colors = [BAD if hi < target else (GOOD if lo >= target else NEUTRAL) for lo, hi in zip(data["ci_low"], data["ci_high"])]
    fig = go.Figure()
    _interval(fig, data, "kappa", safe(data["category"]), colors)
    fig.add_vline(x=target, line_dash="dash", line_color=GOOD, annotation_text=f"target {target:.2f}")
    return finish(fig, title="Per-category kappa (Fleiss 1971) with 95% intervals", x="kappa of the category (present vs absent)",
                  y="category", height=max(300, 26 * len(data) + 130), yaxis=dict(type="category"))


def pairwise_heatmap(pairs: pd.DataFrame, annotators: list[str]) -> go.Figure:
    """Annotator × annotator Cohen's kappa (symmetric; diagonal blank)."""
    index = {a: i for i, a in enumerate(annotators)}
    z = np.full((len(annotators), len(annotators)), np.nan)
    n = np.zeros_like(z)
    for row in pairs.itertuples(index=False):
        i, j = index[row.annotator_a], index[row.annotator_b]
        z[i, j] = z[j, i] = row.kappa
        n[i, j] = n[j, i] = row.n_items
    text = [["" if np.isnan(v) else f"{v:.2f}" for v in r] for r in z]
    names = safe(annotators)
    fig = go.Figure(go.Heatmap(z=z, x=names, y=names, text=text, texttemplate="%{text}" if len(names) <= 20 else None,
                               zmin=0, zmax=1, colorscale="RdYlGn", customdata=n, colorbar=dict(title="kappa"),
                               hovertemplate="%{y} × %{x}: κ %{z:.3f} on %{customdata:.0f} common items<extra></extra>"))
    return finish(fig, title="Cohen's kappa for every pair of annotators", x="annotator", y="annotator",
                  height=max(380, 30 * len(names) + 160), xaxis=dict(type="category"),
                  yaxis=dict(type="category", autorange="reversed"))


def rounds_chart(by_round: pd.DataFrame, *, target: float) -> go.Figure:
    """Each coefficient per round, with intervals: did the guideline change help?"""
    fig = go.Figure()
    palette = [MUTED, NEUTRAL, GOOD, "#b279a2", "#f2a900"]
    for k, (rnd, part) in enumerate(by_round.groupby("round", sort=False)):
        part = part[part["value"].notna()]
        _interval(fig, part, "value", safe(part["label"]), palette[k % len(palette)], name=f"round {safe([rnd])[0]}")
    fig.add_vline(x=target, line_dash="dash", line_color=GOOD)
    for k, trace in enumerate(fig.data):
        trace.offsetgroup, trace.orientation = str(k), "h"  # rounds side by side within each row
    return finish(fig, title="Round over round: every coefficient with its 95% interval", x="coefficient value",
                  y="coefficient", height=max(320, 60 * by_round["coefficient"].nunique() + 120),
                  yaxis=dict(type="category"), scattermode="group", scattergap=0.4,
                  xaxis=dict(range=[min(float(np.nanmin(by_round["ci_low"])), target) - 0.05,
                                    min(1.02, max(float(np.nanmax(by_round["ci_high"])), target) + 0.05)]))
