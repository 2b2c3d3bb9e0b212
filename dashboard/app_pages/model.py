"""Model vs human page: where the model and people disagree, and what that says about labels, guidelines or the model."""

from __future__ import annotations

import streamlit as st

from analytics.exceptions import AnnotationQAError
from analytics.safety import escape_markdown
from analytics import plots
from dashboard import services, session
from dashboard.images import show_image

key, aset = services.current_set()
st.title("Model vs human")
st.caption("Both confuse a pair → the classes are ambiguous (fix the guideline or the taxonomy); only the model does → "
           "a model error; the people's votes and the model together say a label is wrong → a label error (below).")
threshold = st.sidebar.slider("Model confidence threshold", 0.50, 0.95, 0.70, 0.05, key="mvh_threshold",
                              help="Below it the model's answer should be Unknown (the 70% rule).")

with st.expander("Score the images with a model", expanded=not aset.has_predictions):
    has_images = "image" in aset.frame.columns and aset.frame["image"].notna().any()
    bundled = session.bundled_model(key)
    if not has_images:
        st.info("This dataset has no image column, so there is nothing to score.")
    else:
        upload = st.file_uploader("TorchScript model (.pt)", type=["pt", "pth"], key="mvh_model")
        cols = st.columns(3)
        size = cols[0].number_input("Input size (pixels)", 8, 1024, 32 if bundled else 224, key="mvh_size")
        grayscale = cols[1].radio("Channels", ["grey", "RGB"], index=0 if bundled else 1, horizontal=True,
                                  key="mvh_channels") == "grey"
        device = cols[2].selectbox("Device", ["auto", "cpu", "cuda"], key="mvh_device",
                                   help="auto = a GPU when there is one, else the CPU.")
        classes_text = st.text_input(
            "Class names of the model's outputs, in order (comma-separated)", key="mvh_classes",
            placeholder="default: the dataset's categories in order, without the Unknown class")
        classes = [c.strip() for c in classes_text.split(",") if c.strip()] or None
        model = upload.getvalue() if upload is not None else bundled
        label = "Score with the uploaded model" if upload is not None else "Score with the bundled sample model"
        if model is None:
            st.info("Upload a TorchScript model to score this dataset's images.")
        elif st.button(label, type="primary", key="mvh_score"):
            bar = st.progress(0.0, text="Scoring…")
            try:
                key, aset = session.score_current(
                    key, aset, model, size=int(size), grayscale=grayscale, device=device, classes=classes,
                    progress=lambda done, total: bar.progress(done / max(total, 1), text=f"Scored {done:,} of {total:,} images"))
            except AnnotationQAError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                bar.progress(1.0, text=f"Scored {aset.n_items:,} items; every page now uses these predictions.")

result = services.model_vs_human(key, aset, threshold)
if not result.ok:
    st.info(escape_markdown(result.reason or ""))
    st.stop()
r = result.value
cols = st.columns(5)
for col, (title, est) in zip(cols, [("Accuracy vs consensus", r.accuracy_vs_consensus),
                                    ("Kappa vs consensus", r.kappa_vs_consensus),
                                    ("Accuracy vs gold", r.accuracy_vs_gold)]):
    if est is not None and est.is_defined:
        fmt = "{:.1%}" if "Accuracy" in title else "{:.2f}"
        col.metric(title, fmt.format(est.value), delta=f"95% CI {fmt.format(est.ci_low)}–{fmt.format(est.ci_high)}",
                   delta_color="off", delta_arrow="off")
    else:
        col.metric(title, "—", help=getattr(est, "reason", None) or "not available")
cols[3].metric("Below the confidence threshold", f"{r.low_confidence_share:.1%}",
               help=f"{r.n_low_confidence:,} items whose top probability is below {threshold:.0%}: candidates for Unknown.")
ece = r.expected_calibration_error
cols[4].metric("Expected calibration error", f"{ece:.3f}" if ece == ece else "—",
               help="Mean gap between confidence and accuracy over confidence bins (against the consensus)."
                    + ("" if ece == ece else " Not available: no item has a resolved consensus label."))

st.plotly_chart(plots.side_by_side_confusion(r.human_confusion, r.model_confusion), width="stretch")
st.caption("How to read this: left, how often people who chose the row's label met the column's label from another "
           "person on the same item; right, what the model answered when the consensus was the row's label.")
pairs = r.confusion_pairs[r.confusion_pairs["kind"] != "clear"]
if len(pairs):
    st.markdown("**Class pairs by kind** — *ambiguous*: both people and the model confuse them; *model error*: only the model; "
                "*human only*: only people.")
    st.dataframe(pairs, width="stretch", hide_index=True)

st.header("Label errors")
errors = services.label_errors(key, aset)
if errors.ok:
    found = errors.value
    st.write(escape_markdown(found.sentence))
    st.caption("The given label is the gold label where there is one, else the people's consensus. The people's votes "
               "(each weighted by the annotator's estimated reliability) and the model's probabilities are combined "
               "as independent evidence; P(given wrong) is the combined probability that the given label is wrong. "
               "'signal' says what fired: the people alone, the model alone (confident learning with per-class "
               "thresholds, Northcutt et al. 2021), both, or only the two combined.")
    shown = ["rank", "item_id", "given_label", "given_source", "suggested_label", "p_given_wrong", "votes",
             "people_p_given", "model_p_given", "model_p_suggested", "signal"]
    if found.n_candidates:
        st.dataframe(found.candidates[shown], width="stretch", hide_index=True,
                     column_config={c: st.column_config.NumberColumn(format="%.3f") for c in
                                    ("p_given_wrong", "people_p_given", "model_p_given", "model_p_suggested")})
    else:
        st.success("No given label is more likely wrong than right.")
    pictures = found.candidates.dropna(subset=["image"]) if "image" in found.candidates.columns else None
    if pictures is not None and len(pictures):
        grid = st.columns(6)
        for i, row in enumerate(pictures.head(12).itertuples(index=False)):
            with grid[i % 6]:
                show_image(key, row.image, f"{row.item_id}: {row.given_label} → {row.suggested_label} "
                                      f"({row.p_given_wrong:.0%})")  # a placeholder when it cannot be shown
    if found.n_excluded:
        with st.expander(f"Set apart, not label errors ({found.n_excluded:,})"):
            st.caption("Items people marked Unknown and items whose label the model has no class for: an unclear "
                       "image or a missing class is not a wrong label (see the Unknown share on the Confusion & "
                       "taxonomy page).")
            st.dataframe(found.excluded.drop(columns=["image"], errors="ignore"), width="stretch", hide_index=True)
else:
    st.info(escape_markdown(errors.reason or ""))

left, right = st.columns(2)
with left:
    st.plotly_chart(plots.reliability_chart(r.reliability), width="stretch")
    st.caption("How to read this: points below the diagonal = the model is over-confident at that confidence.")
with right:
    if r.kappa_by_annotator is not None and len(r.kappa_by_annotator):
        st.plotly_chart(plots.model_kappa_chart(r.kappa_by_annotator), width="stretch")
        st.caption("How to read this: if the model agrees with an annotator about as well as the other people do, it "
                   "labels like one more annotator.")

st.header(f"Below {threshold:.0%} confidence → Unknown")
st.dataframe(r.low_confidence_items.drop(columns=["image"], errors="ignore"), width="stretch", hide_index=True)
if r.by_level is not None and len(r.by_level) > 1:
    st.header("By taxonomy level")
    st.caption("The model's probabilities summed up to each parent class: where it cannot place a leaf but is sure of "
               "the parent.")
    st.dataframe(r.by_level, width="stretch", hide_index=True)
