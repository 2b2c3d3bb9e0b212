"""The dashboard's workspace actions (no caching here: see services.py): which workspace is open, adding the current
dataset as a delivery, opening a delivery as the current dataset, recording a decision.

Every action runs its own short transaction through :mod:`analytics.workspace`, so ``aqa add`` in a terminal and
the dashboard can write to one workspace at the same time (the second writer waits).
"""

from __future__ import annotations

import os
from typing import Any, Callable

import streamlit as st

from analytics import AnnotationSet
from dashboard import services

__all__ = ["WORKSPACE_KEY", "PENDING_KEY", "current_workspace", "open_or_create", "close_workspace", "add_current",
           "open_delivery", "record_decision", "history", "history_parts", "delivery_key"]

WORKSPACE_KEY = "aqa_workspace"
PENDING_KEY = "aqa_pending_choice"  # the Data page's picker selects this key on its next run


def current_workspace() -> str | None:
    """The location of the open workspace (None in single-file mode); a new session starts on the workspace given to
    ``aqa dashboard --workspace W`` (environment variable ``AQA_DASHBOARD_WORKSPACE``)."""
    if WORKSPACE_KEY not in st.session_state and os.environ.get("AQA_DASHBOARD_WORKSPACE"):
        st.session_state[WORKSPACE_KEY] = os.environ["AQA_DASHBOARD_WORKSPACE"]
    value = st.session_state.get(WORKSPACE_KEY)
    return value if isinstance(value, str) and value else None


def open_or_create(location: str, *, create: bool) -> str:
    """Open (or create) the workspace at ``location`` and make it this session's; raises the library's errors."""
    from analytics.workspace import open_workspace

    location = location.strip()
    open_workspace(location, create=create).close()  # create/upgrade once, outside the cache
    services.workspace(location)
    st.session_state[WORKSPACE_KEY] = location
    return location


def close_workspace() -> None:
    st.session_state[WORKSPACE_KEY] = None


def history(location: str, *, confidence_level: float = 0.95, alarm_points: float = 5.0) -> Any:
    """The trends of the workspace as it is now (cached until a delivery or decision changes it)."""
    ws = services.workspace(location)
    return services.workspace_history(location, ws.revision(), confidence_level, alarm_points)


def history_parts(location: str, *, confidence_level: float = 0.95, alarm_points: float = 5.0) -> Callable[..., Any]:
    """``part(name, classes=())``: a table, chart or the check of the History page (:mod:`dashboard.history_view`),
    built once per revision of the workspace and options (cached in services), so a rerun only reads it."""
    revision = services.workspace(location).revision()
    return lambda name, classes=(): services.workspace_history(location, revision, confidence_level, alarm_points, name,
                                                               tuple(classes))


def add_current(location: str, key: str, aset: AnnotationSet, *, name: str | None, vendor: str | None,
                guideline_version: str | None) -> Any:
    """Store the dataset every page shows as a new delivery (its quality report is computed here)."""
    ws = services.workspace(location)
    return ws.add(aset, name=name or None, vendor=vendor or None, guideline_version=guideline_version or None,
                  source=f"dashboard: {aset.report.source}", metadata={"dashboard_key": key.split("|")[0][:120]})


def delivery_key(location: str, name: str) -> str:
    return f"workspace:{location}|{name}"


def open_delivery(location: str, name: str) -> tuple[str, AnnotationSet]:
    """Make a stored delivery the dataset every page shows."""
    info = services.workspace(location).delivery(name)
    aset = services.workspace_delivery(location, name, info.content_hash)
    key = delivery_key(location, name)
    services.set_current(key, aset)
    st.session_state[PENDING_KEY] = key
    return key, aset


def record_decision(location: str, **spec: Any) -> Any:
    """Record a decision (from a recommendation: ``recommendation=rank, delivery=name``)."""
    return services.workspace(location).record_decision(**spec)
