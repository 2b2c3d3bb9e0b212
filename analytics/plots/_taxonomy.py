"""Charts of the Confusion & taxonomy page (the guideline author's view)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ._style import BAD, GOOD, MUTED, NEUTRAL, finish, safe

__all__ = ["hotspots_chart", "taxonomy_sunburst", "whatif_chart", "unknown_share_chart"]

#: Bar colour of each pair diagnosis (:data:`analytics.taxonomy.pairs.PAIR_DIAGNOSES`).
DIAGNOSIS_COLORS = {"annotator_confusion": NEUTRAL, "class_overlap": BAD, "gold_split": "#b279a2",
                    "not_enough_evidence": MUTED}
_DIAGNOSIS_WORDS = {"annotator_confusion": "particular annotators confuse them", "class_overlap": "the classes overlap",
                    "gold_split": "gold itself is split", "not_enough_evidence": "not enough evidence"}


def hotspots_chart(hotspots: pd.DataFrame) -> go.Figure:
    """Ranked class pairs: how much merging each pair would raise alpha, coloured by the pair's diagnosis."""
    data = hotspots.iloc[::-1]
    names = [f"{a} ↔ {b}" for a, b in zip(safe(data["class_a"]), safe(data["class_b"]))]
    diagnosis = data["diagnosis"].fillna("not_enough_evidence")
    fig = go.Figure()
    for value, colour in DIAGNOSIS_COLORS.items():  # one trace per diagnosis: the legend names the colours
        rows = (diagnosis == value).to_numpy()
        if not rows.any():
            continue
        part = data[rows]
        fig.add_trace(go.Bar(
            x=part["score"], y=[n for n, keep in zip(names, rows) if keep], orientation="h", marker_color=colour,
            name=_DIAGNOSIS_WORDS[value],
            customdata=np.stack([part["n_disagreements"], part["ratio"], part["share_of_disagreements"]], axis=1),
            hovertemplate="%{y}: score %{x:.3f}<br>%{customdata[0]:.0f} pairs of disagreeing ratings, "
                          "%{customdata[1]:.1f}× chance, %{customdata[2]:.0%} of all disagreements<br>"
                          f"{_DIAGNOSIS_WORDS[value]}<extra></extra>"))
    fig = finish(fig, title="Confusion hotspots: class pairs ranked by what merging them would gain",
                 x="score (rise of Krippendorff's alpha if the two were merged)", y="class pair",
                 height=max(300, 32 * len(data) + 140),
                 yaxis=dict(type="category", categoryorder="array", categoryarray=names))
    fig.update_layout(legend_title_text="why people disagree")
    return fig


def taxonomy_sunburst(nodes: pd.DataFrame) -> go.Figure:
    """The taxonomy as a sunburst: size = labels under the node, colour = agreement (kappa) at the node."""
    fig = go.Figure(go.Sunburst(
        ids=safe(nodes["id"]), labels=safe(nodes["name"]), parents=safe(nodes["parent"]), values=nodes["n_labels"],
        branchvalues="total", marker=dict(colors=nodes["kappa"].fillna(1.0), colorscale="RdYlGn", cmin=0.3, cmax=1.0,
                                           colorbar=dict(title="kappa")),
        customdata=np.stack([nodes["kappa"].fillna(np.nan), nodes["what"]], axis=1),
        hovertemplate="%{label}: %{value:,} labels<br>%{customdata[1]}: κ %{customdata[0]:.2f}<extra></extra>"))
    fig.update_layout(title=dict(text="Taxonomy coloured by agreement (red = people disagree here)", x=0), height=520,
                      margin=dict(l=10, r=10, t=60, b=10))
    return fig


def whatif_chart(delta: pd.DataFrame) -> go.Figure:
    """Every coefficient before and after a simulated merge or split, with the paired interval of the change."""
    fig = go.Figure()
    labels = safe(delta["label"])
    fig.add_trace(go.Bar(y=labels, x=delta["before"], orientation="h", name="now", marker_color=MUTED,
                         hovertemplate="%{y}: %{x:.3f}<extra>now</extra>"))
    fig.add_trace(go.Bar(y=labels, x=delta["after"], orientation="h", name="after the change", marker_color=GOOD,
                         error_x=dict(type="data", symmetric=False, array=(delta["ci_high"] - delta["delta"]).fillna(0),
                                      arrayminus=(delta["delta"] - delta["ci_low"]).fillna(0), color="#555"),
                         hovertemplate="%{y}: %{x:.3f}<extra>after</extra>"))
    lo = float(np.nanmin(delta[["before", "after"]].to_numpy()))
    return finish(fig, title="What if: agreement now and after the change (bars: paired 95% interval of the change)",
                  x="coefficient value", y="coefficient", barmode="group", height=max(320, 55 * len(delta) + 120),
                  xaxis=dict(range=[max(0.0, lo - 0.1), 1.02]), yaxis=dict(type="category"))


def unknown_share_chart(by_round: pd.DataFrame, *, unknown: str) -> go.Figure:
    """Share of Unknown/Other labels per round with Wilson intervals; red when the alarm fires."""
    colors = [BAD if s == "alarm" else ("#f2a900" if s == "watch" else NEUTRAL) for s in by_round["status"]]
    fig = go.Figure(go.Bar(
        x=safe(by_round["round"]), y=by_round["share"], marker_color=colors,
        error_y=dict(type="data", symmetric=False, array=by_round["ci_high"] - by_round["share"],
                     arrayminus=by_round["share"] - by_round["ci_low"], color="#555"),
        customdata=by_round["n_unknown"], hovertemplate="round %{x}: %{y:.1%} (%{customdata} labels)<extra></extra>"))
    return finish(fig, title=f"'{safe([unknown])[0]}' share per round (95% Wilson interval)", x="round",
                  y="share of labels", height=340, yaxis=dict(tickformat=".0%"), xaxis=dict(type="category"))
