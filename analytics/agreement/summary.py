"""One table of every coefficient with intervals and a plain-language verdict; the same per slice."""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from .._labels import natural_order
from .._reshape import category_totals, is_distributed
from .._schema import AnnotationSet
from ..exceptions import InvalidParameterError, UndefinedMetricWarning
from ..results import ResultMixin
from ._counts import prepare
from ._coverage import CoverageClaim, verified_coverage
from ._input import IntervalMethod
from ._results import AgreementEstimate, landis_koch
from .cohen import cohen_kappa, light_kappa
from .fleiss import fleiss_kappa
from .gwet import brennan_prediger, gwet_ac1, percent_agreement, scott_pi
from .krippendorff import krippendorff_alpha

__all__ = ["AgreementSummary", "agreement_summary", "agreement_by", "TABLE_COLUMNS", "MEETS_TARGET", "VERDICTS",
           "verdict_of", "meets_target", "cannot_measure", "tag_set_verdict"]

#: Values of the ``meets_target`` column: the verdict in detail ("point estimate only" and "no" are both "not met").
MEETS_TARGET = ("yes, with confidence", "point estimate only", "no", "cannot be measured")
#: The three verdicts (``verdict`` column and :attr:`AgreementSummary.verdict`).
VERDICTS = ("met", "not met", "cannot be measured")

TABLE_COLUMNS = ["coefficient", "label", "value", "ci_low", "ci_high", "standard_error", "n_items", "n_annotators",
                 "landis_koch", "meets_target", "verdict", "verified_coverage", "interval_method", "reason"]

_LABELS = {
    "percent_agreement": "Percent agreement",
    "cohen_kappa": "Cohen's kappa",
    "light_kappa": "Cohen's kappa, mean over pairs (Light)",
    "fleiss_kappa": "Fleiss' kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
    "gwet_ac1": "Gwet's AC1",
    "brennan_prediger": "Brennan–Prediger",
    "scott_pi": "Scott's pi",
}

#: Above this many (annotator, category) cells the all-pairs tensor behind Light's kappa is skipped.
_MAX_PAIR_CELLS = 4096

#: Kappa paradox: raw agreement at least this high …
PARADOX_AGREEMENT = 0.80
#: … kappa below this …
PARADOX_KAPPA = 0.60
#: … and one class holding at least this share of the ratings.
PARADOX_SHARE = 0.60


@dataclass(frozen=True)
class AgreementSummary(ResultMixin):
    """Every agreement coefficient of a set, with intervals and a verdict against a target.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per coefficient (columns :data:`TABLE_COLUMNS`): ``coefficient`` (function name),
        ``label``, ``value``, ``ci_low``, ``ci_high``, ``standard_error``, ``n_items``, ``n_annotators``,
        ``landis_koch`` band, ``meets_target`` (one of :data:`MEETS_TARGET`), ``verdict`` (one of
        :data:`VERDICTS`), ``verified_coverage`` (the worst coverage the coverage study measured for this interval
        at this size; NaN where it claims none), ``interval_method`` and ``reason`` (why a value or interval is NaN).
    by_round : pandas.DataFrame
        The same columns plus ``round`` first, one block per round; empty when the set has no rounds.
    sentence : str
        The verdict for a project manager (never shows NaN).
    primary : str
        The coefficient the verdict is about (``cohen_kappa`` for two annotators, else ``fleiss_kappa``).
    verdict : {"met", "not met", "cannot be measured"}
        Met only when the primary coefficient's interval lower bound clears the target.
    verdict_reason : str or None
        Why agreement cannot be measured, in plain words (None otherwise).
    what_to_do : str or None
        What to do about it: add a second annotator, label more items, … (None when the verdict is "met").
    interval_method : str
        How the primary coefficient's interval was computed.
    coverage : CoverageClaim
        What the coverage study verified for that interval at this pilot size.
    kappa_paradox : bool
        Raw agreement is high but kappa is low because one class dominates; ``paradox_note`` explains.
    """

    table: pd.DataFrame
    by_round: pd.DataFrame
    sentence: str
    primary: str
    target: float
    confidence_level: float
    kappa_paradox: bool
    paradox_note: str | None
    dominant_category: str | None
    dominant_share: float
    n_items: int
    n_annotators: int
    n_annotations: int
    method: str
    verdict: str = "cannot be measured"
    verdict_reason: str | None = None
    what_to_do: str | None = None
    interval_method: str = ""
    coverage: CoverageClaim | None = None

    def estimate(self, coefficient: str) -> pd.Series:
        """The table row of one coefficient (e.g. ``"fleiss_kappa"``)."""
        rows = self.table[self.table["coefficient"] == coefficient]
        if rows.empty:
            raise InvalidParameterError(
                f"No {coefficient!r} in this summary; it has {self.table['coefficient'].tolist()}.")
        return rows.iloc[0]


def meets_target(value: float, ci_low: float, target: float) -> str:
    """``"yes, with confidence"`` when the interval's lower bound reaches the target, ``"point estimate only"`` when
    only the estimate does, ``"no"`` when neither does, ``"cannot be measured"`` when the value or its interval is
    undefined."""
    if not (np.isfinite(value) and np.isfinite(ci_low)):
        return "cannot be measured"
    if value < target:
        return "no"
    return "yes, with confidence" if ci_low >= target else "point estimate only"


def verdict_of(value: float, ci_low: float, target: float) -> str:
    """``"met"`` only when the interval's lower bound clears the target; ``"cannot be measured"`` when the value or
    its interval is undefined; else ``"not met"``."""
    detail = meets_target(value, ci_low, target)
    return {"yes, with confidence": "met", "cannot be measured": "cannot be measured"}.get(detail, "not met")


def _coefficients(aset: AnnotationSet) -> list[tuple[str, Callable[..., AgreementEstimate], dict]]:
    known = aset.annotators_known and aset.n_annotators >= 2
    out: list[tuple[str, Callable[..., AgreementEstimate], dict]] = [("percent_agreement", percent_agreement, {})]
    if known and aset.n_annotators == 2:
        out.append(("cohen_kappa", cohen_kappa, {}))
    elif known and aset.n_annotators * aset.n_categories <= _MAX_PAIR_CELLS:
        out.append(("light_kappa", light_kappa, {}))
    out += [("fleiss_kappa", fleiss_kappa, {}),
            ("krippendorff_alpha", krippendorff_alpha, {"level": "ordinal" if aset.ordinal else "nominal"}),
            ("gwet_ac1", gwet_ac1, {}), ("brennan_prediger", brennan_prediger, {})]
    if known and aset.n_annotators == 2:
        out.append(("scott_pi", scott_pi, {}))
    return out


def _table(aset: AnnotationSet, *, target: float, confidence_level: float, method: str, n_boot: int,
           seed: int | None) -> tuple[pd.DataFrame, dict[str, AgreementEstimate]]:
    rows, estimates = [], {}
    coefficients = _coefficients(aset)
    if is_distributed(aset):  # the sums of every coefficient share passes over the partitions (dask_backend._batch)
        aset.prefetch([functools.partial(func, aset, confidence_level=confidence_level, method=method, n_boot=n_boot,
                                         seed=seed, **extra) for _, func, extra in coefficients])
    for name, func, extra in coefficients:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)  # reasons go to the table's reason column
            est = func(aset, confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed, **extra)
        estimates[name] = est
        label = _LABELS[name] + (f" ({extra['level']})" if "level" in extra else "")
        claim = verified_coverage(name, method, est.n_items, confidence_level)
        rows.append({
            "coefficient": name, "label": label, "value": est.value, "ci_low": est.ci_low, "ci_high": est.ci_high,
            "standard_error": est.standard_error, "n_items": est.n_items, "n_annotators": est.n_annotators,
            "landis_koch": "not chance-corrected" if name == "percent_agreement" else landis_koch(est.value),
            "meets_target": meets_target(est.value, est.ci_low, target),
            "verdict": verdict_of(est.value, est.ci_low, target), "verified_coverage": claim.min_coverage,
            "interval_method": est.interval_method, "reason": est.reason,
        })
    return pd.DataFrame(rows, columns=TABLE_COLUMNS), estimates


def _dominant(aset: AnnotationSet) -> tuple[str | None, float]:
    totals = category_totals(aset)
    if totals.sum() == 0:
        return None, float("nan")
    top = int(np.argmax(totals))
    return aset.categories[top], float(totals[top] / totals.sum())


def _paradox(estimates: dict[str, AgreementEstimate], primary: str, share: float, dominant: str | None,
             confidence_level: float) -> str | None:
    pa, kappa, ac1 = estimates["percent_agreement"], estimates[primary], estimates["gwet_ac1"]
    if not (pa.is_defined and share >= PARADOX_SHARE and pa.value >= PARADOX_AGREEMENT):
        return None
    if kappa.is_defined and kappa.value >= PARADOX_KAPPA:
        return None
    what = f"{_LABELS[primary]} is only {kappa.value:.2f}" if kappa.is_defined else f"{_LABELS[primary]} is undefined"
    ac1_text = ("Gwet's AC1 is the coefficient to read here" if not ac1.is_defined
                else f"Gwet's AC1, which does not depend on class prevalence this way, is {ac1.value:.2f}"
                + (f" ({confidence_level:.0%} CI {ac1.ci_low:.2f}–{ac1.ci_high:.2f})"
                   if np.isfinite(ac1.ci_low) and np.isfinite(ac1.ci_high) else ""))
    return (f"Kappa paradox: annotators agree on {pa.value:.0%} of rating pairs, but {what} because "
            f"'{dominant}' makes up {share:.0%} of all labels, so chance agreement is already high. {ac1_text}.")


#: What to do when a pilot cannot show agreement: enough items for an honest interval (the coverage study).
MORE_ITEMS = ("Label at least 20 items with two or more annotators each (50–100 for a firm verdict); the coverage "
              "study shows intervals from 20 items keep their promise but stay wide.")


def cannot_measure(aset: AnnotationSet, row: pd.Series) -> tuple[str, str]:
    """``(reason, what_to_do)`` in plain words for a coefficient that cannot be measured on this set."""
    reason = row["reason"].rstrip(".") if isinstance(row["reason"], str) else ""
    if aset.annotators_known and aset.n_annotators < 2:
        who = "nobody" if aset.n_annotators == 0 else f"one annotator ('{aset.annotator_ids[0]}')"
        return (f"only {who} labelled this set, so no item has two labels to compare",
                "Have a second annotator label some of the same items. " + MORE_ITEMS)
    if "two or more ratings" in reason or "pairable" in reason or "no item" in reason:
        return ("no item was labelled by two or more annotators, so there are no two labels of the same item to "
                "compare", "Have a second annotator label some of the same items. " + MORE_ITEMS)
    if "one category" in reason or "same value" in reason or "chance agreement is 1" in reason:
        used = [c for c, n in zip(aset.categories, category_totals(aset)) if n > 0]
        cls = f" ('{used[0]}')" if len(used) == 1 else ""
        return (f"every label is the same class{cls}, so agreement beyond chance cannot be told apart from chance",
                "Label a sample that includes items of other classes, or check that the export holds the field you "
                "meant.")
    if "too few for an interval" in reason:
        return (f"only {int(row['n_items'])} item was labelled by two or more annotators — too few to say how "
                "uncertain agreement is", MORE_ITEMS)
    if "anonymous" in reason:
        return reason, "Use Fleiss' kappa or Gwet's AC1, which do not need annotator ids."
    return (reason or "the coefficient is undefined for this set"), MORE_ITEMS


def tag_set_verdict(aset: AnnotationSet, est: AgreementEstimate, target: float) -> tuple[str, str, str | None, str | None]:
    """``(verdict, sentence, reason, what_to_do)`` of Krippendorff's alpha on tag sets against ``target`` — the
    agreement verdict of a multi-label set, by the same rule as :func:`agreement_summary` (never shows NaN)."""
    label = "Krippendorff's alpha on tag sets (MASI)"
    verdict = verdict_of(est.value, est.ci_low, target)
    if verdict == "cannot be measured":
        reason, todo = cannot_measure(aset, pd.Series({"reason": est.reason, "n_items": est.n_items}))
        return verdict, f"{label} cannot be measured: {reason}. What to do: {todo}", reason, todo
    head = (f"{label} is {est.value:.2f} ({est.confidence_level:.0%} CI {est.ci_low:.2f}–{est.ci_high:.2f}) over "
            f"{est.n_items:,} items")
    if verdict == "met":
        return verdict, f"{head}: the {target:.2f} target is met with {est.confidence_level:.0%} confidence.", None, None
    todo = ("Label more items to narrow the interval, then check again." if est.value >= target else
            "Check the tags with the lowest per-tag kappa and sharpen their definitions, then label another round.")
    return verdict, f"{head}: the {target:.2f} target is not met with confidence.", None, todo


def _sentence(row: pd.Series, *, target: float, confidence_level: float, n_items: int, n_annotators: int,
              why: tuple[str, str] | None) -> str:
    label = row["label"]
    if row["verdict"] == "cannot be measured":
        reason, todo = why if why is not None else ("it is undefined for this set", MORE_ITEMS)
        return f"{label} cannot be measured: {reason}. What to do: {todo}"
    who = f"{n_items:,} items" + (f" and {n_annotators} annotators" if n_annotators else "")
    head = (f"{label} is {row['value']:.2f} ({confidence_level:.0%} CI {row['ci_low']:.2f}–{row['ci_high']:.2f}; "
            f"{row['landis_koch']} agreement on the Landis & Koch scale) over {who}")
    verdict = row["meets_target"]
    if verdict == "yes, with confidence":
        return (f"{head}: the {target:.2f} target is met with {confidence_level:.0%} confidence (the interval's lower "
                f"bound {row['ci_low']:.2f} clears it).")
    if verdict == "point estimate only":
        return (f"{head}: the estimate reaches the {target:.2f} target but the interval's lower bound "
                f"({row['ci_low']:.2f}) does not, so the target is not yet met with confidence — label more items "
                "or tighten the guidelines.")
    return f"{head}: below the {target:.2f} target."


def agreement_summary(
    annotations: Any,
    *,
    target: float = 0.8,
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
    by_round: bool = True,
) -> AgreementSummary:
    """Is agreement good enough? Every coefficient with its interval, a verdict, and a per-round view.

    Computes percent agreement, Cohen's kappa (two annotators; Light's mean over pairs for more),
    Fleiss' kappa, Krippendorff's alpha (ordinal when the set is declared ordinal, else nominal), Gwet's
    AC1, Brennan–Prediger and, for two annotators, Scott's pi — all from the same cached sufficient
    statistics. Each row says whether the target is met *with confidence* (the interval's lower bound
    reaches it), only as a point estimate, or not.

    The verdict sentence is about Cohen's kappa for two annotators and Fleiss' kappa otherwise. It flags
    the **kappa paradox** when raw agreement is at least 80 %, that kappa is below 0.60 and one class holds at
    least 60 % of the labels: kappa is then low because chance agreement is high, not because annotators
    disagree, and the sentence points to Gwet's AC1.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
    target : float
        The agreement a project needs (the field's usual bar is kappa > 0.8).
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
        How every interval is computed (see the individual coefficients).
    n_boot : int
    seed : int or None
    by_round : bool
        Also compute the table per round when the set has a ``round`` column.

    Returns
    -------
    AgreementSummary

    References
    ----------
    Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for categorical data.
    Biometrics, 33(1), 159–174. https://doi.org/10.2307/2529310

    Feinstein, A. R., & Cicchetti, D. V. (1990). High agreement but low kappa: I. The problems of two
    paradoxes. Journal of Clinical Epidemiology, 43(6), 543–549. https://doi.org/10.1016/0895-4356(90)90158-L

    Examples
    --------
    >>> from analytics import load_annotations
    >>> s = agreement_summary(load_annotations("sample_data/retail/annotations.csv"))
    >>> s.primary, s.table["coefficient"].tolist()[:3]
    ('fleiss_kappa', ['percent_agreement', 'light_kappa', 'fleiss_kappa'])
    """
    if not isinstance(target, (int, float)) or not -1.0 <= float(target) <= 1.0:
        raise InvalidParameterError(f"target= must be a number between -1 and 1 (e.g. 0.8); got {target!r}.")
    aset = prepare(annotations, "agreement_summary", confidence_level=confidence_level, method=method,
                   n_boot=n_boot, seed=seed)
    opts = dict(target=float(target), confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed)
    table, estimates = _table(aset, **opts)
    primary = "cohen_kappa" if "cohen_kappa" in estimates else "fleiss_kappa"
    dominant, share = _dominant(aset)
    note = _paradox(estimates, primary, share, dominant, confidence_level)
    row = table[table["coefficient"] == primary].iloc[0]
    why = cannot_measure(aset, row) if row["verdict"] == "cannot be measured" else None
    sentence = _sentence(row, target=float(target), confidence_level=confidence_level, n_items=aset.n_items,
                         n_annotators=aset.n_annotators, why=why)
    rounds = _by_round(aset, opts) if by_round else _empty_by("round")
    if not rounds.empty:
        per = rounds[rounds["coefficient"] == primary]
        if len(per) >= 2:
            sentence += " By round: " + ", ".join(
                f"{r} {v:.2f}" if np.isfinite(v) else f"{r} undefined" for r, v in zip(per["round"], per["value"])) + "."
    if note:
        sentence += " " + note
    return AgreementSummary(
        table=table, by_round=rounds, sentence=sentence, primary=primary, target=float(target),
        confidence_level=confidence_level, kappa_paradox=note is not None, paradox_note=note,
        dominant_category=dominant, dominant_share=share, n_items=aset.n_items, n_annotators=aset.n_annotators,
        n_annotations=aset.n_annotations, method=method, verdict=str(row["verdict"]),
        verdict_reason=why[0] if why else None,
        what_to_do=why[1] if why else (None if row["verdict"] == "met" else _improve(row)),
        interval_method=str(row["interval_method"]),
        coverage=verified_coverage(primary, method, int(row["n_items"]), confidence_level),
    )


def _improve(row: pd.Series) -> str:
    """What to do when the target is not met with confidence."""
    if row["meets_target"] == "point estimate only":
        return ("Label more items to narrow the interval (plan_pilot says how many), then check again; if the lower "
                "bound stays below the target, tighten the guidelines of the weakest classes.")
    return ("Fix the definitions of the weakest classes and the most confused pairs (Agreement and Confusion pages), "
            "then label another round and check again.")


def _empty_by(column: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in [column] + TABLE_COLUMNS})


def _slices(aset: AnnotationSet, column: str) -> Iterator[tuple[str, AnnotationSet]]:
    """The subsets of the set per value of ``column`` (natural order), as ``(value, subset)``, one at a time."""
    if is_distributed(aset):
        yield from aset.slices(column)
        return
    values = aset.frame[column]
    text = values.astype(object).where(values.notna(), None)
    text = text.map(lambda v: None if v is None else str(v))
    keys = natural_order(text.dropna().unique())
    for k in keys:
        yield k, aset.subset((text == k).to_numpy())


def _per_slice(aset: AnnotationSet, column: str, opts: dict) -> pd.DataFrame:
    parts = []
    for key, subset in _slices(aset, column):
        table, _ = _table(subset, **opts)
        table.insert(0, column, key)
        parts.append(table)
    return pd.concat(parts, ignore_index=True) if parts else _empty_by(column)


def _by_round(aset: AnnotationSet, opts: dict) -> pd.DataFrame:
    if "round" not in aset.column_names:
        return _empty_by("round")
    return _per_slice(aset, "round", opts)


def agreement_by(
    annotations: Any,
    *,
    by: str,
    target: float = 0.8,
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Every agreement coefficient per slice of any column: camera, site, lighting, batch, vendor, round …

    Each slice is the subset of annotations with that value (:meth:`AnnotationSet.subset`), so an
    item-level column (camera) gives agreement on those items, an annotator-level column (vendor) agreement
    among those annotators. Real conditions — a dirty camera, bad light — show up as slices where agreement
    drops: ``difference`` is the slice's value minus the whole set's. Annotations with no value in the
    column are left out.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
    by : str
        A column of the tidy table (``AnnotationSet.frame``).
    target, confidence_level, method, n_boot, seed
        As :func:`agreement_summary`.

    Returns
    -------
    pandas.DataFrame
        ``by`` (the slice value), then the columns of :attr:`AgreementSummary.table`, then ``difference``;
        one block of coefficient rows per slice, slices in natural order.

    Examples
    --------
    >>> from analytics import load_annotations
    >>> t = agreement_by(load_annotations("sample_data/digits/annotations.csv"), by="round")
    >>> sorted(t["round"].unique())
    ['1', '2']
    """
    aset = prepare(annotations, "agreement_by", confidence_level=confidence_level, method=method, n_boot=n_boot,
                   seed=seed)
    if by not in aset.frame.columns:
        raise InvalidParameterError(
            f"Column {by!r} is not in the annotations; columns are {list(aset.frame.columns)}. Keep the column "
            "when loading (extra columns of a tidy table are kept) or pick one of these.")
    opts = dict(target=float(target), confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed)
    overall, _ = _table(aset, **opts)
    out = _per_slice(aset, by, opts)
    if out.empty:
        return out.assign(difference=pd.Series(dtype=float))
    reference = dict(zip(overall["coefficient"], overall["value"]))
    out["difference"] = out["value"].astype(float) - out["coefficient"].map(reference).astype(float)
    return out

