r"""Which annotators disagree with their peers? An audit that needs no gold.

Each annotation is compared with the leave-one-out plurality label of the *other* annotators of its item
(:func:`~analytics.annotators.drift.reference_correctness` without gold; unscored when the others tie or nobody
else rated the item). For annotator *x* with :math:`a_x` agreements out of :math:`n_x` scored annotations, and
:math:`a_o / n_o` for all other annotators pooled, a one-sided Fisher exact test asks whether *x* agrees less
often than the others,

.. math:: p_x = P(A \le a_x), \qquad A \sim \mathrm{Hypergeometric}(n_x + n_o,\ a_x + a_o,\ n_x),

Holm-adjusted across annotators. An annotator is **flagged** when the adjusted p-value is below
``1 - confidence_level`` *and* their agreement is at least ``margin`` below the others' — a difference worth a
retraining, not one that only a large pilot can resolve. ``"cannot be measured"`` (with the reason) when the
annotator has fewer than ``min_scored`` scored annotations.

A careless annotator (many random errors) or one who confuses several classes is flagged; an annotator who
errs only on some items late in a session is the drift check's (:func:`analytics.accuracy_over_time`).

References
----------
Fisher, R. A. (1922). On the interpretation of χ² from contingency tables, and the calculation of P. Journal of
the Royal Statistical Society, 85(1), 87–94. https://doi.org/10.2307/2340521

Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of Statistics,
6(2), 65–70. https://www.jstor.org/stable/4615733
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .._reshape import cached, reduce_items, require_annotators, require_single_label
from ..agreement._results import check_confidence_level
from ..exceptions import InvalidParameterError
from ..results import ResultMixin
from .drift import reference_correctness
from .gold import holm

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["PeerAgreement", "agreement_with_peers", "PEER_COLUMNS"]

#: Columns of :attr:`PeerAgreement.table`.
PEER_COLUMNS = ["annotator_id", "n_scored", "agreement", "others_agreement", "difference", "p_value", "p_adjusted",
                "verdict", "reason"]


@dataclass(frozen=True, eq=False)
class PeerAgreement(ResultMixin):
    """Each annotator's agreement with the other annotators of their items.

    Attributes
    ----------
    table : pandas.DataFrame
        :data:`PEER_COLUMNS`, lowest agreement first: ``agreement`` (share of scored annotations equal to the
        others' plurality), ``others_agreement`` (the same for everyone else, pooled), ``difference``
        (agreement − others), ``p_value``/``p_adjusted`` (one-sided Fisher exact, Holm), ``verdict``
        (``"below peers"``, ``"in line"`` or ``"cannot be measured"``) and ``reason`` (why it cannot be measured).
    margin : float
    confidence_level : float
    test_method : str
    """

    table: pd.DataFrame
    margin: float
    confidence_level: float
    test_method: str = ("one-sided Fisher exact test of the annotator's agreement with the leave-one-out plurality "
                        "of the others against everyone else's, Holm-adjusted across annotators")

    @property
    def flagged(self) -> list[str]:
        """Annotators significantly and materially below their peers."""
        return self.table.loc[self.table["verdict"] == "below peers", "annotator_id"].tolist()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _peer_counts(aset: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per annotator: annotations scored against the other annotators' unique plurality, and how many agree.
    Additive over disjoint sets of items (the plurality of an item's others lies within the item)."""
    def count() -> tuple[np.ndarray, np.ndarray]:
        correct, _ = reference_correctness(aset, use_gold=False)
        scored = np.isfinite(correct)
        n = np.bincount(aset.annotator_codes[scored], minlength=aset.n_annotators)
        a = np.bincount(aset.annotator_codes[scored], weights=correct[scored], minlength=aset.n_annotators)
        return n.astype(np.int64), a.round().astype(np.int64)

    n, a = cached(aset, "peer_counts", count)  # the Overview and the report ask for it more than once
    return n.copy(), a.copy()


def agreement_with_peers(annotations: "AnnotationSet", *, margin: float = 0.10, min_scored: int = 20,
                         confidence_level: float = 0.95) -> PeerAgreement:
    r"""Flag annotators who agree with the other annotators of their items markedly less than the rest do.

    See the module docstring for the test. No gold is used (gold items are scored against the others too), so a
    wrong gold label cannot make an annotator look bad here.

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations with annotator ids (three or more ratings on some items, else nothing is scored).
    margin : float
        Smallest shortfall (in agreement share) that flags an annotator, in (0, 1).
    min_scored : int
        Scored annotations an annotator needs before a verdict.
    confidence_level : float

    Returns
    -------
    PeerAgreement

    References
    ----------
    Fisher (1922), https://doi.org/10.2307/2340521; Holm (1979), https://www.jstor.org/stable/4615733

    Examples
    --------
    >>> from analytics.samples import load_sample
    >>> agreement_with_peers(load_sample("digits")).flagged
    ['ann_fast']
    """
    require_single_label(annotations, "agreement_with_peers")
    require_annotators(annotations, "agreement_with_peers")
    check_confidence_level(confidence_level)
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0.0 < float(margin) < 1.0:
        raise InvalidParameterError(f"margin= must be a number in (0, 1); got {margin!r}.")
    if isinstance(min_scored, bool) or not isinstance(min_scored, (int, np.integer)) or min_scored < 1:
        raise InvalidParameterError(f"min_scored= must be a positive integer; got {min_scored!r}.")
    n, a = reduce_items(annotations, _peer_counts)  # per partition of items on a distributed set, then summed
    n_o, a_o = n.sum() - n, a.sum() - a
    ok = (n >= min_scored) & (n_o > 0)
    p = np.where(ok, stats.hypergeom.cdf(a, n + n_o, a + a_o, n), np.nan)
    adjusted, reject = holm(p, 1.0 - confidence_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        own, others = a / n, a_o / n_o
    diff = own - others
    verdict = np.where(~ok, "cannot be measured", np.where(reject & (diff <= -margin), "below peers", "in line"))
    reason = np.where(~ok, [f"only {k} of their annotations had a clear plurality among the other annotators of the "
                            f"item to compare with (need {min_scored})" for k in n], None)
    table = pd.DataFrame({"annotator_id": [str(x) for x in annotations.annotator_ids], "n_scored": n,
                          "agreement": own, "others_agreement": others, "difference": diff, "p_value": p,
                          "p_adjusted": adjusted, "verdict": verdict, "reason": reason}, columns=PEER_COLUMNS)
    table = table.sort_values(["agreement", "annotator_id"], kind="stable", na_position="last").reset_index(drop=True)
    return PeerAgreement(table=table, margin=float(margin), confidence_level=float(confidence_level))
