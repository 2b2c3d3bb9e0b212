"""History: trends across the deliveries of a workspace — agreement, per-class kappa, gold accuracy per annotator,
the Unknown share with its growth alarm, class balance, hotspots opened/closed — and the regressions."""

from __future__ import annotations

import streamlit as st

from analytics.safety import escape_markdown
from analytics._hotspot_rule import HOTSPOT_TEST  # the text only: the taxonomy package imports SciPy
from dashboard import workspace_session as wss
from dashboard.history_view import DEFAULT_ALARM, DEFAULT_LEVEL, default_classes

st.title("History")
st.caption("Every delivery of the workspace side by side: each point carries its interval, and every change is "
           "tested against the previous delivery.")
location = wss.current_workspace()
if not location:
    st.info("No workspace is open. Open or create one on the Data page (section Workspace), then add deliveries "
            "there or with `aqa add FILE --workspace W`; this page then shows the trends across them.")
    st.stop()
level = st.sidebar.select_slider("Confidence level", [0.90, 0.95, 0.99], value=DEFAULT_LEVEL, key="history_level")
points = st.sidebar.slider("Unknown alarm: rise in points", 1.0, 20.0, DEFAULT_ALARM, 0.5, key="history_alarm")
history = wss.history(location, confidence_level=level, alarm_points=points)
part = wss.history_parts(location, confidence_level=level, alarm_points=points)  # cached tables and charts
if not history.deliveries:
    st.info("The workspace has no delivery yet: add the current dataset on the Data page, or run "
            "`aqa add FILE --workspace W`.")
    st.stop()
order = history.names
cols = st.columns(5)
cols[0].metric("Deliveries", f"{len(order):,}")
cols[1].metric("Annotations", f"{sum(d.n_annotations for d in history.deliveries):,}")
cols[2].metric("Agreement regressions", len(history.regressions))
cols[3].metric("Gold-accuracy falls", len(history.gold_falls))
cols[4].metric("Unknown alarms", len(history.unknown_alarms))

st.header("Regressions")
check = part("check")
(st.error if check.status == "fail" else st.success if check.status == "pass" else st.info)(
    escape_markdown(check.line()))
st.caption("The no-regression gate (`aqa check --workspace W --no-regression`): a one-sided z-test of the drop of the "
           "primary coefficient against the previous delivery, SE = √(SE₀² + SE₁²); it fires on about 5% of "
           "deliveries without a real drop (benchmarks/README.md, 'Workspace').")
drops = [r for r in history.agreement if r["status"] == "drop"]
if drops:
    st.dataframe(part("agreement").query("status == 'drop'")[
        ["delivery", "previous", "label", "value", "change", "change_ci_low", "change_ci_high", "p_drop"]],
        width="stretch", hide_index=True)
falls = history.gold_falls
if falls:
    st.markdown("**Annotators whose gold accuracy fell significantly**")
    st.dataframe(part("gold").query("fell")[["delivery", "annotator_id", "previous", "previous_accuracy",
                                             "accuracy", "ci_low", "ci_high", "p_fall", "p_adjusted"]],
                 width="stretch", hide_index=True)

st.header("Agreement")
agreement = part("agreement")
if len(agreement):
    st.plotly_chart(part("chart:agreement"), width="stretch")
    st.caption("How to read this: one line per coefficient; the bars are intervals. A red ring marks a delivery that "
               "agrees significantly less than the one before it.")
per_class = part("per_class")
if per_class["kappa"].notna().any():
    worst = default_classes(per_class, order[-1])
    chosen = st.multiselect("Classes", list(dict.fromkeys(per_class["category"])), default=worst,
                            key="history_classes")
    st.plotly_chart(part("chart:per_class", chosen or worst), width="stretch")
    st.caption("Per-class (Fleiss) kappa; by default the six weakest classes of the last delivery.")

st.header("Annotators on the golden set")
gold = part("gold")
if len(gold):
    st.plotly_chart(part("chart:gold"), width="stretch")
    st.caption("How to read this: each annotator's accuracy on gold items per delivery. A red ring: lower than in their "
               "previous delivery, by a one-sided Fisher exact test with Holm's correction across annotators.")
else:
    st.info("No delivery has gold labels (add them with the delivery: `aqa add FILE --gold gold.csv`).")

st.header("Unknown / Other")
unknown = part("unknown")
if (unknown["status"] != "not measured").any():
    st.plotly_chart(part("chart:unknown"), width="stretch")
    for r in history.unknown_alarms:
        st.error(escape_markdown(f"{r['delivery']}: the Unknown share rose {r['change_points']:+.1f} points to "
                                 f"{100 * r['share']:.1f}% — a growing Unknown share points to a taxonomy gap."))
else:
    st.info("No delivery has an Unknown/Other class.")

st.header("Class balance")
st.plotly_chart(part("chart:balance"), width="stretch")

st.header("Hotspots between deliveries")
hot = history.frame("hotspots")
moved = hot.astype({"rank_before": "Int64", "rank_after": "Int64"}) if len(hot) else hot
if len(moved):
    st.dataframe(moved, width="stretch", hide_index=True)
    st.caption("A pair is a hotspot of a delivery when it is among its 10 best-scored confusions on ≥ 5 items. "
               + escape_markdown(HOTSPOT_TEST))
else:
    st.success("No class pair was a hotspot of two consecutive deliveries' comparison.")

st.header("Deliveries")
st.dataframe(history.frame("deliveries").drop(columns=["categories", "content_hash", "metadata", "repeats"]),
             width="stretch", hide_index=True)
