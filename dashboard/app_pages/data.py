"""Data page: choose a bundled sample or upload an export (with column mapping and optional gold,
predictions and taxonomy), and see what was understood, kept and skipped."""

from __future__ import annotations

import streamlit as st

from analytics.exceptions import AnnotationQAError
from analytics.io import FORMATS
from analytics.safety import escape_markdown
from analytics import plots
from dashboard import services
from dashboard.images import default_image_root, remote_image_hosts, set_remote_image_hosts

MAPPING_ROLES = [("item", "Item id"), ("annotator", "Annotator id"), ("label", "Label"), ("round", "Round"),
                 ("timestamp", "Timestamp"), ("duration", "Duration (s)"), ("image", "Image path/URL")]
AUTO = "(detect)"

st.title("Data")
st.caption("Point the dashboard at an export: it says what it understood, and exactly what it skipped and why.")

source = st.sidebar.radio("Source", ["Bundled sample or this session's data", "Upload an export"], key="data_source")
hosts = st.sidebar.text_input(
    "Show remote images from these hosts", value=remote_image_hosts(), key="remote_hosts_input",
    placeholder="e.g. images.example.org", help="Comma-separated host names. Image URLs of other hosts are shown as "
    "text: the browser never loads them. The server itself never downloads an image.")
try:
    set_remote_image_hosts(hosts)
except AnnotationQAError as exc:
    st.sidebar.error(escape_markdown(str(exc)))

if source != "Upload an export":
    choices = services.dataset_choices()
    choice = st.sidebar.selectbox("Dataset", choices, index=choices.index(services.current_choice()),
                                  format_func=services.dataset_title, key="sample_choice")
    services.open_dataset(choice)
else:
    st.subheader("Upload")
    upload = st.file_uploader(
        "Annotations: a table (CSV, TSV, Parquet, JSON Lines) or a Label Studio / CVAT / Datumaro / Labelbox / "
        "SageMaker Ground Truth export", key="upload_annotations",
        type=["csv", "tsv", "txt", "parquet", "json", "jsonl", "ndjson", "manifest", "xml"])
    extra = st.columns(3)
    gold = extra[0].file_uploader("Gold labels (optional)", type=["csv", "tsv", "parquet", "jsonl", "json"], key="upload_gold")
    preds = extra[1].file_uploader("Model predictions (optional)", type=["csv", "tsv", "parquet", "jsonl", "json"],
                                   key="upload_predictions")
    tax = extra[2].file_uploader("Taxonomy (optional)", type=["yaml", "yml", "json"], key="upload_taxonomy")
    if upload is not None:
        data = upload.getvalue()
        columns = services.peek_columns(upload.name, data)
        with st.form("load_options"):
            st.markdown("**Format and column mapping** — leave *(detect)* to let the importer recognise them.")
            left, right = st.columns(2)
            fmt = left.selectbox("Format", ["auto"] + FORMATS, key="opt_format")
            field = right.text_input("Classification field/question (labeling tools)", key="opt_field")
            options = {"format": fmt, "field": field or None}
            if columns:
                grid = st.columns(4)
                for i, (role, title) in enumerate(MAPPING_ROLES):
                    picked = grid[i % 4].selectbox(title, [AUTO] + columns, key=f"map_{role}")
                    options[role] = None if picked == AUTO else picked
            more = st.columns(4)
            options["missing"] = more[0].text_input("Wide tables: 'not labelled' marker", key="opt_missing") or None
            options["multilabel"] = True if more[1].checkbox("Labels are tag sets", key="opt_multilabel") else None
            options["label_sep"] = more[2].text_input("Tag separator", key="opt_sep") or None
            options["duplicates"] = more[3].selectbox("Duplicate rows", ["error", "keep_last", "keep_first"],
                                                      key="opt_duplicates")
            images = st.columns([3, 1])
            options["image_root"] = images[0].text_input(
                "Image folder on this computer (optional)", value=default_image_root(), key="opt_image_root",
                help="The folder the export's image paths start from. Images are shown only from inside it; paths "
                     "outside it are refused and listed in the import report. Empty: image references are shown as "
                     "text, and no image file is opened.") or None
            options["allow_multiline_labels"] = images[1].checkbox(
                "Keep labels with line breaks", key="opt_multiline",
                help="By default a label holding a line break is skipped: in a CSV it is usually a stray quote.") \
                or None
            submitted = st.form_submit_button("Load", type="primary")
        if submitted or st.session_state.get("upload_loaded") == upload.file_id:
            uploads = {"annotations": (upload.name, data),
                       "gold": (gold.name, gold.getvalue()) if gold else None,
                       "predictions": (preds.name, preds.getvalue()) if preds else None,
                       "taxonomy": (tax.name, tax.getvalue()) if tax else None}
            try:
                key, aset = services.load_upload(uploads, options)
            except AnnotationQAError as exc:
                st.error(f"**{escape_markdown(upload.name)} cannot be used as it is.** {escape_markdown(str(exc))}")
                st.stop()
            services.set_current(key, aset)
            st.session_state["upload_loaded"] = upload.file_id
            st.success(f"Loaded {escape_markdown(upload.name)}: every page now shows this dataset.")
    else:
        st.info("Choose a file to upload. Until then every page shows the current dataset below.")

key, aset = services.current_set()
info = services.dataset_overview(key, aset)
s = info["summary"]
st.subheader("Current dataset")
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
    st.plotly_chart(plots.category_balance_chart(balance, unknown=s["unknown_label"]), width="stretch")
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
