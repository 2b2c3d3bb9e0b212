"""Session-state helpers and explicit user actions of the dashboard (no caching here: see services.py).

Which dataset every page shows (the picker's choices, titles and the switch), small helpers that inspect a set
(vendor and slice columns), and scoring images with a model — an explicit action with a progress bar, so it
is not cached; the scored set is registered in the session like an upload.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any, Callable

import streamlit as st

from analytics import AnnotationSet
from analytics._atomic import write_bytes_atomic
from dashboard import services

__all__ = ["dataset_choices", "dataset_title", "current_choice", "open_dataset", "vendor_column", "slice_columns",
           "bundled_model", "score_current", "pull_labelstudio", "labelstudio_connection", "plan_push", "pending_plan",
           "apply_push"]

_LABELSTUDIO_KEY = "aqa_labelstudio"  # {"address", "token", "key"} of the connected project (this session only)
_PLAN_KEY = "aqa_push_plan"


def dataset_choices() -> list[str]:
    """What the dataset picker offers: the bundled samples (by name), then the datasets registered in
    this session with :func:`set_current` (uploads, scored sets, DataFrames; by key)."""
    registry = st.session_state.get(services._REGISTRY_KEY, {})
    return services.available_samples() + [k for k in registry if not str(k).startswith("sample:") or "|" in str(k)]


def dataset_title(choice: str) -> str:
    """The picker's text for a choice (plain text: Streamlit shows option labels literally)."""
    if choice in services.available_samples():
        return services.sample_title(choice)
    if str(choice).startswith("workspace:"):
        location, _, name = str(choice).removeprefix("workspace:").rpartition("|")
        return f"{name} (delivery of the workspace {location})"
    aset = st.session_state.get(services._REGISTRY_KEY, {}).get(choice)
    source = aset.report.source if aset is not None else choice
    scored = " with the model's predictions" if "|scored:" in str(choice) else ""
    return f"{source}{scored} (this session)"


def current_choice() -> str:
    """The picker's choice for the current dataset (the default sample when none is chosen yet)."""
    key = st.session_state.get(services._STATE_KEY)
    if isinstance(key, str) and key.startswith("sample:") and key.removeprefix("sample:") in services.available_samples():
        return key.removeprefix("sample:")
    if key in st.session_state.get(services._REGISTRY_KEY, {}):
        return key
    return services.DEFAULT_SAMPLE


def open_dataset(choice: str) -> tuple[str, AnnotationSet]:
    """Make the picked dataset current and return ``(key, set)``."""
    if choice in services.available_samples():
        key, aset = f"sample:{choice}", services.get_sample(choice)
    else:
        key, aset = choice, st.session_state[services._REGISTRY_KEY][choice]
    services.set_current(key, aset)
    return key, aset


def vendor_column(aset: AnnotationSet) -> str | None:
    """An extra column naming the annotators' vendor/team, when the table has one."""
    for name in ("vendor", "team", "company", "organization", "organisation", "workforce"):
        if name in aset.frame.columns:
            return name
    return None


def slice_columns(aset: AnnotationSet) -> list[str]:
    """Extra columns of the table (camera, site, vendor, …) with a few distinct values, to slice agreement by."""
    from analytics.io._mapping import CANONICAL_COLUMNS

    out = []
    for column in aset.frame.columns:
        if column in CANONICAL_COLUMNS and column != "round":
            continue
        n = aset.frame[column].nunique(dropna=True)
        if 2 <= n <= 50:
            out.append(column)
    return out


def bundled_model(key: str) -> Any:
    """The bundled sample's TorchScript model and its input size, when the current set is that sample."""
    if not key.startswith("sample:"):
        return None
    files = services.sample_files(key.split(":", 1)[1])
    return files.get("model")


def score_current(key: str, aset: AnnotationSet, model: Any, *, size: int | None, grayscale: bool | None,
                  device: str, progress: Callable[[int, int], None],
                  classes: list[str] | None = None) -> tuple[str, AnnotationSet]:
    """Score the set's images with ``model`` (path or bytes of a TorchScript file), attach the predictions,
    and make the scored set current. Not cached: scoring is an explicit action with a progress bar."""
    import analytics
    from analytics.exceptions import InvalidParameterError
    from analytics.io.attachments import attach
    from dashboard.images import image_policy

    roots = image_policy(key).roots
    if not roots:
        raise InvalidParameterError(
            "This dataset has no image folder, so its images are not opened: load the export again on the Data page "
            "and name the folder that holds its images (Image folder on this computer).")
    paths = analytics.image_paths(aset, root=roots[0])  # every image inside the folder, or an error naming items
    with tempfile.TemporaryDirectory() as tmp:
        if isinstance(model, (bytes, bytearray)):
            model_path = Path(tmp) / "model.pt"
            write_bytes_atomic(model_path, model)
            digest = hashlib.sha256(model).hexdigest()[:16]
        else:
            model_path = Path(model)
            digest = hashlib.sha256(model_path.read_bytes()).hexdigest()[:16]
        transform = analytics.image_transform(size=size, grayscale=grayscale)
        probs = analytics.score_images(str(model_path), list(paths.to_numpy()), transform=transform, device=device,
                                       progress=progress)
    if classes is None:
        classes = [c for c in aset.categories if c != aset.unknown_label][: probs.shape[1]]
    if len(classes) != probs.shape[1]:
        raise InvalidParameterError(
            f"The model has {probs.shape[1]} outputs but {len(classes)} class names were given or found; "
            "list the model's class names in output order.")
    frame = analytics.predictions_frame(probs, list(paths.index), classes=classes)
    scored = attach(aset, predictions=frame)
    new_key = f"{key}|scored:{digest}"
    services.set_current(new_key, scored)
    return new_key, scored


# -- Label Studio: pull and push are explicit actions (a server's content changes); the token stays in the session --
def pull_labelstudio(url: str, project: str, token: str) -> tuple[str, AnnotationSet]:
    """Pull a Label Studio project and make it the current dataset; the connection (with the token) is kept in
    this browser session only, for the Review page's push."""
    from datetime import datetime, timezone

    from analytics.exceptions import LabelStudioError
    from analytics.io import load_annotations
    from analytics.io.labelstudio_api import server_address

    if not token.strip():
        raise LabelStudioError("Enter an API token: a personal access token from Label Studio → Account & Settings "
                               "→ Personal Access Token (or a legacy token).")
    target = str(server_address(url, project))
    aset = load_annotations(target, format="labelstudio", token=token.strip())
    key = f"labelstudio:{target}@{datetime.now(timezone.utc).isoformat(timespec='seconds')}"
    services.set_current(key, aset)
    st.session_state[_LABELSTUDIO_KEY] = {"address": target, "token": token.strip(), "key": key}
    st.session_state.pop(_PLAN_KEY, None)
    return key, aset


def labelstudio_connection(key: str) -> dict[str, str] | None:
    """The connected project when the dataset ``key`` was pulled from it in this session (else None)."""
    conn = st.session_state.get(_LABELSTUDIO_KEY)
    return conn if isinstance(conn, dict) and conn.get("key") == key else None


def plan_push(key: str, items: Any, queue: str, to_project: str | None) -> Any:
    """Check the push of ``items`` against the server and keep the plan for :func:`apply_push` (nothing written)."""
    from analytics.io import plan_labelstudio_push

    conn = labelstudio_connection(key)
    if conn is None:
        from analytics.exceptions import LabelStudioError

        raise LabelStudioError("This dataset was not pulled from Label Studio in this session: connect on the Data "
                               "page first.")
    plan = plan_labelstudio_push(items, conn["address"], queue=queue, token=conn["token"], to_project=to_project)
    st.session_state[_PLAN_KEY] = {"key": key, "queue": queue, "to_project": to_project, "plan": plan}
    return plan


def pending_plan(key: str, queue: str, to_project: str | None) -> Any:
    """The plan previewed for exactly this dataset, queue and target, if any."""
    held = st.session_state.get(_PLAN_KEY)
    if isinstance(held, dict) and (held["key"], held["queue"], held["to_project"]) == (key, queue, to_project):
        return held["plan"]
    return None


def apply_push(plan: Any) -> Any:
    """Carry out the previewed plan (analytics.apply_labelstudio_push) and forget it."""
    from analytics.io import apply_labelstudio_push

    st.session_state.pop(_PLAN_KEY, None)
    return apply_labelstudio_push(plan)
