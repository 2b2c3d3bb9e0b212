r"""The no-regression gate: does a delivery's agreement fall significantly below the previous delivery's?

**Test.** For the coefficient *c* (default: the delivery's primary coefficient — Cohen's kappa for two
annotators, Fleiss' kappa otherwise, Krippendorff's alpha (MASI) for tag sets) with estimates :math:`v_0`
(previous delivery) and :math:`v_1` and their analytic standard errors,

.. math:: z = \frac{v_1 - v_0}{\sqrt{\mathrm{SE}_0^2 + \mathrm{SE}_1^2}}, \qquad p = \Phi(z),

a one-sided Wald z-test of "no drop" against "a drop"; the delivery **fails** when :math:`p < 1 -`
``confidence_level`` (0.05). The two deliveries are treated as independent samples of items: when they share
items their estimates are positively correlated, the true standard error of the difference is smaller, and the
test is conservative (it fires less often). ``benchmarks/bench_workspace.py --simulate`` and
``tests/workspace/test_regression_simulation.py`` check by simulation (known kappa, 200-item deliveries) that it
fires on about 5 % of deliveries without a drop and on most deliveries with a real drop.

**Cannot be measured** (exit code 2, never a pass): fewer than two deliveries, the coefficient missing or
undefined in either delivery, or without a standard error.

References
----------
Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5 (linearized standard errors). Advanced
Analytics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from ..exceptions import InvalidParameterError
from . import _tables as t
from ._errors import DeliveryNotFoundError
from ._records import plain
from ._stats import NAN, finite, wald_difference

__all__ = ["RegressionCheck", "check_regression", "compare_estimates", "TEST_METHOD"]

TEST_METHOD = ("one-sided Wald z-test of the change, SE = sqrt(SE_previous² + SE_delivery²) (deliveries as independent "
               "samples of items; conservative when they share items)")


@dataclass(frozen=True)
class RegressionCheck:
    """The outcome of :func:`check_no_regression`.

    Attributes
    ----------
    status : {"pass", "fail", "not_evaluable"}
    delivery, previous : str or None
        The delivery checked and the one it is compared with.
    coefficient, label : str or None
    before, se_before, after, se_after : float
        The coefficient and its standard error in the previous delivery and in this one.
    difference, ci_low, ci_high : float
        ``after - before`` with its two-sided interval at ``confidence_level``.
    p_value : float
        One-sided p-value of a drop.
    confidence_level : float
    n_shared_items : int
        Items of the delivery also in the previous one (the test is conservative when there are some).
    reason : str or None
        Why the check cannot be evaluated.
    test_method : str
    """

    status: Literal["pass", "fail", "not_evaluable"]
    delivery: str | None
    previous: str | None
    coefficient: str | None
    label: str | None
    before: float
    se_before: float
    after: float
    se_after: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    confidence_level: float
    n_shared_items: int = 0
    reason: str | None = None
    test_method: str = TEST_METHOD

    @property
    def exit_code(self) -> int:
        """0 pass, 1 a significant drop, 2 cannot be evaluated."""
        return {"pass": 0, "fail": 1, "not_evaluable": 2}[self.status]

    def line(self) -> str:
        """One line for a person."""
        if self.status == "not_evaluable":
            return f"ERROR no-regression cannot be evaluated: {self.reason}"
        word = "FAIL" if self.status == "fail" else "PASS"
        verdict = ("a significant drop" if self.status == "fail" else "no significant drop")
        shared = f"; {self.n_shared_items:,} shared items make the test conservative" if self.n_shared_items else ""
        return (f"{word} no-regression {self.label} {self.after:.3f} in '{self.delivery}' vs {self.before:.3f} in "
                f"'{self.previous}': {self.difference:+.3f} ({self.confidence_level:.0%} CI {self.ci_low:+.3f} to "
                f"{self.ci_high:+.3f}), one-sided p = {self.p_value:.3g}: {verdict}{shared}")

    def to_dict(self) -> dict[str, Any]:
        return {**plain(self), "exit_code": self.exit_code}


def compare_estimates(*, delivery: str | None, previous: str | None, coefficient: str, label: str,
                      before: Any, after: Any, confidence_level: float, n_shared_items: int = 0) -> RegressionCheck:
    """The gate on two ``(value, standard_error)`` pairs (the previous delivery's and this one's)."""
    v0, s0 = before
    v1, s1 = after
    d = wald_difference(v0, s0, v1, s1, confidence_level)
    reason = None
    for name, v, s in ((previous, v0, s0), (delivery, v1, s1)):
        if not finite(v):
            reason = f"{label} is undefined in '{name}' (e.g. a single category used, or no item rated twice)"
        elif not finite(s) or s <= 0:
            reason = f"{label} has no standard error in '{name}', so a drop cannot be tested"
        if reason:
            break
    status: Literal["pass", "fail", "not_evaluable"]
    if reason is not None:
        status = "not_evaluable"
    else:
        status = "fail" if d.p_drop < 1.0 - confidence_level else "pass"
    return RegressionCheck(status=status, delivery=delivery, previous=previous, coefficient=coefficient, label=label,
                           before=_f(v0), se_before=_f(s0), after=_f(v1), se_after=_f(s1), difference=d.difference,
                           ci_low=d.ci_low, ci_high=d.ci_high, p_value=d.p_drop, confidence_level=confidence_level,
                           n_shared_items=int(n_shared_items), reason=reason)


def _f(value: Any) -> float:
    return float(value) if finite(value) else NAN


def _not_evaluable(reason: str, confidence_level: float, delivery: str | None = None,
                   previous: str | None = None) -> RegressionCheck:
    return RegressionCheck(status="not_evaluable", delivery=delivery, previous=previous, coefficient=None, label=None,
                           before=NAN, se_before=NAN, after=NAN, se_after=NAN, difference=NAN, ci_low=NAN, ci_high=NAN,
                           p_value=NAN, confidence_level=confidence_level, reason=reason)


def _shared(conn: sa.Connection, a: int, b: int) -> int:
    x, y = t.delivery_items.alias("x"), t.delivery_items.alias("y")
    return int(conn.execute(sa.select(sa.func.count()).select_from(x.join(y, x.c.item_key == y.c.item_key))
                            .where(x.c.delivery_id == a, y.c.delivery_id == b)).scalar() or 0)


def _coefficient_row(conn: sa.Connection, delivery_id: int, coefficient: str) -> Any:
    c = t.coefficients
    return conn.execute(sa.select(c.c.label, c.c.value, c.c.standard_error).where(
        c.c.delivery_id == delivery_id, c.c.coefficient == coefficient)).first()


def check_regression(conn: sa.Connection, *, delivery: str | None = None, coefficient: str | None = None,
                     confidence_level: float = 0.95) -> RegressionCheck:
    """The gate for ``delivery`` (default: the last one) against the delivery before it."""
    if not 0 < confidence_level < 1:
        raise InvalidParameterError(f"confidence_level must lie strictly between 0 and 1, not {confidence_level!r}.")
    d = t.deliveries
    rows = conn.execute(sa.select(d.c.id, d.c.name, d.c.primary_coefficient).order_by(d.c.id)).all()
    if delivery is None:
        index = len(rows) - 1
    else:
        index = next((k for k, r in enumerate(rows) if r.name == delivery), None)  # type: ignore[assignment]
        if index is None:
            raise DeliveryNotFoundError(f"No delivery named '{delivery}' in the workspace; 'aqa workspace list' "
                                        "shows them.")
    if index < 1:
        what = "The workspace has no delivery yet" if index < 0 else (
            f"'{rows[index].name}' is the first delivery of the workspace")
        return _not_evaluable(f"{what}: there is nothing earlier to compare with. Add the next delivery first.",
                              confidence_level, rows[index].name if index >= 0 else None)
    cur, prev = rows[index], rows[index - 1]
    name = coefficient or cur.primary_coefficient or prev.primary_coefficient
    if name is None:
        return _not_evaluable(f"Neither '{cur.name}' nor '{prev.name}' has an agreement coefficient (no item was "
                              "rated by two annotators?).", confidence_level, cur.name, prev.name)
    r1, r0 = _coefficient_row(conn, cur.id, name), _coefficient_row(conn, prev.id, name)
    if r0 is None or r1 is None:
        missing = prev.name if r0 is None else cur.name
        return _not_evaluable(f"'{missing}' has no {name} (choose a coefficient both deliveries have with "
                              "--coefficient).", confidence_level, cur.name, prev.name)
    return compare_estimates(delivery=cur.name, previous=prev.name, coefficient=name, label=str(r1.label),
                             before=(r0.value, r0.standard_error), after=(r1.value, r1.standard_error),
                             confidence_level=confidence_level, n_shared_items=_shared(conn, cur.id, prev.id))
