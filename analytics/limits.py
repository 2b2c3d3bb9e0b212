"""Size and shape limits on input: generous for real labeling projects, fatal for hostile files.

Annotation exports come from outside, so every loader checks what it reads against a
:class:`Limits`: the size of one file, the records (rows, lines, tasks …) and annotations, the
columns of a table, the distinct categories, the length of one label or id, and the nesting depth of
JSON/YAML documents. A violation raises :class:`~analytics.exceptions.AnnotationFileError` (the file
itself: size, nesting) or :class:`~analytics.exceptions.AnnotationSchemaError` (its content: rows,
columns, categories, text length) whose message names the limit, the value found, and how to raise it.

The defaults sit one to three orders of magnitude above a labeling pilot (100–500 images, a handful
of annotators, tens of classes) and above the large public crowd datasets (CIFAR-10H: 10,000 images,
511,400 annotations); they stop inputs built to exhaust memory or time.

=====================  ===============  =======================================================
limit                  default          environment variable
=====================  ===============  =======================================================
``max_file_bytes``     2 GiB            ``AQA_MAX_FILE_BYTES``
``max_rows``           10,000,000       ``AQA_MAX_ROWS`` (records read, and annotations built)
``max_columns``        20,000           ``AQA_MAX_COLUMNS``
``max_categories``     20,000           ``AQA_MAX_CATEGORIES`` (distinct labels/tags/classes)
``max_text_length``    4,096            ``AQA_MAX_TEXT_LENGTH`` (characters of a label or id)
``max_json_depth``     64               ``AQA_MAX_JSON_DEPTH`` (nesting of JSON/YAML documents)
=====================  ===============  =======================================================

How memory scales: JSON Lines/NDJSON (tables, Labelbox Export v2, SageMaker manifests) and the top-level
list of a JSON export (Label Studio full and JSON_MIN, Labelbox v1) are streamed one record at a time,
and CVAT XML one ``<image>`` at a time, so the parser never holds the whole document (a 17 MiB Label
Studio export streams in about 5 MiB, against about 106 MiB for ``json.load``; see
``benchmarks/bench_hardening.py``); the annotations kept still take memory in proportion to their
number, bounded by ``max_rows``. Datumaro JSON, SageMaker worker-response/payload files,
taxonomies and CSV/TSV/Parquet tables are read whole, so their memory is bounded by
``max_file_bytes`` (times the parser's overhead, about 5–10× for JSON) and, for tables, by
``max_rows`` × ``max_columns`` (CSV is read with ``nrows=max_rows + 1``, Parquet checked from its
metadata before reading).

Pass ``limits=Limits(...)`` to :func:`analytics.load_annotations` (or :func:`analytics.load_gold`,
:func:`analytics.load_predictions`, :func:`analytics.load_taxonomy`), or set the environment
variables; an explicit ``limits=`` wins over the environment.

Examples
--------
>>> from analytics.limits import Limits
>>> Limits().max_rows
10000000
>>> Limits.from_env({"AQA_MAX_ROWS": "500"}).max_rows
500
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from .exceptions import AnnotationSchemaError, InvalidParameterError

__all__ = ["Limits", "current_limits", "use_limits", "limit_message", "check_text_lengths"]

_UNITS = {"max_file_bytes": "bytes", "max_rows": "records", "max_columns": "columns",
          "max_categories": "categories", "max_text_length": "characters", "max_json_depth": "levels"}


@dataclass(frozen=True)
class Limits:
    """Size and shape limits applied while loading untrusted files (see the module docstring).

    Parameters
    ----------
    max_file_bytes : int
        Size of one input file.
    max_rows : int
        Records read from one source (table rows, JSON lines, tasks, images …) and annotations in a set.
    max_columns : int
        Columns of a table (wide tables: one per annotator; counts and predictions: one per class).
    max_categories : int
        Distinct categories (labels or tags) of a set, classes of a taxonomy.
    max_text_length : int
        Characters of one label, tag, item id, annotator id or class name.
    max_json_depth : int
        Nesting depth of a JSON document, JSON Lines record, JSON cell or YAML taxonomy.
    """

    max_file_bytes: int = 2 * 1024**3
    max_rows: int = 10_000_000
    max_columns: int = 20_000
    max_categories: int = 20_000
    max_text_length: int = 4_096
    max_json_depth: int = 64

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise InvalidParameterError(f"Limits.{f.name} must be a positive whole number, got {value!r}.")

    @staticmethod
    def env_var(name: str) -> str:
        """The environment variable of a limit: ``max_rows`` → ``AQA_MAX_ROWS``."""
        return "AQA_" + name.upper()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Limits":
        """Defaults overridden by the ``AQA_MAX_*`` environment variables that are set."""
        environ = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for f in fields(cls):
            text = environ.get(cls.env_var(f.name))
            if text is None or not text.strip():
                continue
            try:
                values[f.name] = int(text.strip().replace("_", ""))
            except ValueError:
                raise InvalidParameterError(
                    f"The environment variable {cls.env_var(f.name)}={text!r} is not a whole number; "
                    f"set it to the limit in {_UNITS[f.name]} (default {getattr(cls(), f.name):,})."
                ) from None
        return cls(**values)

    def with_(self, **changes: int) -> "Limits":
        """A copy with some limits changed."""
        return replace(self, **changes)


_ACTIVE: ContextVar[Limits | None] = ContextVar("aqa_limits", default=None)


def current_limits() -> Limits:
    """The limits of the load in progress (see :func:`use_limits`), else those of the environment."""
    active = _ACTIVE.get()
    return active if active is not None else Limits.from_env()


@contextmanager
def use_limits(limits: Limits | None) -> Iterator[Limits]:
    """Make ``limits`` the limits of every reader called inside the block.

    ``None`` keeps the limits of an enclosing block (a gold file loaded by ``load_annotations``
    uses the caller's limits), or reads the environment when there is none.
    """
    if limits is not None and not isinstance(limits, Limits):
        raise InvalidParameterError(f"limits= must be an analytics.limits.Limits, got {type(limits).__name__}.")
    chosen = limits if limits is not None else current_limits()
    token = _ACTIVE.set(chosen)
    try:
        yield chosen
    finally:
        _ACTIVE.reset(token)


def limit_message(name: str, found: Any, what: str, limits: Limits | None = None) -> str:
    """The sentence every limit violation uses: what, the value found, the limit, and how to raise it."""
    limits = limits or current_limits()
    limit = getattr(limits, name)
    unit = _UNITS[name]
    shown = f"{found:,}" if isinstance(found, (int, np.integer)) else str(found)
    return (f"{what}: {shown} {unit}, above the limit {name}={limit:,} {unit}. This limit protects against "
            f"files built to exhaust memory; if the input is genuine, raise it with the environment variable "
            f"{Limits.env_var(name)} or pass limits=Limits({name}=...) to the loader.")


def check_text_lengths(values: Iterable[Any], *, what: str, limits: Limits | None = None) -> None:
    """Raise :class:`AnnotationSchemaError` when a text (label, id, class name) is longer than ``max_text_length``."""
    limits = limits or current_limits()
    longest, example = 0, ""
    for value in values:
        for text in (value if isinstance(value, (tuple, list, frozenset, set)) else (value,)):
            if isinstance(text, str) and len(text) > longest:
                longest, example = len(text), text
    if longest > limits.max_text_length:
        raise AnnotationSchemaError(
            limit_message("max_text_length", longest, f"A {what} is too long ({example[:40]!r}…)", limits)
        )
