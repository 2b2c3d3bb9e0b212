"""The coverage the study measured (``benchmarks/coverage.py``) for an interval method at a pilot size.

The study writes ``coverage.json`` next to this module: for each coefficient, interval method (``score``,
``analytic``, ``bootstrap``) and simulated pilot size, the worst and the median coverage of the nominal 95 %
interval over the study's designs (raters, classes, agreement, prevalence, missing ratings). A result with
``n_items`` pairable items is read at the largest simulated size not above it: the study's pilots of that size
had at most that many pairable items, so the claim is conservative.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..results import ResultMixin

__all__ = ["CoverageClaim", "verified_coverage"]

_PATH = Path(__file__).with_name("coverage.json")


@dataclass(frozen=True)
class CoverageClaim(ResultMixin):
    """What the coverage study verified for an interval.

    Attributes
    ----------
    method : str
        The ``method=`` option (``"score"``, ``"analytic"``, ``"bootstrap"``).
    n_items_studied : int
        The simulated pilot size the claim is read at (the largest not above the set's items; 0 when the set is
        smaller than every simulated pilot, and then nothing is claimed).
    min_coverage, median_coverage : float
        Worst and median actual coverage of the nominal 95 % interval over the study's designs at that size
        (NaN when nothing is claimed).
    cells : int
        Designs simulated at that size.
    confidence_level : float
        The level the study checked (0.95); other levels are not covered by the claim.
    sentence : str
        The claim in plain words.
    """

    method: str
    n_items_studied: int
    min_coverage: float
    median_coverage: float
    cells: int
    confidence_level: float
    sentence: str


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    with open(_PATH, encoding="utf-8") as fh:
        return json.load(fh)


def verified_coverage(coefficient: str, method: str, n_items: int, confidence_level: float = 0.95) -> CoverageClaim:
    """The study's coverage of ``coefficient``'s ``method`` interval for a set with ``n_items`` pairable items.

    Examples
    --------
    >>> claim = verified_coverage("fleiss_kappa", "score", 120)
    >>> claim.n_items_studied, claim.min_coverage >= 0.9
    (100, True)
    """
    nan = float("nan")
    table = _table()
    by_n = table["coverage"].get(coefficient, {}).get(method, {})
    level = float(table["study"]["confidence_level"])
    sizes = sorted(int(n) for n in by_n if int(n) <= n_items)
    if abs(confidence_level - level) > 1e-12:
        return CoverageClaim(method, 0, nan, nan, 0, level,
                             f"The coverage study checked {level:.0%} intervals; a {confidence_level:.0%} interval "
                             "was not checked.")
    if not sizes:
        smallest = min((int(n) for n in by_n), default=0)
        text = (f"No coverage is claimed: the study simulated pilots of {smallest} items or more."
                if smallest else f"The coverage study did not include {coefficient} with method={method!r}.")
        return CoverageClaim(method, 0, nan, nan, 0, level, text)
    n = sizes[-1]
    entry = by_n[str(n)]
    text = (f"In simulated pilots of {n} items ({entry['cells']} designs) this {level:.0%} interval held the true "
            f"value in at least {entry['min']:.0%} of pilots (median {entry['median']:.0%}).")
    return CoverageClaim(method, n, float(entry["min"]), float(entry["median"]), int(entry["cells"]), level, text)
