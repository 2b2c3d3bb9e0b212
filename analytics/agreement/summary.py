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
from ._input import IntervalMethod
from ._results import AgreementEstimate, landis_koch
from .cohen import cohen_kappa, light_kappa
from .fleiss import fleiss_kappa
from .gwet import brennan_prediger, gwet_ac1, percent_agreement, scott_pi
from .krippendorff import krippendorff_alpha

__all__ = ["AgreementSummary", "agreement_summary", "agreement_by", "TABLE_COLUMNS", "MEETS_TARGET"]

#: Values of the ``meets_target`` column.
MEETS_TARGET = ("yes, with confidence", "point estimate only", "no")

TABLE_COLUMNS = ["coefficient", "label", "value", "ci_low", "ci_high", "standard_error", "n_items", "n_annotators",
                 "landis_koch", "meets_target", "interval_method", "reason"]

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
        ``landis_koch`` band, ``meets_target`` (one of :data:`MEETS_TARGET`), ``interval_method`` and
        ``reason`` (why a value is NaN).
    by_round : pandas.DataFrame
        The same columns plus ``round`` first, one block per round; empty when the set has no rounds.
    sentence : str
        The verdict for a project manager.
    primary : str
        The coefficient the verdict is about (``cohen_kappa`` for two annotators, else ``fleiss_kappa``).
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

    def estimate(self, coefficient: str) -> pd.Series:
        """The table row of one coefficient (e.g. ``"fleiss_kappa"``)."""
        rows = self.table[self.table["coefficient"] == coefficient]
        if rows.empty:
            raise InvalidParameterError(
                f"No {coefficient!r} in this summary; it has {self.table['coefficient'].tolist()}.")
        return rows.iloc[0]


def meets_target(value: float, ci_low: float, target: float) -> str:
    """``"yes, with confidence"`` when the lower bound reaches the target, ``"point estimate only"`` when only
    the estimate does, else ``"no"`` (also for NaN)."""
    if not np.isfinite(value) or value < target:
        return "no"
    return "yes, with confidence" if np.isfinite(ci_low) and ci_low >= target else "point estimate only"


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
        rows.append({
            "coefficient": name, "label": label, "value": est.value, "ci_low": est.ci_low, "ci_high": est.ci_high,
            "standard_error": est.standard_error, "n_items": est.n_items, "n_annotators": est.n_annotators,
            "landis_koch": "not chance-corrected" if name == "percent_agreement" else landis_koch(est.value),
            "meets_target": meets_target(est.value, est.ci_low, target), "interval_method": est.interval_method,
            "reason": est.reason,
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
    ac1_text = (f"Gwet's AC1, which does not depend on class prevalence this way, is {ac1.value:.2f} "
                f"({confidence_level:.0%} CI {ac1.ci_low:.2f}–{ac1.ci_high:.2f})" if ac1.is_defined
                else "Gwet's AC1 is the coefficient to read here")
    return (f"Kappa paradox: annotators agree on {pa.value:.0%} of rating pairs, but {what} because "
            f"'{dominant}' makes up {share:.0%} of all labels, so chance agreement is already high. {ac1_text}.")


def _sentence(row: pd.Series, *, target: float, confidence_level: float, n_items: int, n_annotators: int) -> str:
    label = row["label"]
    if not np.isfinite(row["value"]):
        return f"{label} cannot be computed for this set: {row['reason']}."
    who = f"{n_items:,} items" + (f" and {n_annotators} annotators" if n_annotators else "")
    head = (f"{label} is {row['value']:.2f} ({confidence_level:.0%} CI {row['ci_low']:.2f}–{row['ci_high']:.2f}; "
            f"{row['landis_koch']} agreement on the Landis & Koch scale) over {who}")
    verdict = row["meets_target"]
    if verdict == "yes, with confidence":
        return f"{head}: the {target:.2f} target is met with {confidence_level:.0%} confidence."
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
    method: IntervalMethod = "analytic",
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
    method : {"analytic", "bootstrap"}
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
    sentence = _sentence(row, target=float(target), confidence_level=confidence_level, n_items=aset.n_items,
                         n_annotators=aset.n_annotators)
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
        n_annotations=aset.n_annotations, method=method,
    )


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
    if "round" not in aset.frame.columns:
        return _empty_by("round")
    return _per_slice(aset, "round", opts)


def agreement_by(
    annotations: Any,
    *,
    by: str,
    target: float = 0.8,
    confidence_level: float = 0.95,
    method: IntervalMethod = "analytic",
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

