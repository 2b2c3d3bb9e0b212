"""The gold side of a class pair's diagnosis (:mod:`analytics.taxonomy.pairs`): the exact binomial test that gold sides
with the items' majority less often than a correct gold would (the ``gold_split`` diagnosis), and what gold says about
a pair's disputed items, in words.

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of Statistics,
6(2), 65–70. https://www.jstor.org/stable/4615733
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .._wording import count_noun

__all__ = ["gold_tests", "gold_words"]


def _holm(p: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    from ..annotators.gold import holm

    return holm(p, alpha)


def gold_tests(gold: np.ndarray, has_gold: bool, min_gold: int, majority: float,
                alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact binomial p that gold sides with the majority on fewer than ``majority`` of the disputed gold items."""
    side = gold[:, 0] + gold[:, 1]
    ok = has_gold & (side >= min_gold) if len(gold) else np.zeros(0, dtype=bool)
    p = np.where(ok, stats.binom.cdf(gold[:, 3], np.maximum(side, 1), majority), np.nan) if len(gold) else np.zeros(0)
    adjusted, reject = _holm(p, alpha)
    return p, adjusted, reject


def gold_words(ga: int, gb: int, go: int, gm: int, names: tuple[str, str], has_gold: bool, min_gold: int,
                majority: float, p: float, p_adj: float, rejected: bool) -> tuple[str, str, bool]:
    """``(gold_verdict, gold_note, distinguishes)`` of one pair."""
    a, b = names
    side, n = ga + gb, ga + gb + go
    if not has_gold:
        return "no_gold", "no gold labels attached", False
    if side == 0 and go == 0:
        return "no_gold", "no disputed item has a gold label", False
    if go > side:
        return "gold_elsewhere", f"gold is neither class on {go} of {n} disputed gold items", False
    if side < min_gold:
        return "too_little_gold", (f"only {count_noun(side, 'disputed item')} with gold {a} or {b} "
                                   f"(need {min_gold})"), False
    split = f"gold says {a} on {ga} and {b} on {gb} of the {side} disputed gold items"
    test = f"exact binomial p = {p:.2g}, Holm-adjusted {p_adj:.2g}"
    if rejected:
        return "against_majority", (f"{split} and sides with the item's majority on only {gm} of them ({test}): gold "
                                    "and the annotators draw the boundary differently"), False
    if max(ga, gb) >= majority * side:
        right = a if ga >= gb else b
        return "distinguishes", (f"{split}: gold names {right} on {max(ga, gb)} of them, so the classes are "
                                 "distinguishable and the other label was a slip"), True
    if gm >= majority * side:
        return "distinguishes", (f"{split} and sides with the item's majority on {gm} of them ({test}): the "
                                 "majority tells the classes apart, the dissenting labels are slips"), True
    return "inconclusive", f"{split}; it sides with the item's majority on {gm} ({test})", False
