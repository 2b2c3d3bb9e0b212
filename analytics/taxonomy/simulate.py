r"""What if two classes were merged, or one split? Agreement before and after, without changing the data.

Both functions re-label a copy of the annotations (:meth:`AnnotationSet.relabel` for a merge; a per-item or
per-annotation mapping for a split) and recompute the agreement summary, the per-category kappas and the
confusion hotspots on it, next to the current ones. The change of every count-based coefficient (percent
agreement, Fleiss' kappa, Gwet's AC1, Brennan–Prediger) gets a **paired** interval: both values are computed
on the same items, so the standard error of the difference comes from the per-item linearized terms of
Gwet (2014) (see :mod:`analytics.taxonomy._whatif`). Krippendorff's alpha and Light's kappa get no interval here.

A split assumes that annotators who chose the split class would all choose the item's new sub-class — an
optimistic bound, unless the mapping gives each annotation its own new label (a callable).

References
----------
Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5. Advanced Analytics.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .._reshape import item_category_counts, require_in_memory
from .._schema import build_annotation_set
from ._whatif import paired_change
from ..agreement._input import agreement_set, require_annotation_set
from ..agreement._results import check_confidence_level
from .confusion import hotspot_table, units
from ..exceptions import InvalidParameterError, UndefinedMetricWarning
from ..results import ResultMixin, jsonable
from .._wording import count_noun

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["SimulationSide", "SimulationResult", "simulate_merge", "simulate_split"]

#: Coefficients whose change gets a paired interval, with their count-based kind.
_PAIRED = {"percent_agreement": "percent", "fleiss_kappa": "fleiss", "gwet_ac1": "gwet",
           "brennan_prediger": "brennan_prediger"}


@dataclass(frozen=True, eq=False)
class SimulationSide(ResultMixin):
    """Agreement of one version of the labels.

    Attributes
    ----------
    table : pandas.DataFrame
        The agreement summary table (:attr:`AgreementSummary.table`).
    by_category : pandas.DataFrame
        Per-category Fleiss kappas (:func:`fleiss_kappa_by_category`).
    hotspots : pandas.DataFrame
        :func:`confusion_hotspots` (top 10 by default).
    sentence : str
        The summary's verdict.
    categories : tuple of str
    """

    table: pd.DataFrame
    by_category: pd.DataFrame
    hotspots: pd.DataFrame
    sentence: str
    categories: tuple[str, ...]

    def value(self, coefficient: str = "fleiss_kappa") -> float:
        rows = self.table.loc[self.table["coefficient"] == coefficient, "value"]
        return float(rows.iloc[0]) if len(rows) else float("nan")


@dataclass(frozen=True, eq=False)
class SimulationResult(ResultMixin):
    """A merge or split simulated on a copy of the annotations.

    Attributes
    ----------
    kind : {"merge", "split"}
    description : str
        What was changed, in words.
    mapping : dict
        Merge: old class → new class. Split: item id → new class (empty for a callable mapping).
    before, after : SimulationSide
    delta : pandas.DataFrame
        ``coefficient, label, before, after, delta, ci_low, ci_high, standard_error, interval_method``:
        the change of every coefficient present in both summaries (paired interval for count-based ones).
    annotations : AnnotationSet
        The re-labelled copy (not serialized by :meth:`to_dict`).
    n_changed : int
        Annotations whose label changed.
    sentence : str
        The effect on the primary coefficient, in words.
    notes : tuple of str
    """

    kind: str
    description: str
    mapping: dict
    before: SimulationSide
    after: SimulationSide
    delta: pd.DataFrame
    annotations: "AnnotationSet" = field(repr=False)
    n_changed: int
    sentence: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {k: jsonable(getattr(self, k)) for k in ("kind", "description", "mapping", "before", "after", "delta",
                                                      "n_changed", "sentence", "notes")}
        out["annotations"] = jsonable(self.annotations.summary())
        return out

    def change(self, coefficient: str = "fleiss_kappa") -> pd.Series:
        """The ``delta`` row of one coefficient."""
        rows = self.delta[self.delta["coefficient"] == coefficient]
        if rows.empty:
            raise InvalidParameterError(f"No {coefficient!r} in this simulation; it has {self.delta['coefficient'].tolist()}.")
        return rows.iloc[0]


def _side(aset: "AnnotationSet", *, target: float, confidence_level: float, top: int | None) -> SimulationSide:
    from ..agreement import agreement_summary, fleiss_kappa_by_category

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        summary = agreement_summary(aset, target=target, confidence_level=confidence_level, by_round=False)
        by_cat = fleiss_kappa_by_category(aset, confidence_level=confidence_level)
    return SimulationSide(table=summary.table, by_category=by_cat, hotspots=hotspot_table(units(aset, "simulate"), top=top),
                          sentence=summary.sentence, categories=tuple(aset.categories))


def _delta(before: "AnnotationSet", after: "AnnotationSet", sides: tuple[SimulationSide, SimulationSide],
           confidence_level: float) -> pd.DataFrame:
    b_units, a_units = agreement_set(before), agreement_set(after)
    same_items = b_units.item_ids.equals(a_units.item_ids)
    rows = []
    t0 = sides[0].table.set_index("coefficient")
    t1 = sides[1].table.set_index("coefficient")
    for name in [c for c in t0.index if c in t1.index]:
        row = {"coefficient": name, "label": t0.at[name, "label"], "before": float(t0.at[name, "value"]),
               "after": float(t1.at[name, "value"])}
        row["delta"] = row["after"] - row["before"]
        lo = hi = se = float("nan")
        how = "not available for this coefficient (no paired linearization)"
        if name in _PAIRED and same_items:
            ch = paired_change(item_category_counts(b_units, layout="auto"), item_category_counts(a_units, layout="auto"),
                               kind=_PAIRED[name], coefficient=name, confidence_level=confidence_level)
            lo, hi, se = ch.ci_low, ch.ci_high, ch.standard_error
            how = "Wald, paired: Gwet (2014) per-item linearized terms on the same items"
        rows.append({**row, "ci_low": lo, "ci_high": hi, "standard_error": se, "interval_method": how})
    return pd.DataFrame(rows, columns=["coefficient", "label", "before", "after", "delta", "ci_low", "ci_high",
                                       "standard_error", "interval_method"])


def _result(kind: str, description: str, mapping: dict, before: "AnnotationSet", after: "AnnotationSet", *,
            target: float, confidence_level: float, top: int | None, notes: tuple[str, ...] = ()) -> SimulationResult:
    sides = (_side(before, target=target, confidence_level=confidence_level, top=top),
             _side(after, target=target, confidence_level=confidence_level, top=top))
    delta = _delta(before, after, sides, confidence_level)
    changed = int((before.frame["label"].to_numpy() != after.frame["label"].to_numpy()).sum())
    row = delta[delta["coefficient"] == "fleiss_kappa"]
    if len(row) and np.isfinite(row.iloc[0]["after"]):
        r = row.iloc[0]
        ci = (f" (paired {confidence_level:.0%} CI of the change {r['ci_low']:+.3f} to {r['ci_high']:+.3f})"
              if np.isfinite(r["ci_low"]) else "")
        sentence = (f"{description} changes Fleiss' kappa from {r['before']:.3f} to {r['after']:.3f} "
                    f"({r['delta']:+.3f}){ci}; {count_noun(changed, 'annotation')} re-labelled.")
    else:
        sentence = f"{description}: Fleiss' kappa is undefined after the change; {count_noun(changed, 'annotation')} re-labelled."
    return SimulationResult(kind=kind, description=description, mapping=mapping, before=sides[0], after=sides[1],
                            delta=delta, annotations=after, n_changed=changed, sentence=sentence, notes=notes)


def _check_common(target: float, confidence_level: float, top: int | None) -> None:
    check_confidence_level(confidence_level)
    if not isinstance(target, (int, float)) or not -1.0 <= float(target) <= 1.0:
        raise InvalidParameterError(f"target= must be a number between -1 and 1 (e.g. 0.8); got {target!r}.")
    if top is not None and (not isinstance(top, (int, np.integer)) or top < 0):
        raise InvalidParameterError(f"top= must be a non-negative integer or None; got {top!r}.")


def simulate_merge(annotations: Any, classes: Sequence[str], *, into: str | None = None, target: float = 0.8,
                   confidence_level: float = 0.95, top: int | None = 10) -> SimulationResult:
    """Agreement if ``classes`` were one class: before, after and the change, without touching the input.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        Single-label annotations.
    classes : sequence of str
        Two or more categories to merge (labels and gold labels; predictions are summed).
    into : str, optional
        Name of the merged class (default: the names joined with ``+``, e.g. ``"Shirt+Blouse"``). It may be
        an existing category, which then absorbs the others.
    target, confidence_level : float
        As :func:`agreement_summary`.
    top : int or None
        Hotspots listed on each side.

    Returns
    -------
    SimulationResult
        ``after.value("fleiss_kappa")`` equals ``fleiss_kappa(annotations.relabel({c: into for c in classes}))``.

    References
    ----------
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5 (linearized variance). Advanced Analytics.

    Examples
    --------
    >>> from analytics import load_annotations
    >>> aset = load_annotations("sample_data/retail/annotations.csv")
    >>> sim = simulate_merge(aset, ["Shirt", "Blouse"])
    >>> bool(sim.change("fleiss_kappa")["delta"] > 0.05), "Shirt+Blouse" in sim.after.categories
    (True, True)
    """
    _check_common(target, confidence_level, top)
    aset = require_annotation_set(annotations)
    require_in_memory(aset, "simulate_merge", instead=(
        "It returns the re-labelled annotations. recommend_taxonomy_changes simulates merges and lifts on the "
        "cluster (Fleiss' kappa before and after, with a paired interval); for simulate_merge load the annotations "
        "in memory (backend='memory')."))
    if aset.multilabel:
        raise InvalidParameterError("simulate_merge needs single-label annotations; this set holds tag sets.")
    if isinstance(classes, str) or len(classes) < 2:
        raise InvalidParameterError(f"classes= must list at least two categories to merge; got {classes!r}.")
    names = [str(c) for c in classes]
    missing = [c for c in names if c not in aset.categories]
    if missing or len(set(names)) < len(names):
        raise InvalidParameterError(
            f"classes= must be distinct categories of the set; {missing or names} are not. Categories: "
            f"{list(aset.categories)[:20]}.")
    target_name = str(into) if into is not None else "+".join(names)
    mapping = {c: target_name for c in names}
    after = aset.relabel(mapping)
    return _result("merge", f"Merging {' + '.join(names)} into '{target_name}'", mapping, aset, after,
                   target=target, confidence_level=confidence_level, top=top)


SplitMapping = Mapping[Any, str] | pd.Series | Callable[[pd.DataFrame], Any]


def _split_labels(aset: "AnnotationSet", mapping: SplitMapping, classes: Sequence[str] | None) -> tuple[np.ndarray, dict]:
    frame = aset.frame
    old = frame["label"].to_numpy(dtype=object)
    if callable(mapping) and not isinstance(mapping, (pd.Series, Mapping)):
        new = pd.Series(mapping(frame.copy()), dtype=object)
        if len(new) != len(frame):
            raise InvalidParameterError(
                f"The split function returned {len(new)} labels for {len(frame)} annotations; return one new label "
                "per row of annotations.frame (None to keep a label).")
        new = new.to_numpy(dtype=object)
        item_map: dict = {}
    else:
        series = mapping if isinstance(mapping, pd.Series) else pd.Series(dict(mapping), dtype=object)
        item_map = {str(k): str(v) for k, v in series.dropna().items()}
        unknown = [k for k in item_map if k not in set(aset.item_ids.astype(str))]
        if unknown:
            raise InvalidParameterError(
                f"{count_noun(len(unknown), 'item id')} of the split mapping are not in the annotations, e.g. {unknown[:5]}.")
        new = frame["item_id"].astype(str).map(item_map).to_numpy(dtype=object)
    keep = pd.isna(new)
    if classes is not None:
        keep |= ~np.isin(old, list(classes))
    return np.where(keep, old, new).astype(object), item_map


def simulate_split(annotations: Any, mapping: SplitMapping, *, classes: Sequence[str] | None = None,
                   target: float = 0.8, confidence_level: float = 0.95, top: int | None = 10) -> SimulationResult:
    """Agreement if a class were split (or items re-assigned): labels re-mapped per item or per annotation.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        Single-label annotations.
    mapping : mapping or pandas.Series (item id → new class), or callable
        Per item: every annotation of a mapped item (with a label in ``classes``, when given) takes the new
        class, and so does the item's gold label. A callable gets a copy of ``annotations.frame`` and returns
        one new label per row (None/NaN keeps the label) — e.g. a per-annotation re-labelling study.
    classes : sequence of str, optional
        Only annotations with one of these labels are re-labelled (the class being split).
    target, confidence_level, top
        As :func:`simulate_merge`.

    Returns
    -------
    SimulationResult
        Predictions are dropped from the re-labelled set (probabilities cannot be split); ``notes`` says so.

    References
    ----------
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5 (linearized variance). Advanced Analytics.

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": ["a", "b"] * 2, "label": ["x", "x", "x", "y"]})
    >>> sim = simulate_split(load_annotations(df), {1: "x1", 2: "x2"}, classes=["x"])
    >>> sim.after.categories
    ('x1', 'x2', 'y')
    """
    _check_common(target, confidence_level, top)
    aset = require_annotation_set(annotations)
    require_in_memory(aset, "simulate_split", instead=(
        "A split re-labels single annotations (by item or by a function of the rows) and returns the re-labelled "
        "set; load the annotations in memory (backend='memory') for it."))
    if aset.multilabel:
        raise InvalidParameterError("simulate_split needs single-label annotations; this set holds tag sets.")
    if classes is not None:
        missing = [c for c in classes if c not in aset.categories]
        if missing or isinstance(classes, str):
            raise InvalidParameterError(f"classes= must list categories of the set; {missing or classes!r} are not.")
    labels, item_map = _split_labels(aset, mapping, classes)
    frame = aset.frame.copy()
    frame["label"] = labels
    frame["label"] = frame["label"].map(str)
    gold = aset.gold
    if gold is not None and item_map:
        moved = gold.index.astype(str).map(item_map)
        mask = ~pd.isna(moved) & (gold.isin(list(classes)) if classes is not None else True)
        gold = gold.where(~np.asarray(mask), pd.Series(np.asarray(moved, dtype=object), index=gold.index))
    cats = _split_categories(aset.frame["label"].to_numpy(dtype=object), aset.categories, labels, gold)
    after = build_annotation_set(frame, categories=cats, multilabel=False, annotators_known=aset.annotators_known,
                                 report=aset.report, ordinal=False, unknown_label=aset.unknown_label, gold=gold,
                                 gold_report=aset.gold_report)
    notes = ("predictions were dropped: class probabilities cannot be split",) if aset.has_predictions else ()
    what = f"Splitting {', '.join(classes)}" if classes is not None else "Re-assigning labels"
    return _result("split", f"{what} by the mapping", dict(item_map), aset, after, target=target,
                   confidence_level=confidence_level, top=top, notes=notes)


def _split_categories(old_labels: np.ndarray, old: tuple[str, ...], labels: np.ndarray,
                      gold: pd.Series | None) -> tuple[str, ...]:
    """New category order: each new class at the place of the class most of its annotations came from."""
    changed = old_labels != labels
    origin = (pd.Series(old_labels[changed]).groupby(labels[changed]).agg(lambda s: s.value_counts().index[0])
              if changed.any() else pd.Series(dtype=object))
    used = set(labels) | (set(gold.dropna()) if gold is not None else set())
    out: list[str] = []
    for c in old:
        if c in used:
            out.append(c)
        out += sorted(n for n, o in origin.items() if o == c and n not in set(old))
    extra = sorted(str(n) for n in used if n not in set(out))
    return tuple(dict.fromkeys(out + extra))
