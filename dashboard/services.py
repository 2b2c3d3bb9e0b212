"""The dashboard's only bridge to :mod:`analytics`, and the only place with Streamlit caching.

Annotation sets are cached once as resources keyed by a content hash (a bundled sample's name, or the SHA-256 of an
upload and its load options); derived statistics are small cached data keyed by that hash, so no DataFrame is hashed
on a rerun. Session helpers and actions (dataset picker, model scoring, Label Studio; the workspace's) live in
:mod:`dashboard.session` and :mod:`dashboard.workspace_session`, which build on this module; it never imports them.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import streamlit as st

from analytics import AnnotationSet
from analytics._atomic import write_bytes_atomic
from analytics.exceptions import AnnotationQAError
from analytics.cli.validate import describe
from analytics.samples import load_sample, sample_files, sample_names
from dashboard._uploads import Upload, check_sizes, write_uploads
from dashboard._uploads import digest as upload_digest

__all__ = [
    "thumbnail", "queue_for_push", "DEFAULT_SAMPLE", "available_samples", "sample_title", "get_sample",
    "load_upload", "peek_columns", "current_set", "set_current", "dataset_overview", "category_balance",
    "workspace", "workspace_history", "workspace_report", "workspace_delivery",
]

DEFAULT_SAMPLE = "digits"
_STATE_KEY = "aqa_dataset_key"
_REGISTRY_KEY = "aqa_datasets"


def available_samples() -> list[str]:
    return sample_names()


def sample_title(name: str) -> str:
    return sample_files(name)["title"]


@st.cache_resource(show_spinner="Loading the sample…")
def get_sample(name: str) -> AnnotationSet:
    """A bundled sample, loaded once per server process."""
    return load_sample(name)


@st.cache_resource(show_spinner="Reading the upload…", max_entries=8)
def _load_uploads(digest: str, _uploads: dict[str, Upload | None], options_json: str) -> AnnotationSet:
    from analytics import load_annotations

    options = json.loads(options_json)
    # An upload has no folder of its own: its images lie in the image folder the user names, or nowhere (False:
    # references stay text and are never opened), never in the temporary folder the upload is written to.
    options["image_root"] = options.get("image_root") or False
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_uploads(tmp, _uploads)
        return load_annotations(paths["annotations"], gold=paths.get("gold"), predictions=paths.get("predictions"),
                                taxonomy=paths.get("taxonomy"), **options)


def load_upload(uploads: dict[str, Upload | None], options: dict[str, Any]) -> tuple[str, AnnotationSet]:
    """Load an uploaded export (and optional gold, predictions, taxonomy files), cached by content hash.

    ``uploads`` maps ``"annotations"``, ``"gold"``, ``"predictions"``, ``"taxonomy"`` to ``(name, bytes)``;
    ``options`` are :func:`analytics.load_annotations` keyword arguments. Returns ``(key, set)``.
    """
    check_sizes(uploads)  # the size limit before anything is hashed or written
    options = {k: v for k, v in options.items() if v not in (None, "", [])}
    digest = upload_digest(uploads, options)
    key = f"upload:{digest}"
    aset = _load_uploads(digest, uploads, json.dumps(options, sort_keys=True))
    root = options.get("image_root")
    st.session_state.setdefault(_POLICY_KEY, {})[key] = (str(Path(root).resolve()),) if root else ()
    return key, aset


# -- images: the image folder of each upload (dashboard/images.py decides what may be shown) ---------------------
_POLICY_KEY = "aqa_image_roots"


@st.cache_data(show_spinner=False, max_entries=512)
def thumbnail(path: str, stamp: int | None, size: int) -> bytes | None:
    """A PNG thumbnail of an image file the policy allows (:func:`analytics.io.images.thumbnail_png`), or None;
    ``stamp`` (the file's modification time) keys the cache, so a replaced file is read again."""
    from analytics.io.images import thumbnail_png

    return thumbnail_png(path, size=size)


@st.cache_data(show_spinner=False, max_entries=16)
def peek_columns(file_name: str, data: bytes) -> list[str]:
    """Column names of an uploaded table (empty for tool exports), for the column mapping widgets."""
    from analytics.io._files import table_kind
    from analytics.io._tables import table_columns

    if table_kind(Path(file_name)) not in ("text", "parquet", "jsonl"):
        return []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(file_name).name
        write_bytes_atomic(path, data)
        try:
            return table_columns(path)  # the first rows only: the column names, not the whole upload
        except Exception:  # an unreadable file is reported by the real load, with its message
            return []


def set_current(key: str, aset: AnnotationSet) -> None:
    """Make ``aset`` the dataset every page shows."""
    st.session_state.setdefault(_REGISTRY_KEY, {})[key] = aset
    st.session_state[_STATE_KEY] = key


def current_set() -> tuple[str, AnnotationSet]:
    """The dataset chosen on the Data page (the digits sample until something else is chosen)."""
    key = st.session_state.get(_STATE_KEY)
    registry = st.session_state.get(_REGISTRY_KEY, {})
    if key in registry:
        return key, registry[key]
    key = f"sample:{DEFAULT_SAMPLE}"
    aset = get_sample(DEFAULT_SAMPLE)
    set_current(key, aset)
    return key, aset


@st.cache_data(show_spinner=False, max_entries=32)
def _overview(key: str, _aset: AnnotationSet) -> dict[str, Any]:
    return {"summary": _aset.summary(), "lines": describe(_aset), "report": _aset.report.to_dict()}


def dataset_overview(key: str, aset: AnnotationSet) -> dict[str, Any]:
    """Summary counts, the plain-language description and the import report of the current set."""
    return _overview(key, aset)


@st.cache_data(show_spinner=False, max_entries=32)
def _balance(key: str, _aset: AnnotationSet) -> pd.DataFrame:
    from analytics._reshape import item_category_counts

    totals = item_category_counts(_aset).sum(axis=0)
    frame = pd.DataFrame({"category": list(_aset.categories), "n_labels": totals})
    frame["share"] = frame["n_labels"] / max(int(totals.sum()), 1)
    return frame


def category_balance(key: str, aset: AnnotationSet) -> pd.DataFrame:
    """How often each category was used (labels, share)."""
    return _balance(key, aset)


# -- analyses (small cached data keyed by the dataset key; the set itself is never hashed) ----------------
@dataclass(frozen=True)
class Outcome:
    """A cached analysis result, or the reason it is not available for this dataset."""

    value: Any = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def _attempt(fn: Callable[[], Any]) -> Outcome:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return Outcome(value=fn())
        except AnnotationQAError as exc:
            return Outcome(reason=str(exc))


def _tag_sets(aset: AnnotationSet, what: str) -> Outcome | None:
    """The reason a single-label analysis does not apply to a tag-set dataset, in the words of the page (or None)."""
    if aset.multilabel:
        return Outcome(reason=f"{what} need one label per annotation, but this dataset holds tag sets (several tags per "
                              "annotation). To see them, load a single-label column on the Data page, or one tag at a "
                              "time as present/absent.")
    return None


@st.cache_data(show_spinner="Auditing the golden set…", max_entries=64)
def gold_audit(key: str, _aset: AnnotationSet, target: float) -> Outcome:
    """Golden-set accuracy per annotator (Wilson intervals, Holm-corrected flags) at ``target``."""
    import analytics

    if not _aset.has_gold:
        return Outcome(reason="This dataset has no gold labels: load a gold file on the Data page.")
    return _attempt(lambda: analytics.gold_accuracy_by_annotator(_aset, target=target))


@st.cache_data(show_spinner=False, max_entries=64)
def gold_confusion(key: str, _aset: AnnotationSet) -> Outcome:
    import analytics

    if not _aset.has_gold:
        return Outcome(reason="No gold labels.")
    return _attempt(lambda: analytics.gold_confusion_by_annotator(_aset))


@st.cache_data(show_spinner=False, max_entries=64)
def biases(key: str, _aset: AnnotationSet) -> Outcome:
    import analytics
    return _attempt(lambda: analytics.annotator_bias(_aset))


@st.cache_data(show_spinner="Running Dawid–Skene…", max_entries=32)
def dawid_skene(key: str, _aset: AnnotationSet) -> Outcome:
    import analytics
    return _tag_sets(_aset, "Dawid–Skene estimates") or _attempt(lambda: analytics.dawid_skene(_aset))


@st.cache_data(show_spinner=False, max_entries=32)
def drift(key: str, _aset: AnnotationSet, window: int) -> Outcome:
    import analytics
    return _tag_sets(_aset, "Accuracy over time and drift") or _attempt(lambda: analytics.accuracy_over_time(_aset, window=window))


@st.cache_data(show_spinner=False, max_entries=32)
def peers(key: str, _aset: AnnotationSet) -> Outcome:
    """Each annotator's agreement with the others' majority on the same items (no gold), with the flag."""
    from analytics import agreement_with_peers
    return _tag_sets(_aset, "Agreement with the other annotators") or _attempt(lambda: agreement_with_peers(_aset))


@st.cache_data(show_spinner=False, max_entries=32)
def speed(key: str, _aset: AnnotationSet) -> Outcome:
    import analytics

    if "duration_s" not in _aset.frame.columns or _aset.frame["duration_s"].notna().sum() == 0:
        return Outcome(reason="This dataset has no annotation durations (duration_s).")
    return _attempt(lambda: analytics.speed_vs_accuracy(_aset))


@st.cache_data(show_spinner=False, max_entries=32)
def routing(key: str, _aset: AnnotationSet, threshold: float = 0.95) -> Outcome:
    """``(routing, summary)``; the routing table's ``attrs["rule"]`` says the rule and the threshold in words."""
    import analytics

    def run() -> tuple[pd.DataFrame, pd.DataFrame]:
        routed = analytics.route_for_review(_aset, threshold=threshold)
        return routed, analytics.review_summary(routed)

    return _tag_sets(_aset, "Routing decisions") or _attempt(run)


@st.cache_data(show_spinner="Looking for label errors…", max_entries=32)
def label_errors(key: str, _aset: AnnotationSet, threshold: float = 0.5) -> Outcome:
    """Items whose given label (gold, else the consensus) the people and the model say is wrong."""
    import analytics
    return _tag_sets(_aset, "Label errors") or _attempt(lambda: analytics.find_label_errors(_aset, threshold=threshold))


@st.cache_data(show_spinner=False, max_entries=64)
def audit(key: str, _aset: AnnotationSet, fraction: float, stratify_by: str | None, seed: int) -> Outcome:
    import analytics
    return _tag_sets(_aset, "Audit samples") or _attempt(lambda: analytics.audit_sample(_aset, fraction=fraction, stratify_by=stratify_by, seed=seed))


@st.cache_data(show_spinner="Computing agreement…", max_entries=64)
def agreement(key: str, _aset: AnnotationSet, target: float, method: str = "score") -> Outcome:
    """The agreement summary (every coefficient with its interval) against ``target``."""
    import analytics

    if _aset.multilabel:
        return Outcome(reason="Tag sets: see Krippendorff's alpha on tag sets and each tag's kappa (Agreement page).")
    return _attempt(lambda: analytics.agreement_summary(_aset, target=target, method=method))


@st.cache_data(show_spinner=False, max_entries=64)
def per_category(key: str, _aset: AnnotationSet) -> Outcome:
    import analytics

    if _aset.multilabel:
        return _attempt(lambda: analytics.kappa_by_tag(_aset).rename(columns={"tag": "category"}))
    return _attempt(lambda: analytics.fleiss_kappa_by_category(_aset))


@st.cache_data(show_spinner=False, max_entries=64)
def multilabel_alpha(key: str, _aset: AnnotationSet) -> Outcome:
    import analytics
    return _attempt(lambda: analytics.krippendorff_alpha_multilabel(_aset, distance="masi"))


def tag_set_verdict(key: str, aset: AnnotationSet, target: float) -> Outcome:
    """Multi-label sets: the verdict on alpha on tag sets (verdict, sentence, reason, todo); cheap, from cached alpha."""
    from analytics.agreement.summary import tag_set_verdict as verdict

    alpha = multilabel_alpha(key, aset)
    return _attempt(lambda: verdict(aset, alpha.value, target)) if alpha.ok else alpha


@st.cache_data(show_spinner=False, max_entries=64)
def pairwise(key: str, _aset: AnnotationSet) -> Outcome:
    import analytics

    if not _aset.annotators_known:
        return Outcome(reason="This dataset has no annotator ids, so there are no annotator pairs.")
    if _aset.multilabel:
        return Outcome(reason="Pairwise Cohen's kappa is for single-label sets.")
    if _aset.n_annotators > 60:
        return Outcome(reason=f"{_aset.n_annotators} annotators: too many pairs to draw; see the per-category view.")
    return _attempt(lambda: analytics.cohen_kappa_by_pair(_aset))


@st.cache_data(show_spinner=False, max_entries=64)
def agreement_slices(key: str, _aset: AnnotationSet, by: str, target: float) -> Outcome:
    import analytics

    return _attempt(lambda: analytics.agreement_by(_aset, by=by, target=target))


@st.cache_data(show_spinner="Looking for the top problems…", max_entries=32)
def problems(key: str, _aset: AnnotationSet, target: float) -> tuple:
    from analytics.report.overview import top_problems

    summary = agreement(key, _aset, target)  # the Overview's own (cached) summary, not computed again
    return top_problems(_aset, target=target, n=3, summary=summary.value if summary.ok else None)


@st.cache_data(show_spinner="Comparing the model with people…", max_entries=32)
def model_vs_human(key: str, _aset: AnnotationSet, threshold: float) -> Outcome:
    import analytics

    if not _aset.has_predictions:
        return Outcome(reason="This dataset has no model predictions: attach a predictions file on the Data page, "
                              "or score the images with a model below.")
    return _tag_sets(_aset, "Model comparisons") or _attempt(lambda: analytics.model_vs_human(_aset, threshold=threshold))


@st.cache_data(show_spinner=False, max_entries=32)
def coincidences(key: str, _aset: AnnotationSet) -> Outcome:
    import analytics

    return _attempt(lambda: analytics.confusion_matrix_between_annotators(_aset))


@st.cache_data(show_spinner="Ranking confusion hotspots…", max_entries=32)
def hotspots(key: str, _aset: AnnotationSet, top: int) -> Outcome:
    import analytics

    return _attempt(lambda: analytics.confusion_hotspots(_aset, top=top))


@st.cache_data(show_spinner="Weighing taxonomy changes…", max_entries=32)
def recommendations(key: str, _aset: AnnotationSet, target: float) -> Outcome:
    import analytics

    return _attempt(lambda: analytics.recommend_taxonomy_changes(_aset, target=target))


@st.cache_data(show_spinner=False, max_entries=64)
def whatif_merge(key: str, _aset: AnnotationSet, classes: tuple[str, ...], into: str | None) -> Outcome:
    import analytics

    return _attempt(lambda: analytics.simulate_merge(_aset, list(classes), into=into))


@st.cache_data(show_spinner=False, max_entries=32)
def unknown(key: str, _aset: AnnotationSet, threshold: float, alarm_points: float) -> Outcome:
    import analytics

    if _aset.unknown_label is None:
        return Outcome(reason="No Unknown/Other class was found (flag one with 'unknown: true' in the taxonomy, or "
                              "name a category 'Unknown' or 'Other').")
    return _attempt(lambda: analytics.unknown_share(_aset, threshold=threshold, alarm_points=alarm_points))


@st.cache_data(show_spinner=False, max_entries=32)
def balance_check(key: str, _aset: AnnotationSet) -> Outcome:
    import analytics

    return _attempt(lambda: analytics.class_balance(_aset))


@st.cache_data(show_spinner=False, max_entries=32)
def rounds_comparison(key: str, _aset: AnnotationSet) -> Outcome:
    import analytics

    if len(_aset.rounds) < 2:
        return Outcome(reason="This dataset has a single round.")
    return _attempt(lambda: analytics.compare_rounds(_aset))


@st.cache_data(show_spinner=False, max_entries=32)
def taxonomy_nodes(key: str, _aset: AnnotationSet) -> Outcome:
    """One row per taxonomy node for the sunburst: labels under it and its agreement.

    Leaves take their per-category kappa; inner nodes the kappa among their children (how well people separate
    what is under the node).
    """
    import analytics
    from analytics._reshape import item_category_counts

    tax = _aset.taxonomy
    if tax is None or not tax.is_hierarchical:
        return Outcome(reason="No hierarchical taxonomy is attached (load a taxonomy file with parent classes).")

    def build() -> pd.DataFrame:
        totals = dict(zip(_aset.categories, item_category_counts(_aset).sum(axis=0)))
        leaf_kappa = analytics.fleiss_kappa_by_category(_aset).set_index("category")["kappa"].to_dict()
        levels = analytics.agreement_by_level(_aset)
        node_kappa = levels.dropna(subset=["node"]).set_index("node")["kappa"].to_dict()
        rows = []
        for name in tax.names:
            under = [n for n in tax.names if n == name or name in tax.ancestors(n)]
            n_labels = int(sum(totals.get(n, 0) for n in under))
            inner = bool(tax.children_of(name))
            rows.append({"id": name, "name": name, "parent": tax.parent_of(name) or "", "n_labels": n_labels,
                         "kappa": node_kappa.get(name) if inner else leaf_kappa.get(name),
                         "what": "agreement among its children" if inner else "per-category kappa"})
        return pd.DataFrame(rows)

    return _attempt(build)


# -- downloads: CSV through analytics.safety.safe_csv (CSV injection), and the HTML report ------------------------
@st.cache_data(show_spinner=False, max_entries=32)
def review_queue(key: str, _aset: AnnotationSet, decisions: tuple[str, ...], threshold: float = 0.95) -> Outcome:
    """``(queue, csv_bytes)``: the items with ``decisions``, most urgent first (analytics.review_queue)."""
    import analytics
    from analytics.safety import safe_csv

    routed = routing(key, _aset, threshold)
    if not routed.ok:
        return routed
    queue = analytics.review_queue(routed.value[0], decisions=list(decisions))
    export = queue.assign(decision=queue["decision"].astype(str), rule=queue["rule"].astype(str))
    return Outcome(value=(queue, safe_csv(export).encode("utf-8")))


@st.cache_data(show_spinner=False, max_entries=32)
def queue_for_push(key: str, _aset: AnnotationSet, queue: str, fraction: float, stratify_by: str | None,
                   seed: int) -> Outcome:
    """The items of one work queue with their reasons (analytics.queue_items), for a push to Label Studio."""
    import analytics

    return _attempt(lambda: analytics.queue_items(_aset, queue, fraction=fraction, stratify_by=stratify_by, seed=seed))


@st.cache_data(show_spinner=False, max_entries=32)
def audit_csv(key: str, _aset: AnnotationSet, fraction: float, stratify_by: str | None, seed: int) -> bytes:
    """The audit sample of :func:`audit` as CSV bytes (call only when that outcome is ok)."""
    from analytics.safety import safe_csv

    return safe_csv(audit(key, _aset, fraction, stratify_by, seed).value.sample).encode("utf-8")


@st.cache_data(show_spinner="Building the HTML report…", max_entries=8)
def html_report(key: str, _aset: AnnotationSet, target: float, gold_target: float) -> str:
    """The self-contained HTML quality report of the set (analytics.report.QualityReport)."""
    from analytics.report.quality_report import QualityReport

    return QualityReport.from_annotations(_aset, target=target, gold_target=gold_target).to_html()


@st.cache_data(show_spinner="Drafting the guideline cards…", max_entries=8)
def guideline(key: str, _aset: AnnotationSet) -> Outcome:
    """``(cards, html, markdown)``: :func:`dashboard.guideline_view.draft` of the set, once per dataset key."""
    from dashboard.guideline_view import draft
    return _tag_sets(_aset, "Guideline cards") or _attempt(lambda: draft(_aset))


# -- workspaces (history across deliveries); opening, adding, recording: actions in dashboard/workspace_session.py
@st.cache_resource(show_spinner=False, max_entries=8)
def workspace(location: str) -> Any:
    """The workspace at ``location`` (a file or a postgresql:// URL), opened once per server process."""
    from analytics.workspace import open_workspace
    return open_workspace(location)


@st.cache_data(show_spinner="Reading the workspace history…", max_entries=64)
def workspace_history(location: str, revision: str, confidence_level: float = 0.95, alarm_points: float = 5.0,
                      part: str = "history", classes: tuple = ()) -> Any:
    """The trends, or a ``part`` of the History page (dashboard.history_view), once per ``Workspace.revision()``."""
    from dashboard.history_view import build
    trends = None if part == "history" else workspace_history(location, revision, confidence_level, alarm_points)
    return build(workspace(location), trends, part, classes, confidence_level=confidence_level, alarm_points=alarm_points)


@st.cache_data(show_spinner=False, max_entries=32)
def workspace_report(location: str, name: str, content_hash: str) -> dict[str, Any]:
    """A delivery's stored quality report (JSON data); keyed by its content hash."""
    return workspace(location).report(name)


@st.cache_resource(show_spinner="Loading the delivery…", max_entries=8)
def workspace_delivery(location: str, name: str, content_hash: str) -> AnnotationSet:
    """A delivery back as an annotation set (annotations, gold, predictions, taxonomy as stored)."""
    return workspace(location).load(name)

