"""Exceptions and warnings raised by :mod:`analytics`.

Every error caused by user input is a :class:`ValueError` subclass whose message names the
offending rows, ids or columns and says how to fix the input. Statistics that are undefined for
the data at hand (one category used, fewer than two raters on every item, …) do not raise: they
return NaN and emit :class:`UndefinedMetricWarning` with the reason.
"""

from __future__ import annotations

__all__ = [
    "AnnotationQAError",
    "AnnotationSchemaError",
    "AnnotationFileError",
    "UnknownLabelError",
    "TaxonomyError",
    "InvalidParameterError",
    "ModelError",
    "LabelStudioError",
    "OutputWriteError",
    "UndefinedMetricWarning",
    "DataQualityWarning",
    "ConvergenceWarning",
]


class AnnotationQAError(ValueError):
    """Base class of every error :mod:`analytics` raises on bad input."""


class AnnotationSchemaError(AnnotationQAError):
    """The annotations (or gold, predictions) do not fit the data contract.

    Raised for missing columns, duplicate ``(item_id, annotator_id, round)`` rows, a table with
    nothing usable left, and similar problems. The message lists the offending rows or columns.
    """


class AnnotationFileError(AnnotationSchemaError):
    """A file cannot be read: missing, unreadable, truncated, or not the format claimed."""


class UnknownLabelError(AnnotationSchemaError):
    """Labels that are not classes of the declared taxonomy or category list."""


class TaxonomyError(AnnotationSchemaError):
    """The taxonomy itself is malformed (cycle, unknown parent, duplicate class names, …)."""


class InvalidParameterError(AnnotationQAError):
    """An option passed to a public function has an invalid value."""


class ModelError(AnnotationQAError):
    """A model cannot be loaded or run: not a TorchScript/state-dict file, an unsafe pickle refused,
    a state dict that does not fit the model, or outputs of the wrong shape for the images given.
    """


class LabelStudioError(AnnotationQAError):
    """A Label Studio server cannot be used as asked: it cannot be reached, refuses the token, has no such
    project, answers with a server error, or the project asks no classification question. The message says
    what to fix; a push that fails leaves the server as it was."""


class OutputWriteError(AnnotationQAError):
    """A result file could not be written (disk full, no permission, a folder that does not exist).

    The message names the file. Files are written atomically (:mod:`analytics._atomic`), so the previous
    file at that path, if any, is left unchanged.
    """


class UndefinedMetricWarning(UserWarning):
    """A statistic is undefined for this data; the result is NaN and the message says why."""


class DataQualityWarning(UserWarning):
    """The data loads, but something in it deserves the user's attention."""


class ConvergenceWarning(UserWarning):
    """An iterative estimator stopped at its iteration limit before meeting its convergence criterion."""
