r"""Which annotators disagree with their peers? An audit that needs no gold.

Each annotation is compared with the leave-one-out plurality label of the *other* annotators of its item
(:func:`~analytics.annotators.drift.reference_correctness` without gold; unscored when the others tie or nobody
else rated the item). For annotator *x* with :math:`a_x` agreements out of :math:`n_x` scored annotations, and
:math:`a_o / n_o` for all other annotators pooled, a one-sided test asks whether *x*'s agreement falls short of the
others' by **more than** ``margin`` (:math:`m`): :math:`H_0: \pi_x - \pi_o \ge -m` against
:math:`H_1: \pi_x - \pi_o < -m`, with the Miettinen–Nurminen score statistic

.. math:: z = \frac{\hat\pi_x - \hat\pi_o + m}{\sqrt{\tilde\pi_x(1-\tilde\pi_x)/n_x + \tilde\pi_o(1-\tilde\pi_o)/n_o}},
   \qquad p_x = \Phi(z),

where :math:`\tilde\pi_x, \tilde\pi_o` are the maximum-likelihood proportions under the constraint
:math:`\pi_x - \pi_o = -m` (Farrington and Manning's closed form) and the variance carries Miettinen and
Nurminen's :math:`N/(N-1)`, :math:`N = n_x + n_o`; Holm-adjusted across annotators. An annotator is **flagged**
when the adjusted p-value is below ``1 - confidence_level``: the shortfall is significantly larger than
``margin`` — a difference worth a retraining. (Clean annotators really differ by a few points, 0.92–0.97
accuracy in ``benchmarks/_pilots.py``; a test against equality with the margin applied to the point estimate
flagged 4 of 100 clean 100-item × 5-annotator pilots, see benchmarks/README "Decisions".) ``"cannot be measured"`` (with the reason) when the annotator has fewer than
``min_scored`` scored annotations.

A careless annotator (many random errors) or one who confuses several classes is flagged; an annotator who
errs only on some items late in a session is the drift check's (:func:`analytics.accuracy_over_time`).

References
----------
Farrington, C. P., & Manning, G. (1990). Test statistics and sample size formulae for comparative binomial trials
with null hypothesis of non-zero risk difference or non-unity relative risk. Statistics in Medicine, 9(12),
1447–1454. https://doi.org/10.1002/sim.4780091208

Miettinen, O., & Nurminen, M. (1985). Comparative analysis of two rates. Statistics in Medicine, 4(2), 213–226.
https://doi.org/10.1002/sim.4780040211

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
from .consensus import scored_hits
from .drift import leave_one_out_codes
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
        (agreement − others), ``p_value``/``p_adjusted`` (one-sided score test that the shortfall exceeds ``margin``,
        Holm), ``verdict``
        (``"below peers"``, ``"in line"`` or ``"cannot be measured"``) and ``reason`` (why it cannot be measured).
    margin : float
    confidence_level : float
    test_method : str
    """

    table: pd.DataFrame
    margin: float
    confidence_level: float
    test_method: str = ("one-sided Miettinen–Nurminen score test that the annotator's agreement with the "
                        "leave-one-out plurality of the others falls short of everyone else's by more than the margin, "
                        "Holm-adjusted across annotators")

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
        # reference_correctness without gold, counted directly: scored where the others have a unique plurality
        a, n = scored_hits(aset, leave_one_out_codes(aset))
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
        The shortfall (in agreement share) an annotator's agreement must significantly exceed to be flagged, in
        (0, 1).
    min_scored : int
        Scored annotations an annotator needs before a verdict.
    confidence_level : float

    Returns
    -------
    PeerAgreement

    References
    ----------
    Miettinen & Nurminen (1985), https://doi.org/10.1002/sim.4780040211; Holm (1979),
    https://www.jstor.org/stable/4615733

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
    p = _shortfall_p(a, n, a_o, n_o, ok, float(margin))
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


def _shortfall_p(a: np.ndarray, n: np.ndarray, a_o: np.ndarray, n_o: np.ndarray, ok: np.ndarray,
                 margin: float) -> np.ndarray:
    r"""One-sided score-test p-values that the annotator's agreement is more than ``margin`` below the others' (NaN
    where not ``ok``).

    The restricted maximum-likelihood proportions under :math:`\pi_x - \pi_o = \delta` (:math:`\delta = -m`) are the
    closed-form root of Farrington and Manning's cubic (1990, eq. 5, with :math:`\theta = n_o/n_x`); the variance
    carries Miettinen and Nurminen's :math:`N/(N-1)`. (statsmodels 0.15's ``score_test_proportions_2indep`` with a
    non-zero ``value`` returns a restricted estimate that is not the likelihood maximum, so it is not used.)
    """
    p = np.full(len(n), np.nan)
    if not ok.any():
        return p
    x, nx, y, ny = (np.asarray(v, dtype=float)[ok] for v in (a, n, a_o, n_o))
    delta = -float(margin)
    p1, p2 = x / nx, y / ny
    theta = ny / nx
    ca = 1.0 + theta
    cb = -(1.0 + theta + p1 + theta * p2 + delta * (theta + 2.0))
    cc = delta ** 2 + delta * (2.0 * p1 + theta + 1.0) + p1 + theta * p2
    cd = -p1 * delta * (1.0 + delta)
    v = cb ** 3 / (27.0 * ca ** 3) - cb * cc / (6.0 * ca ** 2) + cd / (2.0 * ca)
    u = np.sign(v) * np.sqrt(np.maximum(cb ** 2 / (9.0 * ca ** 2) - cc / (3.0 * ca), 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        w = (np.pi + np.arccos(np.clip(np.where(u != 0, v / u ** 3, 0.0), -1.0, 1.0))) / 3.0
        q1 = np.clip(2.0 * u * np.cos(w) - cb / (3.0 * ca), 0.0, 1.0)
        q2 = np.clip(q1 - delta, 0.0, 1.0)
        var = (q1 * (1.0 - q1) / nx + q2 * (1.0 - q2) / ny) * (nx + ny) / (nx + ny - 1.0)
        z = (p1 - p2 - delta) / np.sqrt(var)
    p[ok] = np.where(var > 0, stats.norm.cdf(z), np.where(p1 - p2 - delta < 0, 0.0, 1.0))
    return p
