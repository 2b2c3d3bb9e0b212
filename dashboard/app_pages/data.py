"""Data page: choose a bundled sample or upload an export (with column mapping and optional gold,
predictions and taxonomy), and see what was understood, kept and skipped."""

from __future__ import annotations

import streamlit as st

from analytics.exceptions import AnnotationQAError, FieldChoiceError
from analytics.io import FORMATS
from analytics.safety import escape_markdown
from analytics import plots
from dashboard import services, session
from dashboard import workspace_session as wss
from dashboard.images import default_image_root, remote_image_hosts, set_remote_image_hosts

MAPPING_ROLES = [("item", "Item id"), ("annotator", "Annotator id"), ("label", "Label"), ("round", "Round"),
                 ("timestamp", "Timestamp"), ("duration", "Duration (s)"), ("image", "Image path/URL")]
AUTO = "(detect)"

st.title("Data")
st.caption("Point the dashboard at an export: it says what it understood, and exactly what it skipped and why.")

SERVER = "Label Studio server"
source = st.sidebar.radio("Source", ["Bundled sample or this session's data", "Upload an export", SERVER],
                          key="data_source")
hosts = st.sidebar.text_input(
    "Show remote images from these hosts", value=remote_image_hosts(), key="remote_hosts_input",
    placeholder="e.g. images.example.org", help="Comma-separated host names. Image URLs of other hosts are shown as "
    "text: the browser never loads them. The server itself never downloads an image.")
try:
    set_remote_image_hosts(hosts)
except AnnotationQAError as exc:
    st.sidebar.error(escape_markdown(str(exc)))

if source == SERVER:
    st.subheader("Pull from a Label Studio server")
    st.caption("Reads every annotation of a project through Label Studio's API: each annotator's label, cancelled "
               "annotations (reported as skipped), ground truth as gold, predictions as model predictions. The token "
               "stays in this browser session only; the Review queue page can then push a queue back.")
    with st.form("labelstudio_connect"):
        left, mid = st.columns([3, 1])
        url = left.text_input("Label Studio address", value="http://127.0.0.1:8080", key="ls_url",
                              help="The address you open Label Studio at.")
        project = mid.text_input("Project id", key="ls_project", help="The number in the project's page address "
                                 "(…/projects/3/data → 3).")
        token = st.text_input("API token", type="password", key="ls_token",
                              help="Account & Settings → Personal Access Token (or a legacy token).")
        connect = st.form_submit_button("Connect and pull", type="primary")
    if connect:
        try:
            with st.spinner("Pulling the project…"):
                session.pull_labelstudio(url, project, token)
        except AnnotationQAError as exc:
            st.error(f"**The project cannot be pulled.** {escape_markdown(str(exc))}")
            st.stop()
        st.success("Pulled: every page now shows this project. Pull again to see new annotations.")
    elif session.labelstudio_connection(services.current_set()[0]) is None:
        st.info("Enter the address, project id and token, then connect. Until then every page shows the current "
                "dataset below.")
elif source != "Upload an export":
    if st.session_state.get(wss.PENDING_KEY):  # a workspace delivery opened below: select it before the picker exists
        st.session_state["sample_choice"] = st.session_state.pop(wss.PENDING_KEY)
    choices = session.dataset_choices()
    choice = st.sidebar.selectbox("Dataset", choices, index=choices.index(session.current_choice()),
                                  format_func=session.dataset_title, key="sample_choice")
    session.open_dataset(choice)
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
            except FieldChoiceError as exc:  # several questions: point at this page's field box, not field=
                st.error(f"**{escape_markdown(upload.name)} cannot be used as it is.** " + escape_markdown(exc.reworded(
                    "type the one to read in the 'Classification field/question' box above (e.g. "
                    f"'{exc.suggestion}') and load again")))
                st.stop()
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

st.header("Workspace: every delivery, and trends across them")
st.caption("A workspace keeps each delivery (annotations, import report, file hashes, metadata, quality report) in one "
           "database: a local file, or a postgresql:// URL for a team. The History and Decisions pages read it. "
           "Without one, the dashboard looks at one file at a time, as above.")
with st.form("workspace_open"):
    left, right = st.columns([3, 1])
    location = left.text_input("Workspace file or PostgreSQL URL", value=wss.current_workspace() or "",
                               placeholder="e.g. pilot.aqa or postgresql://user@host/db", key="ws_location")
    create = right.checkbox("Create if missing", value=True, key="ws_create")
    opened = st.form_submit_button("Open workspace")
if opened and location.strip():
    try:
        wss.open_or_create(location, create=create)
    except AnnotationQAError as exc:
        st.error(escape_markdown(str(exc)))
ws_location = wss.current_workspace()
if ws_location:
    with st.form("workspace_add"):
        st.markdown("**Add the current dataset as a delivery** (its quality report is computed and stored)")
        cols = st.columns(3)
        name = cols[0].text_input("Delivery name (optional)", key="ws_add_name")
        vendor = cols[1].text_input("Vendor (optional)", key="ws_add_vendor")
        guideline = cols[2].text_input("Guideline version (optional)", key="ws_add_guideline")
        add = st.form_submit_button("Add to the workspace", type="primary")
    if add:
        try:
            with st.spinner("Computing the quality report and storing the delivery…"):
                info = wss.add_current(ws_location, key, aset, name=name, vendor=vendor, guideline_version=guideline)
            st.success(escape_markdown(f"Added delivery '{info.name}': {info.n_annotations:,} annotations, "
                                       f"{info.n_repeat_items:,} items seen in earlier deliveries."))
        except AnnotationQAError as exc:
            st.error(escape_markdown(str(exc)))
    history = wss.history(ws_location)
    st.markdown(escape_markdown(f"Workspace {services.workspace(ws_location).url}: {len(history.deliveries)} "
                                f"deliver{'y' if len(history.deliveries) == 1 else 'ies'}."))
    if history.deliveries:
        st.dataframe(history.frame("deliveries")[["name", "added_at", "vendor", "guideline_version", "taxonomy",
                                                  "n_items", "n_repeat_items", "n_annotations", "n_annotators"]],
                     width="stretch", hide_index=True)
        pick = st.selectbox("Open a delivery as the current dataset", [d.name for d in history.deliveries],
                            index=len(history.deliveries) - 1, key="ws_open_delivery")
        if st.button("Open this delivery", key="ws_open_button"):
            wss.open_delivery(ws_location, pick)
            st.rerun()
    if st.button("Close the workspace (single-file mode)", key="ws_close"):
        wss.close_workspace()
        st.rerun()
