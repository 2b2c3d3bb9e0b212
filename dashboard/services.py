"""The dashboard's only bridge to :mod:`analytics`, and the only place with Streamlit caching.

Annotation sets are cached once as resources keyed by a content hash (a bundled sample's name, or
the SHA-256 of an uploaded file plus its load options); derived statistics are small cached data
keyed by that same hash, so no DataFrame is hashed on a rerun.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analytics import AnnotationFileError, AnnotationSet
from analytics.limits import current_limits, limit_message
from analytics.cli.validate import describe
from analytics.samples import load_sample, sample_files, sample_names

__all__ = [
    "DEFAULT_SAMPLE",
    "available_samples",
    "sample_title",
    "get_sample",
    "load_upload",
    "current_set",
    "set_current",
    "dataset_choices",
    "dataset_title",
    "current_choice",
    "open_dataset",
    "dataset_overview",
    "category_balance",
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
def _load_bytes(digest: str, file_name: str, data: bytes, options_json: str) -> AnnotationSet:
    from analytics import load_annotations

    options = json.loads(options_json)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(file_name).name
        path.write_bytes(data)
        return load_annotations(path, **options)


def load_upload(file_name: str, data: bytes, options: dict[str, Any]) -> tuple[str, AnnotationSet]:
    """Load uploaded bytes (cached by content hash and options); returns ``(key, set)``.

    The size limit (``AQA_MAX_FILE_BYTES``) is checked before anything is written or hashed; the
    other limits apply while loading (see :mod:`analytics.limits`).
    """
    limits = current_limits()
    if len(data) > limits.max_file_bytes:
        raise AnnotationFileError(limit_message("max_file_bytes", len(data), f"The upload '{file_name}' is too large",
                                                limits))
    options_json = json.dumps(options, sort_keys=True)
    digest = hashlib.sha256(data + options_json.encode()).hexdigest()
    return f"upload:{digest}", _load_bytes(digest, file_name, data, options_json)


def set_current(key: str, aset: AnnotationSet) -> None:
    """Make ``aset`` the dataset every page shows."""
    st.session_state.setdefault(_REGISTRY_KEY, {})[key] = aset
    st.session_state[_STATE_KEY] = key


def dataset_choices() -> list[str]:
    """What the dataset picker offers: the bundled samples (by name), then the datasets registered in
    this session with :func:`set_current` (uploads, DataFrames; by key)."""
    registry = st.session_state.get(_REGISTRY_KEY, {})
    return available_samples() + [k for k in registry if not str(k).startswith("sample:")]


def dataset_title(choice: str) -> str:
    """The picker's text for a choice (plain text: Streamlit shows option labels literally)."""
    if choice in available_samples():
        return sample_title(choice)
    aset = st.session_state.get(_REGISTRY_KEY, {}).get(choice)
    source = aset.report.source if aset is not None else choice
    return f"{source} (this session)"


def current_choice() -> str:
    """The picker's choice for the current dataset (the default sample when none is chosen yet)."""
    key = st.session_state.get(_STATE_KEY)
    if isinstance(key, str) and key.startswith("sample:") and key.removeprefix("sample:") in available_samples():
        return key.removeprefix("sample:")
    if key in st.session_state.get(_REGISTRY_KEY, {}):
        return key
    return DEFAULT_SAMPLE


def open_dataset(choice: str) -> tuple[str, AnnotationSet]:
    """Make the picked dataset current and return ``(key, set)``."""
    if choice in available_samples():
        key, aset = f"sample:{choice}", get_sample(choice)
    else:
        key, aset = choice, st.session_state[_REGISTRY_KEY][choice]
    set_current(key, aset)
    return key, aset


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
