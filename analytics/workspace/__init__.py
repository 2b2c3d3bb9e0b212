"""Workspaces: every delivery of a project in one database, with trends across deliveries.

A workspace is a real database: by default one local SQLite file that needs no server (``aqa add FILE
--workspace pilot.aqa``), or a PostgreSQL database shared by a team (``--workspace
postgresql://user:pw@host/db``), through the same SQLAlchemy Core code. Its schema is versioned with Alembic
migrations (:mod:`analytics.workspace._db`).

>>> import analytics as aqa                                                      # doctest: +SKIP
>>> ws = aqa.open_workspace("pilot.aqa", create=True)                             # doctest: +SKIP
>>> ws.add(aqa.load_annotations("week1.csv", gold="gold.csv"), name="week-1", vendor="Acme")  # doctest: +SKIP
>>> ws.history().regressions, ws.check_no_regression().status                   # doctest: +SKIP

Each delivery stores its annotations (Parquet, columnar), gold labels, predictions and taxonomy, the import
report, its source files' SHA-256, its metadata and its :class:`~analytics.QualityReport` JSON, plus the summaries
the trends read (:mod:`analytics.workspace._summaries`). The same content cannot be added twice; items that come
back in later deliveries are recognised. Names load lazily (``import analytics.workspace`` imports SQLAlchemy only).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY = {
    "Workspace": "._api",
    "DeliveryContents": "._api",
    "open_workspace": "._api",
    "DeliveryInfo": "._records",
    "SourceFile": "._records",
    "History": "._history",
    "RegressionCheck": "._regression",
    "WorkspaceError": "._errors",
    "WorkspaceNotFoundError": "._errors",
    "WorkspaceBusyError": "._errors",
    "WorkspaceVersionError": "._errors",
    "DuplicateDeliveryError": "._errors",
    "DeliveryNotFoundError": "._errors",
    "HEAD_REVISION": "._tables",
    "Decision": "._decisions",
    "DecisionCheck": "._decisions",
    "DECISION_ACTIONS": "._decisions",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'analytics.workspace' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:
    from ._api import DeliveryContents, Workspace, open_workspace
    from ._errors import (
        DeliveryNotFoundError,
        DuplicateDeliveryError,
        WorkspaceBusyError,
        WorkspaceError,
        WorkspaceNotFoundError,
        WorkspaceVersionError,
    )
    from ._decisions import DECISION_ACTIONS, Decision, DecisionCheck
    from ._history import History
    from ._records import DeliveryInfo, SourceFile
    from ._regression import RegressionCheck
    from ._tables import HEAD_REVISION
