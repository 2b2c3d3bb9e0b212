"""Quality gates for a vendor's delivery: pass or fail a batch on agreement, golden-set accuracy and more.

:func:`check_gates` evaluates each threshold it is given and says, for each, whether the batch passes, fails
(and by how much), or cannot be measured (the data needed is missing: one annotator, too few items, no gold
labels, no Unknown/Other class, a statistic undefined for this data) — with the reason and what to do. A gate
that cannot be measured never passes: ``aqa check`` exits with code 2 for it (1 when a gate fails, 0 when all
pass).

* ``min_kappa``: the primary kappa of :func:`~analytics.agreement_summary` (Cohen's for two annotators, else
  Fleiss'); single-label sets. With ``use_lower_bound``: the lower bound of its default interval (the score
  interval, whose coverage ``benchmarks/coverage.py`` checks) — the same rule as the summary's "met with
  confidence". An agreement the summary cannot measure (fewer than two items labelled twice, one class) cannot
  pass or fail either way.
* ``min_alpha``: Krippendorff's alpha (nominal; the MASI distance on tag sets); lower bound likewise.
* ``min_gold_accuracy``: the pooled golden-set accuracy (:func:`~analytics.gold_accuracy`); lower Wilson bound.
* ``max_unknown_share``: the share of Unknown/Other labels (:func:`~analytics.unknown_share`); upper Wilson bound.
* ``max_flagged_annotators``: annotators significantly below ``gold_target``
  (:func:`~analytics.gold_accuracy_by_annotator`, one-sided exact tests, Holm-corrected; a test already).

Examples
--------
>>> from analytics.samples import load_sample
>>> result = check_gates(load_sample("digits"), min_kappa=0.8, min_gold_accuracy=0.8)
>>> [g.status for g in result.gates], result.exit_code
(['fail', 'pass'], 1)
>>> result.gates[0].line()
"FAIL kappa 0.70 < 0.80 by 0.10 (Fleiss' kappa, 95% CI 0.67–0.73, 500 items)"
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal

from ..exceptions import AnnotationQAError, InvalidParameterError
from ..results import ResultMixin

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["Gate", "GateReport", "check_gates"]

GateStatus = Literal["pass", "fail", "not_evaluable"]


def _shown(value: float, threshold: float) -> tuple[str, str]:
    """Value and threshold with the fewest decimals (2–4) that keep them apart when they differ."""
    for digits in (2, 3, 4):
        a, b = f"{value:.{digits}f}", f"{threshold:.{digits}f}"
        if a != b or value == threshold:
            break
    return a, b


@dataclass(frozen=True)
class Gate(ResultMixin):
    """One gate and its outcome.

    Attributes
    ----------
    name : str
        ``kappa``, ``alpha``, ``gold_accuracy``, ``unknown_share`` or ``flagged_annotators``.
    statistic : str
        What was compared (e.g. ``"Fleiss' kappa (lower 95% bound)"``).
    comparison : {">=", "<="}
        The value must be at least (``>=``) or at most (``<=``) the threshold.
    threshold, value : float
        ``value`` is NaN when the gate cannot be measured.
    status : {"pass", "fail", "not_evaluable"}
    margin : float
        By how much the value clears the threshold (negative: by how much it falls short); NaN when not evaluable.
    detail : str
        The evidence (interval, items, annotators flagged …).
    reason : str or None
        Why the gate cannot be measured, in plain words.
    what_to_do : str or None
        What to do so that it can be (add a second annotator, label more items, attach gold …).
    """

    name: str
    statistic: str
    comparison: Literal[">=", "<="]
    threshold: float
    value: float
    status: GateStatus
    margin: float
    detail: str = ""
    reason: str | None = None
    what_to_do: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def line(self) -> str:
        """One line for a person: ``FAIL kappa 0.70 < 0.80 by 0.10 (…)``."""
        if self.status == "not_evaluable":
            todo = f" What to do: {self.what_to_do}" if self.what_to_do else ""
            reason = (self.reason or "").rstrip()
            return f"CANNOT MEASURE {self.name}: {reason}{'' if reason.endswith(('.', '!', '?')) else '.'}{todo}"
        integer = self.name == "flagged_annotators"
        value, threshold = (f"{self.value:.0f}", f"{self.threshold:.0f}") if integer else _shown(self.value, self.threshold)
        margin = f"{abs(self.margin):.0f}" if integer else _shown(abs(self.margin), 0.0)[0]
        detail = f" ({self.detail})" if self.detail else ""
        if self.passed:
            return f"PASS {self.name} {value} {self.comparison} {threshold} (by {margin}){detail}"
        worse = "<" if self.comparison == ">=" else ">"
        return f"FAIL {self.name} {value} {worse} {threshold} by {margin}{detail}"


@dataclass(frozen=True)
class GateReport(ResultMixin):
    """The outcome of :func:`check_gates`.

    Attributes
    ----------
    gates : tuple of Gate
        In the order ``kappa, alpha, gold_accuracy, unknown_share, flagged_annotators`` (those requested).
    use_lower_bound : bool
    confidence_level : float
    """

    gates: tuple[Gate, ...]
    use_lower_bound: bool
    confidence_level: float

    @property
    def passed(self) -> bool:
        """Every gate passed."""
        return all(g.passed for g in self.gates)

    @property
    def exit_code(self) -> int:
        """2 when a gate cannot be measured, else 1 when a gate fails, else 0."""
        if any(g.status == "not_evaluable" for g in self.gates):
            return 2
        return 0 if self.passed else 1

    def lines(self) -> list[str]:
        return [g.line() for g in self.gates]


def _quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


class _Inputs:
    """Computes each statistic once, on demand."""

    def __init__(self, aset: "AnnotationSet", confidence_level: float) -> None:
        self.aset, self.level = aset, confidence_level
        self._cache: dict[str, Any] = {}

    def get(self, key: str, fn: Callable[[], Any]) -> Any:
        if key not in self._cache:
            try:
                self._cache[key] = _quiet(fn)
            except AnnotationQAError as exc:
                self._cache[key] = exc
        value = self._cache[key]
        if isinstance(value, AnnotationQAError):
            raise value
        return value

    def summary(self) -> Any:
        from ..agreement import agreement_summary

        return self.get("summary", lambda: agreement_summary(self.aset, confidence_level=self.level, by_round=False))

    def summary_row(self, coefficient: str) -> Any:
        return self.summary().table.set_index("coefficient").loc[coefficient]


def _why(aset: "AnnotationSet", row: Any) -> tuple[str, str] | None:
    """(reason, what to do) when an agreement coefficient cannot be measured (the summary's rule), else None."""
    import pandas as pd

    from ..agreement.summary import cannot_measure

    value, lo = float(row["value"]), float(row["ci_low"])
    if math.isfinite(value) and math.isfinite(lo):
        return None
    series = row if isinstance(row, pd.Series) else pd.Series(row)
    if "n_items" not in series:
        series["n_items"] = 0
    return cannot_measure(aset, series)


def _gate(name: str, statistic: str, comparison: str, threshold: float, value: float, detail: str) -> Gate:
    if not math.isfinite(value):
        return _missing(name, statistic, comparison, threshold, f"{statistic} is undefined for this data ({detail}).")
    margin = value - threshold if comparison == ">=" else threshold - value
    return Gate(name, statistic, comparison, float(threshold), float(value), "pass" if margin >= 0 else "fail",  # type: ignore[arg-type]
                float(margin), detail)


def _missing(name: str, statistic: str, comparison: str, threshold: float, reason: str,
             what_to_do: str | None = None) -> Gate:
    return Gate(name, statistic, comparison, float(threshold), math.nan, "not_evaluable", math.nan,  # type: ignore[arg-type]
                reason=reason, what_to_do=what_to_do)


def _interval_gate(name: str, label: str, comparison: str, threshold: float, est: Any, bounded: bool,
                   level: float, what: str, *, percent: bool = False,
                   why: tuple[str, str] | None = None) -> Gate:
    """A gate on an estimate with an interval; ``why`` = (reason, what to do) when it cannot be measured."""
    bound = "lower" if comparison == ">=" else "upper"
    statistic = f"{label} ({bound} {level:.0%} bound)" if bounded else label
    value = (est["ci_low"] if comparison == ">=" else est["ci_high"]) if bounded else est["value"]
    if why is not None:
        return _missing(name, statistic, comparison, threshold, f"{label} cannot be measured: {why[0]}.", why[1])
    if not (math.isfinite(float(est["value"])) and math.isfinite(float(est["ci_low"]))
            and math.isfinite(float(est["ci_high"]))):
        return _missing(name, statistic, comparison, threshold,
                        f"{label} cannot be measured for this data: {est.get('reason') or 'no usable items'}.")
    fmt = "{:.1%}" if percent else "{:.2f}"
    interval = f"{level:.0%} CI {fmt.format(est['ci_low'])}–{fmt.format(est['ci_high'])}"
    detail = f"{label} {fmt.format(est['value'])}, {interval}, {what}" if bounded or percent else \
        f"{label}, {interval}, {what}"
    return _gate(name, statistic, comparison, threshold, float(value), detail)


def check_gates(
    annotations: "AnnotationSet", *, min_kappa: float | None = None, min_alpha: float | None = None,
    min_gold_accuracy: float | None = None, max_unknown_share: float | None = None,
    max_flagged_annotators: int | None = None, use_lower_bound: bool = False, gold_target: float = 0.9,
    confidence_level: float = 0.95,
) -> GateReport:
    """Evaluate the delivery gates that are given (see the module docstring for each statistic).

    Parameters
    ----------
    annotations : AnnotationSet
    min_kappa, min_alpha : float, optional
        Smallest acceptable agreement, in [-1, 1].
    min_gold_accuracy : float, optional
        Smallest acceptable pooled accuracy on gold items, in [0, 1].
    max_unknown_share : float, optional
        Largest acceptable share of Unknown/Other labels, in [0, 1].
    max_flagged_annotators : int, optional
        Most annotators allowed significantly below ``gold_target``.
    use_lower_bound : bool
        Compare the conservative interval bound (lower for minimums, upper for the Unknown share) instead
        of the point estimate: the batch passes only if the data show it clears the bar.
    gold_target : float
        The per-annotator golden-set target of ``max_flagged_annotators``.
    confidence_level : float
        Of every interval and test.

    Returns
    -------
    GateReport

    Raises
    ------
    InvalidParameterError
        No gate given, or a threshold out of range.
    """
    from .._schema import AnnotationSet

    if not isinstance(annotations, AnnotationSet):
        raise InvalidParameterError(f"check_gates needs an AnnotationSet, got {type(annotations).__name__}.")
    given = {"min_kappa": min_kappa, "min_alpha": min_alpha, "min_gold_accuracy": min_gold_accuracy,
             "max_unknown_share": max_unknown_share, "max_flagged_annotators": max_flagged_annotators}
    if all(v is None for v in given.values()):
        raise InvalidParameterError("No gate given: set at least one of " + ", ".join(given) + ".")
    for name, (low, high) in {"min_kappa": (-1, 1), "min_alpha": (-1, 1), "min_gold_accuracy": (0, 1),
                              "max_unknown_share": (0, 1)}.items():
        v = given[name]
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not low <= v <= high):
            raise InvalidParameterError(f"{name} must be a number in [{low}, {high}], not {v!r}.")
    if max_flagged_annotators is not None and (isinstance(max_flagged_annotators, bool)
                                               or not isinstance(max_flagged_annotators, int) or max_flagged_annotators < 0):
        raise InvalidParameterError(f"max_flagged_annotators must be a whole number ≥ 0, not {max_flagged_annotators!r}.")
    if not 0 < confidence_level < 1 or not 0 < gold_target < 1:
        raise InvalidParameterError("confidence_level and gold_target must lie strictly between 0 and 1.")
    aset, level, data = annotations, confidence_level, _Inputs(annotations, confidence_level)
    gates: list[Gate] = []
    checks: list[tuple[str, str, str, Any, Callable[[], Gate]]] = []
    if min_kappa is not None:
        def kappa() -> Gate:
            if aset.multilabel:
                return _missing("kappa", "kappa", ">=", min_kappa,
                                "the set is multi-label (tag sets), where kappa is defined per tag, not for the set",
                                "Pick a coefficient that applies to tag sets: gate on Krippendorff's alpha on tag "
                                "sets (--min-alpha), or read each tag's kappa in the report (kappa_by_tag).")
            summary = data.summary()
            row = data.summary_row(summary.primary)
            return _interval_gate("kappa", str(row["label"]), ">=", min_kappa, row, use_lower_bound, level,
                                  f"{int(row['n_items']):,} items", why=_why(aset, row))
        checks.append(("kappa", "kappa", ">=", min_kappa, kappa))
    if min_alpha is not None:
        def alpha() -> Gate:
            if aset.multilabel:
                from ..agreement import krippendorff_alpha_multilabel

                est = data.get("alpha_ml", lambda: krippendorff_alpha_multilabel(aset, confidence_level=level))
                row = {k: getattr(est, k) for k in ("value", "ci_low", "ci_high", "reason", "n_items")}
                label = "Krippendorff's alpha (MASI, tag sets)"
            else:
                row, label = data.summary_row("krippendorff_alpha"), "Krippendorff's alpha (nominal)"
            return _interval_gate("alpha", label, ">=", min_alpha, row, use_lower_bound, level,
                                  f"{int(row['n_items']):,} items", why=_why(aset, row))
        checks.append(("alpha", "Krippendorff's alpha", ">=", min_alpha, alpha))
    if min_gold_accuracy is not None:
        def gold() -> Gate:
            from ..annotators.gold import gold_accuracy

            est = data.get("gold", lambda: gold_accuracy(aset, confidence_level=level))
            row = {k: getattr(est, k) for k in ("value", "ci_low", "ci_high", "reason")}
            return _interval_gate("gold_accuracy", "golden-set accuracy", ">=", min_gold_accuracy, row,
                                  use_lower_bound, level, f"{est.n_items:,} gold items", percent=True)
        checks.append(("gold_accuracy", "golden-set accuracy", ">=", min_gold_accuracy, gold))
    if max_unknown_share is not None:
        def unknown() -> Gate:
            from ..taxonomy.unknown import unknown_share

            res = data.get("unknown", lambda: unknown_share(aset, confidence_level=level))
            if res.reason:
                raise InvalidParameterError(
                    f"{res.sentence} Name the Unknown/Other class with --tool-option unknown_label=NAME (or "
                    "unknown_label= in load_annotations), or flag it in the taxonomy.")
            row = {"value": res.share, "ci_low": res.ci_low, "ci_high": res.ci_high, "reason": res.reason}
            return _interval_gate("unknown_share", f"share of '{res.unknown_label}'", "<=", max_unknown_share, row,
                                  use_lower_bound, level, f"{res.n_unknown:,} of {res.n_annotations:,} labels", percent=True)
        checks.append(("unknown_share", "Unknown/Other share", "<=", max_unknown_share, unknown))
    if max_flagged_annotators is not None:
        def flagged() -> Gate:
            from ..annotators.gold import gold_accuracy_by_annotator

            res = data.get("flags", lambda: gold_accuracy_by_annotator(aset, target=gold_target, confidence_level=level))
            names = res.flagged
            shown = ", ".join(map(str, names[:5])) + (", …" if len(names) > 5 else "")
            detail = (f"{shown} significantly below the {gold_target:.0%} gold target" if names
                      else f"none of {len(res.table)} significantly below the {gold_target:.0%} gold target")
            return _gate("flagged_annotators", "annotators below the gold target", "<=", max_flagged_annotators,
                         float(len(names)), detail)
        checks.append(("flagged_annotators", "annotators below the gold target", "<=", max_flagged_annotators, flagged))
    for name, statistic, comparison, threshold, fn in checks:
        try:
            gates.append(fn())
        except AnnotationQAError as exc:
            gates.append(_missing(name, statistic, comparison, threshold, str(exc)))
    return GateReport(gates=tuple(gates), use_lower_bound=bool(use_lower_bound), confidence_level=float(level))
