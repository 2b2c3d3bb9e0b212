"""Frozen result types shared by the analyses.

Every statistic returns a frozen dataclass — never a dict whose keys change with flags. Results
with a single value derive from :class:`Estimate`; tables are pandas DataFrames held in frozen
dataclasses. :class:`ResultMixin` gives them ``to_dict()`` (JSON-ready) and ``to_frame()``.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import UndefinedMetricWarning

__all__ = ["ResultMixin", "Estimate", "warn_undefined", "jsonable", "interval_text"]


def interval_text(ci_low: float, ci_high: float, confidence_level: float = 0.95, *, spec: str = ".2f",
                  sep: str = "–") -> str:
    """``"95% CI 0.61–0.80"`` for a sentence — or ``"no 95% CI (too few items)"`` when a bound is undefined, so no
    sentence ever shows NaN.

    Examples
    --------
    >>> interval_text(0.6123, 0.8, 0.95), interval_text(float("nan"), 1.0)
    ('95% CI 0.61–0.80', 'no 95% CI (too few items)')
    """
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return f"no {confidence_level:.0%} CI (too few items)"
    return f"{confidence_level:.0%} CI {ci_low:{spec}}{sep}{ci_high:{spec}}"


def jsonable(value: Any) -> Any:
    """Convert numpy/pandas values (and nested containers) to JSON-serializable Python values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value) if not f.name.startswith("_")}
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict("records")]
    if isinstance(value, pd.Series):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


class ResultMixin:
    """``to_dict`` and ``to_frame`` for frozen result dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable dict (NaN and infinities become ``None``)."""
        return jsonable(self)

    def to_frame(self) -> pd.DataFrame:
        """A one-row DataFrame of the scalar fields."""
        row = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if not f.name.startswith("_") and (value is None or np.isscalar(value)):
                row[f.name] = value
        return pd.DataFrame([row])


@dataclass(frozen=True)
class Estimate(ResultMixin):
    """One coefficient with its confidence interval.

    Attributes
    ----------
    value : float
        The point estimate (NaN when undefined; ``reason`` says why).
    ci_low, ci_high : float
        Confidence interval bounds at ``confidence_level``.
    n_items : int
        Items that entered the computation.
    n_annotators : int
        Annotators that entered the computation (0 when annotators are anonymous).
    method : str
        The statistic, e.g. ``"fleiss_kappa"``.
    standard_error : float
        Standard error used for the interval (NaN for a bootstrap percentile interval without one).
    confidence_level : float
    interval_method : str
        How the interval was obtained, with its reference (e.g. ``"asymptotic (Fleiss, Cohen & Everitt 1969)"``).
    reason : str or None
        Why the value is NaN, when it is.
    """

    value: float
    ci_low: float
    ci_high: float
    n_items: int
    n_annotators: int
    method: str
    standard_error: float = float("nan")
    confidence_level: float = 0.95
    interval_method: str = ""
    reason: str | None = None

    def __float__(self) -> float:
        return float(self.value)

    @property
    def is_defined(self) -> bool:
        return bool(np.isfinite(self.value))


def warn_undefined(method: str, reason: str, *, stacklevel: int = 3) -> None:
    """Emit :class:`UndefinedMetricWarning` saying why ``method`` is NaN for this data."""
    warnings.warn(f"{method} is undefined: {reason}", UndefinedMetricWarning, stacklevel=stacklevel)
