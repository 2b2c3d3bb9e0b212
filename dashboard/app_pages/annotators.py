"""Annotators page (the vendor's audit): golden-set accuracy with honest intervals, confusion against gold,
Dawid–Skene estimates, drift over time and speed against accuracy."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.safety import escape_markdown
from analytics import plots
from dashboard import services, session

st.title("Annotators")
st.caption("Who to trust, retrain or pause — with the uncertainty a handful of gold items really carries.")

key, aset = services.current_set()
if not aset.annotators_known:
    st.warning("This dataset has no annotator ids (an item × category counts table): per-annotator audits need "
               "one row per annotation.")
    st.stop()

all_ids = list(aset.annotator_ids)
vendor_col = session.vendor_column(aset)
with st.sidebar:
    st.subheader("Filter")
    if vendor_col:
        vendors = sorted(aset.frame[vendor_col].dropna().astype(str).unique())
        vendor = st.selectbox(f"{vendor_col.title()}", ["(all)"] + vendors, key="ann_vendor")
        if vendor != "(all)":
            all_ids = sorted(aset.frame.loc[aset.frame[vendor_col].astype(str) == vendor, "annotator_id"].unique())
    shown = st.multiselect("Annotators", all_ids, default=all_ids, key="ann_filter")
    target = st.slider("Target accuracy", 0.50, 0.99, 0.90, 0.01, key="ann_target")
if not shown:
    st.info("Choose at least one annotator in the sidebar.")
    st.stop()


def only(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["annotator_id"].isin(shown)]


st.header("Golden-set accuracy")
audit = services.gold_audit(key, aset, target)
if audit.ok:
    table = only(audit.value.table)
    flagged = table.loc[table["flagged"], "annotator_id"].tolist()
    thin = table.loc[table["evidence"] != "enough", "annotator_id"].tolist()
    cols = st.columns(3)
    cols[0].metric("Gold items", f"{audit.value.n_gold_items:,}")
    cols[1].metric("Flagged below target", len(flagged))
    cols[2].metric("Not enough evidence", len(thin))
    st.plotly_chart(plots.gold_accuracy_chart(table, target=target), width="stretch")
    st.caption(f"How to read this: each dot is an annotator's accuracy on gold items; the bar is its 95% interval "
               f"(Wilson). Red = significantly below the {target:.0%} target after Holm correction across annotators "
               "(one-sided exact binomial test); grey = too few gold items to judge.")
    if flagged:
        st.error("Below target with confidence: " + ", ".join(escape_markdown(a) for a in flagged) + ".")
    st.dataframe(table, width="stretch", hide_index=True,
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in
                                ("accuracy", "ci_low", "ci_high", "p_value", "p_adjusted")})
else:
    st.info(escape_markdown(audit.reason or ""))

st.header("Confusion against gold")
confusion = services.gold_confusion(key, aset)
if confusion.ok:
    who = st.selectbox("Annotator", shown, key="ann_confusion_who")
    normalized = st.toggle("Row-normalized (recall per gold class)", value=True, key="ann_confusion_norm")
    matrix = confusion.value.frame(who, normalized=normalized)
    st.plotly_chart(plots.confusion_heatmap(matrix, title=f"{who}: labels given on gold items",
                                            x="label given", y="gold label", normalized=normalized), width="stretch")
    st.caption("How to read this: rows are the gold class, columns the label this annotator gave; off-diagonal cells "
               "are their mistakes.")
    errors = confusion.value.table
    errors = errors[(errors["annotator_id"] == who) & (errors["gold_label"] != errors["label"]) & (errors["count"] > 0)]
    if errors.empty:
        st.success(f"{escape_markdown(who)} made no mistake on gold items.")
    else:
        st.markdown("**Most frequent mistakes on gold items**")
        st.dataframe(errors.head(10), width="stretch", hide_index=True)
else:
    st.info(escape_markdown(confusion.reason or ""))

bias = services.biases(key, aset)
if bias.ok:
    st.subheader("Systematic biases (classes over-used)")
    st.dataframe(only(bias.value.top), width="stretch", hide_index=True)
    st.caption("Over-use against gold: an exact McNemar test of false positives vs false negatives per class "
               "(Holm-corrected); against the others: the annotator's share of a class minus the others' share on "
               "the same items.")

st.header("Agreement with peers (no gold needed)")
peer = services.peers(key, aset)
if peer.ok:
    table = only(peer.value.table)
    below = table.loc[table["verdict"] == "below peers", "annotator_id"].tolist()
    if below:
        st.error("Far below their peers: " + ", ".join(escape_markdown(a) for a in below) + ".")
    st.dataframe(table, width="stretch", hide_index=True,
                 column_config={**{c: st.column_config.NumberColumn(format="percent") for c in
                                   ("agreement", "others_agreement")},
                                "difference": st.column_config.NumberColumn(format="%+.1%"),
                                **{c: st.column_config.NumberColumn(format="%.3g") for c in ("p_value", "p_adjusted")}})
    st.caption(f"How to read this: how often each annotator's label equals the majority of the other annotators of the "
               f"same item, against everyone else's rate. Below peers = significantly more than "
               f"{peer.value.margin:.0%} lower (one-sided score test, Holm across annotators) — a careless annotator "
               "shows up here even without gold.")
else:
    st.info(escape_markdown(peer.reason or ""))

st.header("Dawid–Skene estimates (all items, no gold needed)")
ds = services.dawid_skene(key, aset)
if ds.ok:
    est = ds.value.annotator_accuracy.rename("ds_accuracy").rename_axis("annotator_id").reset_index()
    if audit.ok:
        est = est.merge(audit.value.table[["annotator_id", "accuracy"]].rename(columns={"accuracy": "gold_accuracy"}),
                        on="annotator_id", how="left")
    st.plotly_chart(plots.ds_vs_gold_chart(only(est)), width="stretch")
    st.caption(f"How to read this: Dawid–Skene estimates each annotator's confusion matrix from all "
               f"{aset.n_items:,} items by EM ({ds.value.n_iter} iterations, "
               f"{'converged' if ds.value.converged else 'not converged'})"
               + ("; where it agrees with the golden set the gold sample is representative." if audit.ok else
                  ", without gold: load a gold file on the Data page to compare it with the golden-set accuracy."))
    who_ds = st.selectbox("Estimated confusion of", shown, key="ann_ds_who")
    st.plotly_chart(plots.confusion_heatmap(ds.value.confusion_frame(who_ds), normalized=True,
                                            title=f"{who_ds}: estimated P(label given | true class)",
                                            x="label given", y="true class (estimated)"), width="stretch")
else:
    st.info(escape_markdown(ds.reason or ""))

st.header("Drift over time")
window = st.slider("Rolling window (annotations)", 10, 100, 25, 5, key="ann_window")
drift = services.drift(key, aset, window)
if drift.ok:
    series = only(drift.value.series)
    st.plotly_chart(plots.drift_chart(series, drifting=[a for a in drift.value.drifting if a in shown]),
                    width="stretch")
    st.caption("How to read this: each line is an annotator's accuracy over its last N annotations, in the order it "
               "worked, one panel per session (against gold where the item has gold, otherwise against the other "
               "annotators' majority). A red line declined significantly (two-proportion z-test, Holm) and by at "
               f"least {100 * drift.value.min_decline:.0f} points from the first to the second half of its "
               "sessions; a smaller significant fall shows as small_decline in the table.")
    st.dataframe(only(drift.value.tests), width="stretch", hide_index=True)
else:
    st.info(escape_markdown(drift.reason or ""))

st.header("Speed vs accuracy")
speed = services.speed(key, aset)
if speed.ok:
    st.plotly_chart(plots.speed_accuracy_chart(only(speed.value.table)), width="stretch")
    st.caption("How to read this: " + speed.value.rule + ". Red = fast and inaccurate.")
else:
    st.info(escape_markdown(speed.reason or ""))
