r"""Class imbalance: how common each class is, and which classes have too few examples for a stable kappa.

Prevalence comes from the consensus label of each item (majority vote, or Dawid–Skene). A class's
per-category Fleiss kappa (:func:`fleiss_kappa_by_category`) has a standard error that shrinks like
:math:`\sigma_c/\sqrt{n}` with the number of items *n*; rare classes have a large :math:`\sigma_c`, so their
kappa stays vague. With :math:`\sigma_c = \mathrm{SE}_c\sqrt{n}` read off the current data, a Wald interval
:math:`2 z \sigma_c/\sqrt{n}` wide reaches the wanted width ``ci_width`` at

.. math:: n_{\text{needed}} = \lceil (2 z \sigma_c / w)^2 \rceil

items at the current class mix, of which about :math:`n_{\text{needed}}\,\hat p_c` are of class *c*
(the same planning rule as :func:`plan_pilot`, applied per class). A class also needs at least
``min_items`` consensus items before its kappa counts as evidence.

References
----------
Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin, 76(5),
378–382. https://doi.org/10.1037/h0031619

Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5 (linearized variance). Advanced Analytics.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._reshape import category_totals, require_single_label
from ..agreement._input import require_annotation_set
from ..agreement._results import check_confidence_level
from ..exceptions import ConvergenceWarning, InvalidParameterError, UndefinedMetricWarning
from ..results import ResultMixin
from .._wording import count_noun

__all__ = ["ClassBalance", "class_balance"]


@dataclass(frozen=True, eq=False)
class ClassBalance(ResultMixin):
    """Prevalence per class and whether each class has enough examples for a stable per-class kappa.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per category: ``category, n_items`` (consensus items), ``prevalence`` (share of items with a
        consensus), ``annotation_share`` (share of all labels), ``kappa, standard_error, ci_width``
        (:math:`2 z \\mathrm{SE}`, uncapped), ``n_items_needed`` (items at the current class mix for an interval
        ``ci_width`` wide), ``n_class_items_needed`` (items of this class then, at least ``min_items``),
        ``n_more_items`` (class items still missing), ``stable`` and ``reason`` (why not).
    rare : tuple of str
        Classes that are not ``stable``.
    consensus : str
        ``"majority_vote"`` or ``"dawid_skene"``.
    n_items, n_unresolved : int
        Items, and items without a consensus (ties), which do not count towards prevalence.
    ci_width, confidence_level : float
    min_items : int
    """

    table: pd.DataFrame
    rare: tuple[str, ...]
    consensus: str
    n_items: int
    n_unresolved: int
    ci_width: float
    confidence_level: float
    min_items: int

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def class_balance(annotations: Any, *, consensus: Literal["majority_vote", "dawid_skene"] = "majority_vote",
                  ci_width: float = 0.3, min_items: int = 10, confidence_level: float = 0.95) -> ClassBalance:
    r"""Prevalence per class (from consensus) and the classes with too few examples for a stable kappa.

    A class is ``stable`` when its per-category kappa's Wald interval is at most ``ci_width`` wide
    (:math:`2 z\,\mathrm{SE}`, before capping at 1) and it has at least ``min_items`` consensus items. For the
    others the table says how many items would make it so (see the module docstring).

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        Single-label annotations.
    consensus : {"majority_vote", "dawid_skene"}
        How each item's class is decided (ties of the majority vote stay without consensus).
    ci_width : float
        Widest acceptable interval of a per-class kappa (0.3 is ±0.15).
    min_items : int
        Fewest consensus items of a class before its kappa counts.
    confidence_level : float

    Returns
    -------
    ClassBalance

    References
    ----------
    Fleiss (1971), https://doi.org/10.1037/h0031619; Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, ch. 5.

    Examples
    --------
    >>> from analytics import load_annotations
    >>> res = class_balance(load_annotations("sample_data/retail/annotations.csv"))
    >>> int(res.table["n_items"].sum()) + res.n_unresolved
    300
    """
    from ..agreement import fleiss_kappa_by_category
    from ..annotators.consensus import dawid_skene, majority_vote

    check_confidence_level(confidence_level)
    if consensus not in ("majority_vote", "dawid_skene"):
        raise InvalidParameterError(f"consensus= must be 'majority_vote' or 'dawid_skene'; got {consensus!r}.")
    if not isinstance(ci_width, (int, float)) or not 0.0 < float(ci_width) < 2.0:
        raise InvalidParameterError(f"ci_width= must be in (0, 2), e.g. 0.3; got {ci_width!r}.")
    if not isinstance(min_items, (int, np.integer)) or min_items < 1:
        raise InvalidParameterError(f"min_items= must be a positive integer; got {min_items!r}.")
    aset = require_annotation_set(annotations)
    require_single_label(aset, "class_balance")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (UndefinedMetricWarning, ConvergenceWarning))
        res = majority_vote(aset) if consensus == "majority_vote" else dawid_skene(aset)
        per_class = fleiss_kappa_by_category(aset, confidence_level=confidence_level)
    n_cons = res.label_counts().reindex(list(aset.categories), fill_value=0).to_numpy()
    resolved = max(int(n_cons.sum()), 1)
    used = category_totals(aset)
    prevalence = n_cons / resolved
    z = stats.norm.ppf(0.5 + confidence_level / 2.0)
    kappa = per_class["kappa"].to_numpy(dtype=float)
    se = per_class["standard_error"].to_numpy(dtype=float)
    n_units = per_class["n_items"].to_numpy(dtype=float)
    width = 2.0 * z * se
    with np.errstate(invalid="ignore", divide="ignore"):
        needed = np.ceil((2.0 * z * se * np.sqrt(n_units) / ci_width) ** 2)
    class_needed = np.where(np.isfinite(needed), np.maximum(np.ceil(needed * prevalence), min_items), min_items)
    more = np.maximum(class_needed - n_cons, 0)
    stable, reasons = _verdicts(n_cons, kappa, width, ci_width, min_items)
    table = pd.DataFrame({
        "category": list(aset.categories), "n_items": n_cons, "prevalence": prevalence,
        "annotation_share": used / max(aset.n_annotations, 1), "kappa": kappa, "standard_error": se,
        "ci_width": width, "n_items_needed": needed, "n_class_items_needed": class_needed.astype(np.int64),
        "n_more_items": more.astype(np.int64), "stable": stable, "reason": reasons,
    })
    return ClassBalance(table=table, rare=tuple(table.loc[~table["stable"], "category"]), consensus=consensus,
                        n_items=aset.n_items, n_unresolved=int(res.n_unresolved), ci_width=float(ci_width),
                        confidence_level=confidence_level, min_items=int(min_items))


def _verdicts(n_cons: np.ndarray, kappa: np.ndarray, width: np.ndarray, ci_width: float,
              min_items: int) -> tuple[np.ndarray, list[str | None]]:
    stable, reasons = [], []
    for n, k, w in zip(n_cons, kappa, width):
        if n == 0:
            stable.append(False)
            reasons.append("no item has this class as consensus")
        elif n < min_items:
            stable.append(False)
            reasons.append(f"only {count_noun(int(n), 'consensus item')} (need {min_items})")
        elif not math.isfinite(k):
            stable.append(False)
            reasons.append("its per-class kappa is undefined")
        elif w > ci_width:
            stable.append(False)
            reasons.append(f"its kappa interval is {w:.2f} wide (want ≤ {ci_width:.2f})")
        else:
            stable.append(True)
            reasons.append(None)
    return np.array(stable, dtype=bool), reasons
