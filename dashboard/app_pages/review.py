"""Review queue page: blind-overlap routing decisions, the review queue with images, a random audit sample, and the
downloads: queue and sample as CSV (formula cells neutralized), the HTML quality report."""

from __future__ import annotations

import streamlit as st

from analytics import plots
from dashboard import services
from dashboard.images import show_image

st.title("Review queue")
st.caption("3 of 3 agree → accept; a 2:1 split → senior reviewer; no majority → adjudicate; a single rating → "
           "needs another annotator.")

key, aset = services.current_set()
routed = services.routing(key, aset)
if not routed.ok:
    st.info(routed.reason)
    st.stop()
routing, summary = routed.value
counts = dict(zip(summary["decision"], summary["n_items"]))
cols = st.columns(4)
for col, (decision, title) in zip(cols, [("accept", "Accept"), ("senior_review", "Senior review"),
                                         ("adjudicate", "Adjudicate"), ("needs_overlap", "Needs overlap")]):
    col.metric(title, f"{counts.get(decision, 0):,}")
st.plotly_chart(plots.decision_chart(summary), width="stretch")
st.caption("How to read this: items per routing decision under the blind-overlap rule; everything but 'accept' "
           "needs a person.")

st.header("Queue")
decisions = st.multiselect("Decisions to show", ["adjudicate", "senior_review", "needs_overlap", "accept"],
                           default=["adjudicate", "senior_review"], key="review_decisions")
queue, queue_csv = services.review_queue(key, aset, tuple(decisions)).value
st.dataframe(queue.drop(columns=["image"], errors="ignore"), width="stretch", hide_index=True)
st.download_button(f"Download the queue ({len(queue):,} items, CSV)", data=queue_csv, file_name="review_queue.csv",
                   mime="text/csv", key="download_queue")
if "image" in queue.columns and queue["image"].notna().any():
    st.subheader("Disputed items")
    gallery = queue.dropna(subset=["image"]).sort_values("agreement").head(12)
    grid = st.columns(6)
    for i, row in enumerate(gallery.itertuples(index=False)):
        with grid[i % 6]:
            show_image(key, row.image, f"{row.item_id}: {row.votes}")  # a placeholder when it cannot be shown

st.header("Random audit sample")
left, mid, right = st.columns(3)
fraction = left.slider("Fraction of annotations", 0.05, 0.10, 0.05, 0.01, key="audit_fraction")
stratify = mid.radio("Stratify by", ["label", "annotator", "none"], horizontal=True, key="audit_stratify")
seed = right.number_input("Seed", 0, 10_000, 0, key="audit_seed")
sample = services.audit(key, aset, fraction, None if stratify == "none" else stratify, int(seed))
if sample.ok:
    result = sample.value
    st.write(f"{result.n_sampled:,} of {result.n_population:,} annotations sampled. With this sample an error rate of "
             f"{result.detectable_error_rate:.1%} or more shows up at least once with 95% probability.")
    st.plotly_chart(plots.detection_power_chart(result.detection_power), width="stretch")
    st.caption("How to read this: the chance that the audit sample contains at least one wrong annotation, for each "
               "possible true error rate (hypergeometric).")
    st.dataframe(result.sample, width="stretch", hide_index=True)
    st.download_button(f"Download the audit sample ({result.n_sampled:,} annotations, CSV)",
                       data=services.audit_csv(key, aset, fraction, None if stratify == "none" else stratify, int(seed)),
                       file_name="audit_sample.csv", mime="text/csv", key="download_audit")
else:
    st.info(sample.reason)

st.header("Quality report")
target, gold_target = float(st.session_state.get("target", 0.8)), float(st.session_state.get("ann_target", 0.9))
st.write(f"Every analysis of this dataset in one self-contained HTML file (opens offline, prints on A4), against an "
         f"agreement target of {target:.2f} and a golden-set target of {gold_target:.0%}.")
st.download_button("Download the HTML report", data=lambda: services.html_report(key, aset, target, gold_target),
                   file_name="quality_report.html", mime="text/html", key="download_report")
