"""Confusion & taxonomy (the guideline author's view): which classes to merge, split, define better or lift up."""

from __future__ import annotations

import streamlit as st

from analytics.safety import escape_markdown
from analytics._wording import count_noun
from analytics import plots
from analytics.taxonomy.pairs import DIAGNOSIS_LABELS
from analytics.taxonomy.rounds import HOTSPOT_TEST



def proposal_title(action: str, classes: tuple[str, ...], annotators: tuple[str, ...]) -> str:
    """A proposal as a title a person reads ("Merge Shirt + Blouse", "Retrain ann_c on Sneakers / Sandals")."""
    if action == "merge":
        return "Merge " + " + ".join(classes)
    if action == "lift_to_parent":
        return f"Label {', '.join(classes[1:])} as {classes[0]}"
    if action == "retrain_annotator":
        return f"Retrain {', '.join(annotators)} on {' / '.join(classes)}"
    if action == "clarify":
        return f"Clarify the {' / '.join(classes)} boundary" if len(classes) == 2 else f"Clarify {', '.join(classes)}"
    if action == "add_other":
        return f"Widen {classes[0]}" if classes else "Add an Unknown/Other class"
    if action == "collect_more":
        return f"Collect more items of {', '.join(classes)}"
    return action.replace("_", " ").capitalize() + (f": {', '.join(classes)}" if classes else "")
from dashboard import services
from dashboard.guideline_view import show_card
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
        title = f"{row.rank}. {proposal_title(row.action, tuple(row.classes), tuple(row.annotators))}"
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(title)}**")
            st.markdown(escape_markdown(str(row.expected_effect)))
            st.caption(escape_markdown(str(row.evidence)))
    if len(held):
        with st.expander(f"{count_noun(len(held), 'proposal')} held back for lack of evidence"):
            st.dataframe(held[["action", "classes", "annotators", "missing_evidence", "evidence"]], width="stretch",
                         hide_index=True)
    if getattr(recs.value, "combined_effect", None):
        st.caption(escape_markdown(str(recs.value.combined_effect)))
else:
    st.info(escape_markdown(recs.reason or ""))

st.header("Confusion hotspots")
top = st.slider("Pairs to show", 3, 30, 10, key="hotspot_top")
hot = services.hotspots(key, aset, top)
if hot.ok and len(hot.value):
    frame = hot.value
    st.plotly_chart(plots.hotspots_chart(frame), width="stretch")
    st.caption("How to read this: pairs ranked by how much merging them would raise agreement — a mix of how often "
               "they are confused and how much more than chance. The colour is why people disagree on the pair, one "
               "diagnosis that the recommendations and the Overview use too: blue = particular annotators confuse them "
               "(retrain them), red = the classes overlap for everyone (merge or define the boundary), purple = gold "
               "itself is split (review those gold labels), grey = not enough evidence to say.")
    with st.expander("The test behind each diagnosis"):
        st.markdown(escape_markdown(str(frame.attrs.get("diagnosis_tests", ""))))
    shown = frame.assign(diagnosis=frame["diagnosis"].map(DIAGNOSIS_LABELS).fillna("not enough evidence"))
    st.dataframe(shown[["class_a", "class_b", "diagnosis", "diagnosis_note", "n_disagreements", "n_items", "ratio",
                        "share_of_disagreements", "kappa_a", "kappa_b", "top_annotator", "top_annotator_share",
                        "gold_note"]],
                 width="stretch", hide_index=True,
                 column_config={
                     "n_disagreements": st.column_config.NumberColumn(
                         "disagreeing rating pairs", format="%d",
                         help="Pairs of ratings of the same item, one of each class"),
                     "n_items": st.column_config.NumberColumn("items", format="%d",
                                                              help="Items on which both classes were used"),
                     "ratio": st.column_config.NumberColumn("× chance", format="%.2f"),
                     "share_of_disagreements": st.column_config.NumberColumn("share of all", format="percent"),
                     "kappa_a": st.column_config.NumberColumn("κ a", format="%.2f"),
                     "kappa_b": st.column_config.NumberColumn("κ b", format="%.2f"),
                     "top_annotator_share": st.column_config.NumberColumn("their share of swaps", format="percent"),
                     "diagnosis_note": st.column_config.TextColumn("evidence"),
                     "gold_note": st.column_config.TextColumn("gold says")})
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
    st.info(escape_markdown(hot.reason or ""))

matrix = services.coincidences(key, aset)
if matrix.ok:
    st.plotly_chart(plots.confusion_heatmap(matrix.value.row_normalized, title="Inter-annotator confusion (coincidences, row-normalized)",
                                            x="label given by another annotator", y="label", normalized=True),
                    width="stretch")
    st.caption("How to read this: for every item, every pair of its labels from different annotators; each row shows "
               "what the other annotator said when one said the row's label.")

st.header("Guideline cards")
guide = services.guideline(key, aset)
if guide.ok:
    cards, html, markdown = guide.value
    st.caption("A draft guideline from the data: each class's definition, correct and incorrect examples, the borderline "
               "items of its confused pairs, and rules the data suggests — suggestions to edit, nothing settled. "
               + escape_markdown(cards.sentence))
    left, right = st.columns(2)
    left.download_button("Download the guideline (HTML, printable)", html,
                         file_name="guideline.html", mime="text/html", key="guideline_html")
    right.download_button("Download as Markdown (for a wiki; no images)", markdown,
                          file_name="guideline.md", mime="text/markdown", key="guideline_md")
    name = st.selectbox("Card of class", list(cards.names), key="guideline_class")
    show_card(cards.card(name), cards.n_confused_pairs)
else:
    st.info(guide.reason)

st.header("Taxonomy")
nodes = services.taxonomy_nodes(key, aset)
if nodes.ok:
    st.plotly_chart(plots.taxonomy_sunburst(nodes.value), width="stretch")
    st.caption("How to read this: rings go from the top level outwards; the size is the number of labels under a node, "
               "the colour how well people agree there (inner nodes: among their children). A red node with green "
               "parents = confusion that disappears one level up: lift the labels to the parent.")
else:
    st.info(escape_markdown(nodes.reason or ""))

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
        st.info(escape_markdown(sim.reason or ""))
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
    st.info(escape_markdown(unk.reason or ""))

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
    st.markdown("**Hotspots: closed, improved, persisting, worse or opened**")
    st.dataframe(rounds.value.hotspots, width="stretch", hide_index=True,
                 column_config={c: st.column_config.NumberColumn(format="percent") for c in ("rate_before", "rate_after")}
                 | {c: st.column_config.NumberColumn(format="%.3g") for c in ("p_value", "p_adjusted")})
    st.caption("How to read this: rate = share of the round's items on which both classes were used. "
               + escape_markdown(HOTSPOT_TEST))
