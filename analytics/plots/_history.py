"""Charts of the History page: trends across the deliveries of a workspace, each point with its interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ._style import BAD, GOOD, MUTED, NEUTRAL, finish, safe

__all__ = ["trend_chart", "agreement_trend_chart", "class_kappa_trend_chart", "gold_trend_chart",
           "unknown_trend_chart", "balance_trend_chart", "decision_check_chart"]

#: Above this many deliveries, intervals are drawn as shaded bands instead of error bars.
BAND_ABOVE = 20

_PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#eeca3b", "#9d755d", "#bab0ac",
            "#ff9da6"]


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _by_group(frame: pd.DataFrame, group: str, order: list[str], max_groups: int | None = None):
    """``(name, rows in delivery order)`` per group, in order of first appearance: one sort and one split instead of
    a filter of the whole frame per group."""
    x_of = {name: k for k, name in enumerate(order)}
    data = frame.assign(_x=frame["delivery"].map(x_of)).sort_values("_x", kind="stable")
    parts = dict(list(data.groupby(group, sort=False, dropna=False)))
    names = list(dict.fromkeys(frame[group]))
    return [(name, parts[name]) for name in (names if max_groups is None else names[:max_groups])]


def trend_chart(frame: pd.DataFrame, *, value: str, low: str, high: str, group: str, title: str, y: str,
                order: list[str], flags: str | None = None, flag_name: str = "significant drop",
                percent: bool = False, max_groups: int = 12) -> go.Figure:
    """One line per ``group`` across deliveries (x in ``order``), with error bars from ``low`` to ``high`` (shaded
    bands above :data:`BAND_ABOVE` deliveries, each one closed path); points where ``flags`` is true are ringed in
    red.

    The traces are plain dicts validated once by the figure (not one ``go.Scatter`` and ``add_trace`` each): a
    hundred deliveries build in a fraction of the time, and a band is one trace instead of two.
    """
    scale = 100.0 if percent else 1.0
    bands = len(order) > BAND_ABOVE  # many deliveries: shaded interval bands (one path per series), not error bars
    traces: list[dict] = []
    for k, (name, part) in enumerate(_by_group(frame, group, order, max_groups)):
        label = safe([name])[0]
        v = part[value].to_numpy(dtype=float) * scale
        hi, lo = part[high].to_numpy(float) * scale, part[low].to_numpy(float) * scale
        color = _PALETTE[k % len(_PALETTE)]
        x = safe(part["delivery"])
        if bands:
            ok = np.isfinite(hi) & np.isfinite(lo)
            xs = [name for name, keep in zip(x, ok) if keep]
            traces.append(dict(type="scatter", x=xs + xs[::-1], y=np.concatenate([hi[ok], lo[ok][::-1]]),
                               mode="lines", line=dict(width=0), fill="toself", fillcolor=_rgba(color, 0.15),
                               showlegend=False, hoverinfo="skip", legendgroup=str(k)))
        traces.append(dict(
            type="scatter", x=x, y=v, mode="lines" if bands else "lines+markers", name=label, line=dict(color=color),
            legendgroup=str(k), error_y=None if bands else dict(
                type="data", symmetric=False, array=np.nan_to_num(hi - v), arrayminus=np.nan_to_num(v - lo),
                thickness=1),
            hovertemplate="%{x}: %{y:.3f}<extra>" + label + "</extra>"))
        if flags is not None and part[flags].any():
            hit = part[part[flags].astype(bool)]
            traces.append(dict(type="scatter", x=safe(hit["delivery"]), y=hit[value].to_numpy(float) * scale,
                               mode="markers", name=f"{label}: {flag_name}", showlegend=True,
                               marker=dict(size=16, color="rgba(0,0,0,0)", line=dict(color=BAD, width=3))))
    fig = go.Figure(data=traces)
    return _many(finish(fig, title=title, x="delivery (in the order added)", y=y, height=440,
                        xaxis=dict(type="category", categoryorder="array", categoryarray=safe(order))), order)


def _many(fig: go.Figure, order: list[str]) -> go.Figure:
    """Room for the slanted delivery names under a long axis, the legend below them.

    Above :data:`BAND_ABOVE` deliveries the margins are set here from the longest name and the legend's entries,
    with Plotly's automatic margins off: with them, a hundred slanted tick labels and the legend push the margins
    and Plotly draws the whole chart again (measured: a third of the History page's drawing time in the browser).
    """
    if len(order) <= BAND_ABOVE:
        return fig
    longest = max((len(name) for name in order), default=1)
    names = [t.name for t in fig.data if t.showlegend is not False and t.name]
    rows = 1 + sum(len(n) + 6 for n in names) * 15 // (2 * 800)  # ~7.5 px a character (entry: name + symbol)
    bottom = min(15 * longest // 2 + 12, 260) + 44 + 26 * rows  # slanted names (capped), axis title, legend rows
    fig.update_layout(height=330 + 60 + bottom, margin=dict(l=70, b=bottom),
                      legend=dict(yref="container", y=0, yanchor="bottom"))
    fig.update_xaxes(automargin=False, tickangle=-90)
    fig.update_yaxes(automargin=False)
    return fig


def agreement_trend_chart(agreement: pd.DataFrame, order: list[str]) -> go.Figure:
    """Every agreement coefficient across deliveries with its interval; significant drops ringed."""
    data = agreement.assign(drop=agreement["status"] == "drop")
    return trend_chart(data, value="value", low="ci_low", high="ci_high", group="label", order=order,
                       flags="drop", title="Agreement across deliveries (bars or bands: 95% intervals; red ring: a "
                       "significant drop vs the previous delivery)", y="coefficient value")


def class_kappa_trend_chart(per_class: pd.DataFrame, order: list[str], classes: list[str] | None = None) -> go.Figure:
    data = per_class if classes is None else per_class[per_class["category"].isin(classes)]
    data = data.assign(drop=data["status"] == "drop")
    return trend_chart(data, value="kappa", low="ci_low", high="ci_high", group="category", order=order, flags="drop",
                       title="Per-class kappa across deliveries (bars: 95% intervals; red ring: a significant drop)",
                       y="per-class kappa")


def gold_trend_chart(gold: pd.DataFrame, order: list[str]) -> go.Figure:
    return trend_chart(gold, value="accuracy", low="ci_low", high="ci_high", group="annotator_id", order=order,
                       flags="fell", flag_name="accuracy fell significantly", percent=True,
                       title="Gold accuracy per annotator across deliveries (Wilson 95% intervals; red ring: fell "
                             "significantly, Fisher exact test with Holm)", y="accuracy on gold items (%)")


def unknown_trend_chart(unknown: pd.DataFrame, order: list[str]) -> go.Figure:
    data = unknown[unknown["status"] != "not measured"].assign(
        alarm=lambda d: d["status"] == "alarm", label=lambda d: "Unknown/Other share")
    return trend_chart(data, value="share", low="ci_low", high="ci_high", group="label", order=order, flags="alarm",
                       flag_name="growth alarm", percent=True,
                       title="Unknown/Other share across deliveries (Wilson 95% intervals; red ring: the growth alarm)",
                       y="share of labels (%)")


def balance_trend_chart(balance: pd.DataFrame, order: list[str]) -> go.Figure:
    """Each class's share of the labels across deliveries, as stacked areas (one path per class, so hundreds of
    deliveries draw as fast as a few)."""
    traces = []
    for k, (name, part) in enumerate(_by_group(balance, "category", order)):
        color = BAD if str(name).casefold() in ("unknown", "other") else _PALETTE[k % len(_PALETTE)]
        label = safe([name])[0]
        traces.append(dict(type="scatter", x=safe(part["delivery"]), y=100.0 * part["share"].to_numpy(float),
                           name=label, mode="lines", stackgroup="share", line=dict(width=0.5, color=color),
                           hovertemplate="%{x}: %{y:.1f}%<extra>" + label + "</extra>"))
    return _many(finish(go.Figure(data=traces), title="Class balance across deliveries (share of labels, stacked)",
                        x="delivery (in the order added)", y="share of labels (%)", height=440,
                        xaxis=dict(type="category", categoryorder="array", categoryarray=safe(order)),
                        yaxis=dict(range=[0, 100])), order)


def decision_check_chart(checks: pd.DataFrame) -> go.Figure:
    """Predicted vs observed Fleiss' kappa after each decision, per later delivery, with the observed interval."""
    fig = go.Figure()
    names = safe(checks["label"])
    fig.add_trace(go.Bar(x=names, y=checks["kappa_before"], name="before (its delivery)", marker_color=MUTED))
    fig.add_trace(go.Bar(x=names, y=checks["predicted_after"], name="predicted by the what-if", marker_color=NEUTRAL))
    fig.add_trace(go.Bar(x=names, y=checks["kappa_after"], name="observed in the later delivery", marker_color=GOOD,
                         error_y=dict(type="data", array=np.nan_to_num(1.96 * checks["se_after"].to_numpy(float)))))
    return finish(fig, title="Did the decision work? Fleiss' kappa before, predicted and observed",
                  x="decision · later delivery", y="Fleiss' kappa", barmode="group", height=420)
