"""The API boundary's one conversion: a table or a file becomes an :class:`~analytics.AnnotationSet` here.

Statistics take an :class:`~analytics.AnnotationSet` (or a distributed set) and never read files. The public
names of :mod:`analytics` whose first argument is ``annotations`` also accept a tidy pandas DataFrame, a Dask
DataFrame or the path of an export: :mod:`analytics`'s lazy loader wraps each of them once with
:func:`at_boundary`, which passes that argument through :func:`as_annotation_set` (that is,
:func:`analytics.load_annotations` with its defaults) before the statistic sees it. Calling a statistic from its
own module (``analytics.agreement.fleiss_kappa``) skips the conversion: it wants a set. Label tables passed as
``given=`` and model outputs passed as ``predictions=`` (:func:`analytics.find_label_errors`) are loaded here the same
way (:func:`as_gold_labels`, :func:`as_predictions`), so the statistic receives :class:`~analytics.GoldLabels` and
:class:`~analytics.Predictions`.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Callable, TypeVar

import pandas as pd

from .._reshape import is_distributed
from .._schema import AnnotationSet
from ..exceptions import InvalidParameterError
from . import load_annotations
from .attachments import GoldLabels, Predictions, _coerce_gold, _coerce_predictions

__all__ = ["as_annotation_set", "as_gold_labels", "as_predictions", "at_boundary", "is_dask_frame"]

F = TypeVar("F", bound=Callable[..., Any])


def is_dask_frame(obj: Any) -> bool:
    """Whether ``obj`` is a Dask DataFrame (without importing Dask)."""
    return type(obj).__module__.startswith("dask.") and hasattr(obj, "npartitions") and hasattr(obj, "columns")


def as_annotation_set(annotations: Any) -> Any:
    """An :class:`AnnotationSet` (or a distributed set) as is; a tidy DataFrame, a Dask DataFrame or a path
    loaded with :func:`analytics.load_annotations` and its defaults.

    Raises
    ------
    InvalidParameterError
        Anything else (named by its type), with the way to load it.
    """
    if isinstance(annotations, AnnotationSet) or is_distributed(annotations):
        return annotations
    if isinstance(annotations, (pd.DataFrame, str, os.PathLike)) or is_dask_frame(annotations):
        return load_annotations(annotations)
    raise InvalidParameterError(
        f"Expected an AnnotationSet (see analytics.load_annotations), a tidy DataFrame with item_id, annotator_id "
        f"and label columns, or the path of an export; got {type(annotations).__name__}."
    )


def as_gold_labels(given: Any) -> GoldLabels | None:
    """Labels per item (a pandas Series indexed by item id, a table or file with an item and a label column, or
    :class:`~analytics.GoldLabels`) loaded as :class:`~analytics.GoldLabels` (:func:`analytics.load_gold`); None stays None.
    """
    if given is None or isinstance(given, GoldLabels):
        return given
    if isinstance(given, (pd.Series, pd.DataFrame, str, os.PathLike)):
        return _coerce_gold(given)
    raise InvalidParameterError(
        f"given must be labels per item: a pandas Series indexed by item id, a table (DataFrame or file) with an "
        f"item column and a label column, or None (gold, else the consensus); got {type(given).__name__}.")


def as_predictions(predictions: Any) -> Predictions | None:
    """Model outputs (a table or file, or :class:`~analytics.Predictions`) loaded as :class:`~analytics.Predictions`
    (:func:`analytics.load_predictions`); None stays None."""
    return None if predictions is None else _coerce_predictions(predictions)


#: Keyword arguments converted at the boundary besides ``annotations``, by name.
_ATTACHMENTS: dict[str, Callable[[Any], Any]] = {"given": as_gold_labels, "predictions": as_predictions}


def at_boundary(func: F) -> F:
    """``func`` with its ``annotations`` argument (first positional, or by keyword) converted by
    :func:`as_annotation_set`, and its ``given=`` / ``predictions=`` keywords by :func:`as_gold_labels` /
    :func:`as_predictions`; name, docstring and signature are ``func``'s (``__wrapped__`` is ``func``)."""
    @functools.wraps(func)
    def boundary(*args: Any, **kwargs: Any) -> Any:
        if args:
            args = (as_annotation_set(args[0]),) + args[1:]
        elif "annotations" in kwargs:
            kwargs["annotations"] = as_annotation_set(kwargs["annotations"])
        for name, convert in _ATTACHMENTS.items():
            if name in kwargs:
                kwargs[name] = convert(kwargs[name])
        return func(*args, **kwargs)

    return boundary  # type: ignore[return-value]
