"""What a class pair's diagnosis calls for (:func:`pair_action`), shared by the recommendations and the Overview, and
the one-sided per-class test they both use (:func:`below_target`); re-exported by :mod:`analytics.taxonomy.pairs`.

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of Statistics,
6(2), 65–70. https://www.jstor.org/stable/4615733
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from ..exceptions import InvalidParameterError

__all__ = ["below_target", "cause_untold_but_costly", "check_clarify_confidence", "matters", "pair_action",
           "upper_bound"]


def upper_bound(kappa: Any, standard_error: Any, confidence_level: float) -> Any:
    r"""The one-sided upper bound :math:`\kappa + z_{\text{confidence\_level}}\,\mathrm{SE}` (NaN when undefined;
    scalars or arrays)."""
    return kappa + stats.norm.ppf(confidence_level) * standard_error


def below_target(kappa: float, standard_error: float, target: float, confidence_level: float = 0.95) -> bool:
    r"""Whether a per-class kappa is significantly below ``target``: the one-sided test
    :math:`\kappa + z_{\text{confidence\_level}}\,\mathrm{SE} < \text{target}` (:func:`upper_bound`; a one-sided
    question, so the one-sided bound; undefined values are not below)."""
    if not (np.isfinite(kappa) and np.isfinite(standard_error)):
        return False
    return bool(upper_bound(kappa, standard_error, confidence_level) < target)


def matters(row: Any, weak_a: bool, weak_b: bool) -> bool:
    """Whether a pair's confusion matters against the target, the bar of its action in the recommendations and the
    Overview: one of its classes is significantly below the target (``weak_a``, ``weak_b``: :func:`below_target`), or
    the annotators' agreement on which of the two is significantly (``pair_below_target``) or likely
    (``pair_likely_below_target``, at ``clarify_confidence``) below it."""
    return bool(weak_a or weak_b or row["pair_below_target"] or row["pair_likely_below_target"])


def check_clarify_confidence(value: Any) -> None:
    """``clarify_confidence`` is a one-sided confidence in [0.5, 1): 0.5 reads the estimate itself, a lower value
    would put the bound below the estimate."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.5 <= float(value) < 1.0:
        raise InvalidParameterError(f"clarify_confidence= must be a one-sided confidence in [0.5, 1) (0.8: the "
                                    f"pair's agreement is likely below the target); got {value!r}.")


def cause_untold_but_costly(row: Any, confidence_level: float = 0.95) -> bool:
    r"""Whether a pair whose cause cannot be told (``not_enough_evidence``) still calls for clarifying its boundary.

    True for a tested pair whose confusion costs agreement — its merge would raise Fleiss' kappa by more than
    ``min_merge_gain`` on its own (the overlap test's unadjusted ``p_overlap`` below :math:`1 -`
    ``confidence_level``, though not after Holm's correction over the tested pairs), or the annotators' agreement
    on which of the two classes is significantly below the target (``pair_below_target``: the one-sided upper
    bound of the pair's own kappa, :func:`~._pairstats.pair_agreement`) — while no annotator stands out on it (the
    annotator test's unadjusted ``p_annotator`` is not below the level, or cannot be computed). The diagnosis stays
    ``not_enough_evidence`` — whether the classes overlap is not established — but a boundary that costs agreement
    and that everybody crosses alike is clarified with borderline examples whatever the cause; with a hint of one
    annotator the pair waits for more labels instead. ``benchmarks/decisions.py`` measures what it adds (found and
    false alarms).
    """
    if row["diagnosis"] != "not_enough_evidence" or not row["candidate"]:
        return False
    alpha = 1.0 - confidence_level
    p_overlap, p_annotator = float(row["p_overlap"]), float(row["p_annotator"])
    costly = (np.isfinite(p_overlap) and p_overlap < alpha) or bool(row.get("pair_below_target", False))
    return bool(costly and not (np.isfinite(p_annotator) and p_annotator < alpha))


def pair_action(row: Any, weak_a: bool, weak_b: bool, unknown_label: str | None, *,
                confidence_level: float = 0.95) -> str:
    """What a diagnosed pair calls for: ``retrain_annotator``, ``merge``, ``clarify`` or ``""`` (nothing yet).

    ``annotator_confusion`` → retrain; ``gold_split`` → clarify (with the gold author); ``class_overlap`` → merge
    when both classes are significantly below the target (``weak_a``, ``weak_b``: :func:`below_target`), gold does
    not show them distinguishable and neither is the Unknown class; otherwise clarify the boundary (a reliable class is not
    merged into a weak one); ``not_enough_evidence`` → clarify when :func:`cause_untold_but_costly` (never merge or
    retrain on an untold cause), else nothing. The recommendations and the Overview both use it.
    """
    diagnosis = row["diagnosis"]
    if diagnosis == "annotator_confusion":
        return "retrain_annotator"
    if diagnosis == "gold_split":
        return "clarify"
    if diagnosis != "class_overlap":
        return "clarify" if cause_untold_but_costly(row, confidence_level) else ""
    if row["gold_distinguishes"] or unknown_label in (row["class_a"], row["class_b"]):
        return "clarify"
    return "merge" if weak_a and weak_b else "clarify"
