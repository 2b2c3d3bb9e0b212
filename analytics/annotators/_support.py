r"""How strongly the ratings of an item support its consensus label: the number review routing thresholds.

With :math:`v_1` votes for the item's top label and :math:`v_2` for the runner-up, let :math:`\theta` be the
share of the rater population that would choose the top label over the runner-up. Under a uniform prior,
:math:`\theta \mid v \sim \mathrm{Beta}(v_1 + 1, v_2 + 1)`, and the *support* of the top label is

.. math:: s = P(\theta > \tfrac12 \mid v) = 1 - I_{1/2}(v_1 + 1, v_2 + 1)
          = P\bigl(\mathrm{Bin}(v_1 + v_2 + 1, \tfrac12) \le v_1\bigr) \quad\text{(integer votes)},

so :math:`1 - s` is an exact binomial (sign-test) tail on the split of the two leading labels
(:math:`I_x` is the regularized incomplete beta function). It measures the evidence in this item's votes
only, so an item people genuinely split on stays unsure however many raters it has (30:21 gives
:math:`s = 0.89`; 40:11 gives :math:`s > 0.9999`; a tie gives :math:`s = \tfrac12`).

Two ways to count the votes:

* ``"vote_split"``: every vote counts 1 (anonymous raters, e.g. a counts table);
* ``"weighted_vote_split"``: the label judged is still the plurality of the votes, but a vote counts the reliability :math:`r_a = (\mathrm{acc}_a - 1/K)/(1 - 1/K)`
  (clipped to [0, 1]) of its annotator, the share of their labels that follow the item rather than chance
  under the model "annotator *a* labels the item as the population would with probability :math:`r_a`, at
  random otherwise", with :math:`\mathrm{acc}_a` the Dawid–Skene estimate of the annotator's accuracy
  (:func:`analytics.dawid_skene`, gold not clamped) and *K* the number of categories. A careless annotator's
  dissent then weighs little and a spammer's nothing.

The Dawid–Skene posterior of the winning class itself is *not* used: it assumes that every item of a class is
equally easy, so it grows towards 1 with every extra rating even on items people genuinely split on (in the
routing simulation of ``benchmarks/routing_simulation.py`` it accepted items whose consensus was wrong 4–6 %
of the time and routed only 0–18 % of the wrong consensus labels; see ``benchmarks/README.md``).

References
----------
Gelman, A., Carlin, J. B., Stern, H. S., Dunson, D. B., Vehtari, A., & Rubin, D. B. (2013). Bayesian Data
Analysis (3rd ed.), §2.4 (the beta–binomial model). CRC Press. ISBN 978-1-4398-4095-5.

Dawid, A. P., & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates using the EM
algorithm. Journal of the Royal Statistical Society, Series C, 28(1), 20–28. https://doi.org/10.2307/2346806

Sheng, V. S., Provost, F., & Ipeirotis, P. G. (2008). Get another label? Improving data quality and data mining
using multiple, noisy labelers. KDD 2008, 614–622. https://doi.org/10.1145/1401890.1401965
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
from scipy import special

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["split_support", "reliability_weights", "weighted_counts", "METHOD_TEXT"]

#: Items from which :func:`split_support` computes the tail once per distinct (v1, v2) pair.
_DISTINCT_FROM = 4096

#: How each method's support reads in a sentence.
METHOD_TEXT = {
    "vote_split": "the probability that raters prefer the consensus label to the runner-up (an exact binomial test "
                  "on the split of the two leading labels)",
    "weighted_vote_split": "the probability that raters prefer the consensus label to the runner-up, each vote "
                           "weighted by its annotator's Dawid–Skene reliability",
}


def split_support(counts: np.ndarray, label: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Per item: the label judged and its support :math:`1 - I_{1/2}(v_1+1, v_2+1)`.

    ``counts`` are items × categories votes (whole or weighted); ``label`` the code of the label judged per
    item (default: the top label, first in category order on a tie). :math:`v_1` is the label's votes,
    :math:`v_2` the largest vote of any other label.
    """
    counts = np.asarray(counts, dtype=np.float64)
    rows = np.arange(len(counts))
    if label is None:
        label = np.argmax(counts, axis=1)
    v1 = counts[rows, label]
    others = counts.copy()
    others[rows, label] = -np.inf
    v2 = others.max(axis=1) if counts.shape[1] > 1 else np.zeros_like(v1)
    if len(v1) < _DISTINCT_FROM:
        return label, 1.0 - special.betainc(v1 + 1.0, v2 + 1.0, 0.5)
    from .._reshape._distinct import distinct_rows

    # items share few (v1, v2) pairs (whole votes, or sums of a few annotators' weights): each pair's tail once
    codes, first = distinct_rows(np.column_stack([v1, v2]))
    return label, (1.0 - special.betainc(v1[first] + 1.0, v2[first] + 1.0, 0.5))[codes]


def reliability_weights(annotations: "AnnotationSet") -> np.ndarray:
    """Per annotator: ``(acc - 1/K) / (1 - 1/K)`` clipped to [0, 1], from Dawid–Skene (gold not clamped).

    A fit that stops at its iteration limit is used as it is: the weights need each annotator's accuracy, which
    settles long before the last confusion probabilities do.
    """
    from ..exceptions import ConvergenceWarning
    from .consensus import unclamped_dawid_skene

    k = annotations.n_categories
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = unclamped_dawid_skene(annotations)
    acc = np.nan_to_num(fit.annotator_accuracy.to_numpy(dtype=np.float64), nan=0.0)
    return np.clip((acc - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0) if k > 1 else np.ones_like(acc)


def weighted_counts(annotations: "AnnotationSet", weights: np.ndarray) -> np.ndarray:
    """Items × categories sums of the weights of the annotators who chose each category."""
    from .._reshape import weighted_counts_from_codes

    return weighted_counts_from_codes(annotations.item_codes, annotations.label_codes,
                                      np.asarray(weights)[annotations.annotator_codes], annotations.n_items,
                                      annotations.n_categories)
