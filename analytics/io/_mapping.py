"""The one adapter from foreign column names to the canonical annotation columns.

A :class:`ColumnMapping` says which input column plays which canonical role. Roles left unset are
found by name among well-known synonyms (``question``/``worker``/``answer`` as in the crowdsourcing
benchmarks, ``image_id``/``rater``/``class`` …); every such guess is reported in the import report.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields
from typing import Iterable

from ..exceptions import AnnotationSchemaError, InvalidParameterError

__all__ = ["CANONICAL_COLUMNS", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "ColumnMapping", "SYNONYMS"]

REQUIRED_COLUMNS: tuple[str, ...] = ("item_id", "annotator_id", "label")
OPTIONAL_COLUMNS: tuple[str, ...] = ("round", "timestamp", "duration_s", "image")
CANONICAL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: Names recognised for each role when no explicit mapping is given (compared case-insensitively,
#: ignoring spaces, dashes and underscores). The canonical name itself always comes first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "item_id": ("item_id", "item", "question", "question_id", "task", "task_id", "image_id", "data_row_id",
                "datarow_id", "sample_id", "example_id", "object_id", "image_index", "index", "idx", "id"),
    "annotator_id": ("annotator_id", "annotator", "worker", "worker_id", "rater", "rater_id", "labeler",
                     "labeller", "labeler_id", "user", "user_id", "coder", "judge", "completed_by", "created_by"),
    "label": ("label", "answer", "response", "class", "class_name", "category", "choice", "rating", "annotation"),
    "round": ("round", "pilot_round", "guideline_version", "iteration", "batch_round"),
    "timestamp": ("timestamp", "created_at", "time", "datetime", "submitted_at", "labeled_at", "date"),
    "duration_s": ("duration_s", "duration", "lead_time", "seconds", "time_spent", "seconds_spent", "elapsed_s"),
    "image": ("image", "image_url", "image_path", "img", "file", "filename", "file_name", "url", "path",
              "source_ref", "row_data"),
}


def _key(name: str) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


@dataclass(frozen=True)
class ColumnMapping:
    """Input column names for each canonical role (``None``: find it by name).

    Parameters
    ----------
    item, annotator, label, round, timestamp, duration_s, image : str, optional
        The input column holding that role.
    """

    item: str | None = None
    annotator: str | None = None
    label: str | None = None
    round: str | None = None
    timestamp: str | None = None
    duration_s: str | None = None
    image: str | None = None

    _ROLE = {"item": "item_id", "annotator": "annotator_id", "label": "label", "round": "round",
             "timestamp": "timestamp", "duration_s": "duration_s", "image": "image"}

    def explicit(self) -> dict[str, str]:
        """Canonical role → column for the roles given explicitly."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                if not isinstance(value, str) or not value:
                    raise InvalidParameterError(f"Column mapping option {f.name}= must be a column name, got {value!r}.")
                out[self._ROLE[f.name]] = value
        return out

    def resolve(
        self,
        columns: Iterable[str],
        *,
        required: Iterable[str] = REQUIRED_COLUMNS,
        what: str = "annotations table",
    ) -> dict[str, str]:
        """Map canonical roles to the input's columns.

        Explicit names must exist; unset roles are matched against :data:`SYNONYMS`. A required role
        that cannot be found raises :class:`AnnotationSchemaError` listing the missing roles, the
        columns that are there, and close matches.
        """
        cols = [str(c) for c in columns]
        keyed: dict[str, str] = {}
        for c in cols:
            keyed.setdefault(_key(c), c)
        mapping: dict[str, str] = {}
        explicit = self.explicit()
        missing_explicit = [f"{role}='{col}'" for role, col in explicit.items() if col not in cols]
        if missing_explicit:
            raise AnnotationSchemaError(
                f"The {what} has no column named {', '.join(missing_explicit)}. "
                f"Columns present: {', '.join(map(repr, cols))}."
                + _suggest([c.split("=")[1].strip("'") for c in missing_explicit], cols)
            )
        mapping.update(explicit)
        used = set(mapping.values())
        for role in CANONICAL_COLUMNS:
            if role in mapping:
                continue
            for synonym in SYNONYMS[role]:
                col = keyed.get(_key(synonym))
                if col is not None and col not in used:
                    mapping[role] = col
                    used.add(col)
                    break
        missing = [r for r in required if r not in mapping]
        if missing:
            options = {"item_id": "item=", "annotator_id": "annotator=", "label": "label="}
            raise AnnotationSchemaError(
                f"The {what} is missing required column{'s' if len(missing) != 1 else ''} {', '.join(missing)}. "
                f"Columns present: {', '.join(map(repr, cols)) or '(none)'}. "
                "Name the columns to use with "
                + ", ".join(options.get(m, m + "=") + "'<column>'" for m in missing)
                + ", or rename them."
                + _suggest(missing, cols)
            )
        return mapping


def _suggest(wanted: Iterable[str], present: list[str]) -> str:
    hints = []
    for w in wanted:
        close = difflib.get_close_matches(w, present, n=3, cutoff=0.5)
        if close:
            hints.append(f"for {w!r} did you mean {', '.join(map(repr, close))}?")
    return (" Close matches: " + "; ".join(hints)) if hints else ""
