"""The one rule that classifies a class pair's hotspot between two rounds or two deliveries (no heavy imports).

:func:`analytics.compare_rounds` (rounds of one set) and the workspace history (``aqa history``, consecutive
deliveries) both apply it, so a pair gets the same status in both. The test itself — a two-sided Fisher exact test of
the pair's rate (items on which both classes were used, per item), Holm-adjusted over the pairs compared — is computed
by each caller (scipy in memory; plain Python in the workspace, which must stay light to import).
"""

from __future__ import annotations

__all__ = ["HOTSPOT_STATUS", "HOTSPOT_TEST", "hotspot_status_of"]

#: Values of a hotspot's ``status``.
HOTSPOT_STATUS = ("closed", "improved", "persisting", "worse", "opened")

#: The rule behind ``status``, in one caption.
HOTSPOT_TEST = ("One test per pair: two-sided Fisher exact test of the share of items on which both classes were "
                "used, before vs after, Holm-adjusted over the pairs compared. Significantly lower: closed (no longer "
                "a hotspot) or improved (still one); significantly higher: opened (not a hotspot before) or worse; "
                "otherwise persisting (no significant change).")


def hotspot_status_of(significant: bool, rate_before: float, rate_after: float, hot_before: bool,
                      hot_after: bool) -> str:
    """The status of one pair (see :data:`HOTSPOT_TEST`); ``significant``: the Holm-adjusted test rejects.

    Examples
    --------
    >>> hotspot_status_of(True, 0.09, 0.0, True, False), hotspot_status_of(False, 0.092, 0.044, True, True)
    ('closed', 'persisting')
    """
    if significant and rate_after < rate_before:
        return "improved" if hot_after else "closed"
    if significant and rate_after > rate_before:
        return "worse" if hot_before else "opened"
    return "persisting"
