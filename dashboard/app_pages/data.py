"""Data page: choose a bundled sample (or upload an export) and see what was understood."""

from __future__ import annotations

import streamlit as st

from analytics.safety import escape_markdown
from dashboard import charts, services

st.title("Data")
st.caption("What was read from the annotation export, what was kept, and what was skipped and why.")

choices = services.dataset_choices()
choice = st.sidebar.selectbox("Dataset", choices, index=choices.index(services.current_choice()),
                              format_func=services.dataset_title, key="sample_choice")
key, aset = services.open_dataset(choice)

info = services.dataset_overview(key, aset)
s = info["summary"]
cols = st.columns(5)
cols[0].metric("Items", f"{s['n_items']:,}")
cols[1].metric("Annotators", f"{s['n_annotators']:,}" if s["annotators_known"] else "anonymous")
cols[2].metric("Annotations", f"{s['n_annotations']:,}")
cols[3].metric("Categories" if not s["multilabel"] else "Tags", s["n_categories"])
cols[4].metric("Rounds", len(s["rounds"]) or "—")

left, right = st.columns([3, 2])
with left:
    st.subheader("What was understood")
    for line in info["lines"]:
        st.markdown("- " + escape_markdown(line))  # labels, ids and file names are untrusted text
with right:
    balance = services.category_balance(key, aset)
    st.plotly_chart(charts.category_balance_chart(balance, unknown=s["unknown_label"]), width="stretch")
    st.caption("How to read this: each bar counts how many labels used that category; "
               "a long Unknown/Other bar (red) points at a gap in the taxonomy.")

report = info["report"]
st.subheader("Import report")
st.markdown(escape_markdown(f"{report['rows_read']:,} {report['unit']}s read = {report['rows_kept']:,} kept + "
                            f"{report['rows_skipped']:,} skipped."))
if report["skipped"]:
    st.dataframe(report["skipped"], width="stretch", hide_index=True)
else:
    st.success("Nothing was skipped.")
