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
    "FieldChoiceError",
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


class FieldChoiceError(AnnotationSchemaError):
    """A labeling-tool export asks several classification questions and none was chosen.

    The message says how to choose in Python (``field=``). Other surfaces say it their own way from the structured
    attributes: :meth:`reworded` keeps the finding and replaces the how-to (the CLI names ``--field``, the dashboard
    its field box).

    Attributes
    ----------
    source : str
        The file (or export) read.
    what : str
        ``"control"`` or ``"question"``: the tool's word for one classification field.
    fields : dict
        Each classification field and how many annotations carry it, most first.
    suggestion : str
        The field with the most annotations.
    """

    def __init__(self, source: str, what: str, fields: dict[str, int]) -> None:
        self.source, self.what = str(source), str(what)
        self.fields = dict(sorted(fields.items(), key=lambda kv: (-kv[1], kv[0])))
        self.suggestion = max(fields, key=lambda k: (fields[k], k)) if fields else ""
        super().__init__(self.reworded(f"choose one with field= (e.g. field='{self.suggestion}')"))

    def reworded(self, how_to_choose: str) -> str:
        """The finding with ``how_to_choose`` as the way out, e.g. ``"choose one with --field"``."""
        shown = ", ".join(f"'{k}' ({n:,})" for k, n in self.fields.items())
        return (f"'{self.source}' has {len(self.fields)} classification {self.what}s: {shown}. Each is a separate "
                f"question; {how_to_choose}.")


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
