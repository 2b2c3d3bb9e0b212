"""Confusion & taxonomy (the guideline author's view): which classes to merge, split, define better or lift up."""

from __future__ import annotations

import streamlit as st

from analytics.safety import escape_markdown
from analytics import plots
from dashboard import services
from dashboard.images import show_image

key, aset = services.current_set()
st.title("Confusion & taxonomy")
st.caption("Which class pairs people confuse, whether the confusion disappears one level up, what merging would do, "
           "and whether the Unknown/Other class is growing.")
target = st.sidebar.slider("Agreement target", 0.50, 0.95, 0.80, 0.05, key="target")
if aset.multilabel:
    st.info("Tag sets have no class confusion in this sense: see the per-tag agreement on the Agreement page.")
    st.stop()

st.header("Recommendations")
recs = services.recommendations(key, aset, target)
if recs.ok:
    table = recs.value.table
    shown = table[table["status"] == "recommended"]
    held = table[table["status"] != "recommended"]
    if shown.empty:
        st.success("No taxonomy change is supported by the evidence.")
    for row in shown.itertuples(index=False):
        title = f"{row.rank}. {row.action.replace('_', ' ')}: {' + '.join(row.classes)}"
        if row.annotators:
            title += f" ({', '.join(row.annotators)})"
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(title)}** — {escape_markdown(str(row.expected_effect))}")
            st.caption(escape_markdown(str(row.evidence)))
    if len(held):
        with st.expander(f"{len(held)} proposal(s) held back for lack of evidence"):
            st.dataframe(held[["action", "classes", "annotators", "missing_evidence", "evidence"]], width="stretch",
                         hide_index=True)
    if getattr(recs.value, "combined_effect", None):
        st.caption(escape_markdown(str(recs.value.combined_effect)))
else:
    st.info(recs.reason)

st.header("Confusion hotspots")
top = st.slider("Pairs to show", 3, 30, 10, key="hotspot_top")
hot = services.hotspots(key, aset, top)
if hot.ok and len(hot.value):
    frame = hot.value
    st.plotly_chart(plots.hotspots_chart(frame), width="stretch")
    st.caption("How to read this: pairs ranked by how much merging them would raise agreement — a mix of how often "
               "they are confused and how much more than chance. Blue: gold says annotators err (clarify or retrain); "
               "red: gold itself is split (the classes truly overlap); grey: too little gold to tell.")
    st.dataframe(frame[["class_a", "class_b", "n_disagreements", "ratio", "share_of_disagreements", "kappa_a", "kappa_b",
                        "top_annotator", "top_annotator_share", "gold_verdict", "gold_note"]],
                 width="stretch", hide_index=True)
    pick = st.selectbox("Borderline items of the pair", [f"{a} ↔ {b}" for a, b in zip(frame["class_a"], frame["class_b"])],
                        key="hotspot_pick")
    row = frame.iloc[[f"{a} ↔ {b}" for a, b in zip(frame["class_a"], frame["class_b"])].index(pick)]
    items = list(row["example_items"])
    images = list(row["example_images"]) if len(row["example_images"]) else []
    if images:
        grid = st.columns(6)
        for i, (item, image) in enumerate(zip(items, images)):
            with grid[i % 6]:
                show_image(key, image or None, str(item))  # a placeholder when it cannot be shown
    votes = aset.frame[aset.frame["item_id"].isin(items)].groupby("item_id")["label"].agg(lambda s: ", ".join(map(str, s)))
    st.dataframe(votes.rename("labels given").reset_index(), width="stretch", hide_index=True)
elif hot.ok:
    st.success("No class pair is confused.")
else:
    st.info(hot.reason)

matrix = services.coincidences(key, aset)
if matrix.ok:
    st.plotly_chart(plots.confusion_heatmap(matrix.value.row_normalized, title="Inter-annotator confusion (coincidences, row-normalized)",
                                            x="label given by another annotator", y="label", normalized=True),
                    width="stretch")
    st.caption("How to read this: for every item, every pair of its labels from different annotators; each row shows "
               "what the other annotator said when one said the row's label.")

st.header("Taxonomy")
nodes = services.taxonomy_nodes(key, aset)
if nodes.ok:
    st.plotly_chart(plots.taxonomy_sunburst(nodes.value), width="stretch")
    st.caption("How to read this: rings go from the top level outwards; the size is the number of labels under a node, "
               "the colour how well people agree there (inner nodes: among their children). A red node with green "
               "parents = confusion that disappears one level up: lift the labels to the parent.")
else:
    st.info(nodes.reason)

st.header("What if")
classes = st.multiselect("Merge these classes", list(aset.categories), key="whatif_classes",
                         default=list(recs.value.table.iloc[0]["classes"])[:2]
                         if recs.ok and len(recs.value.table) and recs.value.table.iloc[0]["action"] == "merge" else None)
into = st.text_input("…into (name)", key="whatif_into", placeholder="default: the classes' names joined with '+'")
if len(classes) >= 2:
    sim = services.whatif_merge(key, aset, tuple(classes), into or None)
    if sim.ok:
        st.markdown(escape_markdown(sim.value.sentence))
        st.plotly_chart(plots.whatif_chart(sim.value.delta), width="stretch")
        st.caption("How to read this: grey = agreement now; green = after the merge, simulated on the same data; the "
                   "error bar is the paired 95% interval of the change.")
    else:
        st.info(sim.reason)
else:
    st.caption("Choose at least two classes to see agreement before and after merging them.")

st.header("Unknown / Other")
unk = services.unknown(key, aset, 0.70, 5.0)
if unk.ok:
    u = unk.value
    (st.error if u.alarm else st.write)(escape_markdown(u.sentence))
    if u.by_round is not None and len(u.by_round) > 1:
        st.plotly_chart(plots.unknown_share_chart(u.by_round, unknown=u.unknown_label), width="stretch")
        st.caption("How to read this: a share that grows by more than 5 points between rounds (one-sided two-proportion "
                   "test) raises the alarm — a sign of a taxonomy gap.")
    if u.by_class is not None and len(u.by_class):
        st.markdown("**What the others said on items where someone chose Unknown**")
        st.dataframe(u.by_class, width="stretch", hide_index=True)
else:
    st.info(unk.reason)

st.header("Class balance")
bal = services.balance_check(key, aset)
if bal.ok:
    st.dataframe(bal.value.table, width="stretch", hide_index=True)
    st.caption("Classes with too few items for a stable per-class kappa show how many more items they need.")

rounds = services.rounds_comparison(key, aset)
if rounds.ok:
    st.header("Round comparison")
    st.markdown(escape_markdown(rounds.value.sentence))
    st.dataframe(rounds.value.coefficients, width="stretch", hide_index=True)
    st.markdown("**Hotspots that closed or opened**")
    st.dataframe(rounds.value.hotspots, width="stretch", hide_index=True)
