"""Review queue page: routing decisions (the three-annotator rule, and the support threshold above three ratings),
the review queue with images, a random audit sample, and the downloads: queue and sample as CSV (formula cells
neutralized), the HTML quality report."""

from __future__ import annotations

import streamlit as st

from analytics.exceptions import AnnotationQAError
from analytics.safety import escape_markdown
from analytics import plots
from dashboard import services, session
from dashboard.images import show_image

st.title("Review queue")
key, aset = services.current_set()
threshold = st.sidebar.slider(
    "Support needed to accept (more than 3 ratings)", 0.80, 0.99, 0.95, 0.01, key="review_threshold",
    help="An item with more than three ratings is accepted when the probability that raters prefer its consensus "
         "label to the runner-up reaches this value; below it, a person looks at the item.")
routed = services.routing(key, aset, threshold)
if not routed.ok:
    st.info(escape_markdown(routed.reason or ""))
    st.stop()
routing, summary = routed.value
st.caption(escape_markdown(routing.attrs["rule"]))
counts = dict(zip(summary["decision"], summary["n_items"]))
cols = st.columns(4)
for col, (decision, title) in zip(cols, [("accept", "Accept"), ("senior_review", "Senior review"),
                                         ("adjudicate", "Adjudicate"), ("needs_overlap", "Needs overlap")]):
    col.metric(title, f"{counts.get(decision, 0):,}")
st.plotly_chart(plots.decision_chart(summary), width="stretch")
st.caption("How to read this: items per routing decision under the rule above; everything but 'accept' needs a "
           "person. 'support' in the queue is the probability that raters prefer the item's consensus label to the "
           "runner-up; 'rule' says which rule decided the item.")

st.header("Queue")
decisions = st.multiselect("Decisions to show", ["adjudicate", "senior_review", "needs_overlap", "accept"],
                           default=["adjudicate", "senior_review"], key="review_decisions")
queue, queue_csv = services.review_queue(key, aset, tuple(decisions), threshold).value
st.dataframe(queue.drop(columns=["image"], errors="ignore"), width="stretch", hide_index=True,
             column_config={"agreement": st.column_config.NumberColumn(format="%.2f"),
                            "support": st.column_config.NumberColumn(format="%.3f")})
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
    st.write(escape_markdown(result.sentence))
    st.plotly_chart(plots.detection_power_chart(result.detection_power), width="stretch")
    st.caption("How to read this: the chance that the audit sample contains at least one wrong annotation, for each "
               "possible true error rate (hypergeometric).")
    st.dataframe(result.sample, width="stretch", hide_index=True)
    st.download_button(f"Download the audit sample ({result.n_sampled:,} annotations, CSV)",
                       data=services.audit_csv(key, aset, fraction, None if stratify == "none" else stratify, int(seed)),
                       file_name="audit_sample.csv", mime="text/csv", key="download_audit")
else:
    st.info(escape_markdown(sample.reason or ""))

st.header("Push to Label Studio")
connection = session.labelstudio_connection(key)
if connection is None:
    st.info("Pull a project from a Label Studio server on the Data page to send its review queue back there: a saved "
            "view (tab) of the tasks, with each task's reason and vote split in its meta.")
else:
    st.caption(f"Connected to {escape_markdown(connection['address'])} (the token is kept in this browser session "
               "only). Nothing is written until you confirm; annotations are never changed.")
    left, right = st.columns([1, 2])
    queue_name = left.radio("Queue", ["senior_review", "adjudicate", "audit"], key="push_queue",
                            format_func={"senior_review": "Senior review", "adjudicate": "Adjudicate",
                                         "audit": "Audit sample (the settings above)"}.get)
    to_project = None
    if right.checkbox("Into a separate review project (instead of a view in this project)", key="push_separate"):
        to_project = right.text_input("Review project title", value=f"Review: {queue_name}",
                                      key="push_project_title").strip() or None
    items = services.queue_for_push(key, aset, queue_name, fraction, None if stratify == "none" else stratify,
                                    int(seed))
    if not items.ok:
        st.info(escape_markdown(items.reason or ""))
    else:
        if st.button(f"Preview the push ({len(items.value):,} tasks)", key="push_preview"):
            try:
                session.plan_push(key, items.value, queue_name, to_project)
            except AnnotationQAError as exc:
                st.error(f"**Nothing was pushed.** {escape_markdown(str(exc))}")
        plan = session.pending_plan(key, queue_name, to_project)
        if plan is not None:
            st.markdown("**This push will:**\n" + "\n".join(f"- {escape_markdown(line)}" for line in plan.summary_lines()))
            st.dataframe(plan.items, width="stretch", hide_index=True)
            if st.button(f"Push {len(plan.items):,} tasks to Label Studio", type="primary", key="push_confirm"):
                try:
                    result = session.apply_push(plan)
                except AnnotationQAError as exc:
                    st.error(f"**The push failed.** {escape_markdown(str(exc))}")
                else:
                    st.success(escape_markdown(" ".join(result.summary_lines())))
                    st.link_button("Open it in Label Studio", result.url)

st.header("Quality report")
target, gold_target = float(st.session_state.get("target", 0.8)), float(st.session_state.get("ann_target", 0.9))
st.write(f"Every analysis of this dataset in one self-contained HTML file (opens offline, prints on A4), against an "
         f"agreement target of {target:.2f} and a golden-set target of {gold_target:.0%}.")
st.download_button("Download the HTML report", data=lambda: services.html_report(key, aset, target, gold_target),
                   file_name="quality_report.html", mime="text/html", key="download_report")
