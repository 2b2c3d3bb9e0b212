"""Validation at the public boundary of the agreement functions (done once, then private code trusts it)."""

from __future__ import annotations

import warnings
from typing import Any, Literal, Sequence

import numpy as np

from .._reshape import is_distributed, n_repeated_ratings
from .._schema import AnnotationSet, build_annotation_set
from ..exceptions import DataQualityWarning, InvalidParameterError
from ._core import weight_matrix

__all__ = [
    "IntervalMethod",
    "Weights",
    "require_annotation_set",
    "agreement_set",
    "require_single_label",
    "resolve_pair",
    "check_weights",
    "check_interval_options",
]

IntervalMethod = Literal["score", "analytic", "bootstrap"]
Weights = Literal["linear", "quadratic"] | None


def require_annotation_set(annotations: Any) -> AnnotationSet:
    """An :class:`AnnotationSet` (or a distributed set) as is; anything else is refused with the way to load it.

    Statistics never read files: a DataFrame or a path becomes a set at the API boundary (the functions of the
    :mod:`analytics` namespace do it with :func:`analytics.io._coerce.as_annotation_set`), not here.
    """
    if isinstance(annotations, AnnotationSet) or is_distributed(annotations):
        return annotations
    raise InvalidParameterError(
        f"Expected an AnnotationSet, got {type(annotations).__name__}. Load a table or an export with "
        "analytics.load_annotations first, or call the function from the analytics namespace (e.g. "
        "analytics.fleiss_kappa), which accepts a DataFrame or a path and loads it for you."
    )


def require_single_label(aset: AnnotationSet, method: str) -> None:
    """Single-label coefficients refuse tag sets with a pointer to the multi-label functions."""
    if aset.multilabel:
        raise InvalidParameterError(
            f"{method} needs one label per annotation, but this set is multi-label (tag sets). Use "
            "analytics.kappa_by_tag (each tag as a present/absent decision) or "
            "analytics.krippendorff_alpha_multilabel (set distance) instead."
        )


def agreement_set(aset: AnnotationSet) -> AnnotationSet:
    """The set whose items are the units of agreement and whose categories are the agreement categories.

    When an annotator labels the same item in several rounds (a re-labelling after a guideline change),
    pooling the rounds would count an annotator's agreement with itself. Each ``(item, round)`` is then a
    separate unit, named ``"<item> (round <r>)"``.

    Classes known only from attached gold labels or predictions (``AnnotationSet.attached_categories``: declared
    nowhere, used by no annotator) are left out, so attaching gold never changes a coefficient (AC1, AC2 and
    Brennan–Prediger count categories; weighted kappa places them). Otherwise the set is returned unchanged. Cached.
    """
    if "agreement_units" in aset._cache:
        cached = aset._cache["agreement_units"]
        return aset if cached is None else cached
    out = _without_attached(aset)
    repeated = ("round" in aset.column_names and aset.annotators_known and len(aset.rounds) >= 2
                and n_repeated_ratings(aset) > 0)
    if repeated and is_distributed(out):
        out = out.round_units()
    elif repeated:
        frame = out.frame.copy(deep=False)
        rounds = frame["round"].astype(object).where(frame["round"].notna(), "none").astype(str)
        frame["item_id"] = frame["item_id"].astype(str) + " (round " + rounds + ")"
        out = build_annotation_set(
            frame, categories=out.categories, multilabel=out.multilabel, annotators_known=True,
            report=out.report, taxonomy=out.taxonomy, ordinal=out.ordinal, unknown_label=out.unknown_label,
        )
    if repeated:
        warnings.warn(
            "some annotators labelled the same item in several rounds; each (item, round) is treated as a "
            "separate unit so that nobody is counted as agreeing with themselves. Use the per-round results "
            "(agreement_summary(...).by_round) to compare rounds.", DataQualityWarning, stacklevel=4,
        )
    # None stands for the set itself: a set holding itself in its cache is a reference cycle, which keeps its
    # arrays alive after the last use until Python's full garbage collection (twice the memory at 10M when a
    # second set is loaded meanwhile)
    aset._cache["agreement_units"] = None if out is aset else out
    return out


def _without_attached(aset: AnnotationSet) -> AnnotationSet:
    """The set without its gold- or prediction-only classes (itself when it has none)."""
    attached = set(getattr(aset, "attached_categories", ()))
    if not attached:
        return aset
    if is_distributed(aset):
        return aset.without_attached_categories()
    kept = [c for c in aset.categories if c not in attached]
    return build_annotation_set(
        aset.frame, categories=kept, multilabel=aset.multilabel, annotators_known=aset.annotators_known,
        report=aset.report, taxonomy=aset.taxonomy, ordinal=aset.ordinal, unknown_label=aset.unknown_label,
    )


def resolve_pair(aset: AnnotationSet, annotators: Sequence[Any] | None, method: str) -> tuple[int, int, tuple[str, str]]:
    """Annotator codes of the pair to compare (the only two when ``annotators`` is omitted)."""
    ids = [str(a) for a in aset.annotator_ids]
    if annotators is None:
        if len(ids) != 2:
            raise InvalidParameterError(
                f"{method} compares two annotators, and this set has {len(ids)} ({', '.join(ids[:6])}"
                f"{' …' if len(ids) > 6 else ''}). Pass annotators=(a, b), or use cohen_kappa_by_pair, "
                "light_kappa or fleiss_kappa for more than two annotators."
            )
        return 0, 1, (ids[0], ids[1])
    if isinstance(annotators, str) or len(annotators) != 2:
        raise InvalidParameterError(f"annotators= must be a pair of annotator ids, e.g. ('ann_a', 'ann_b'); got {annotators!r}.")
    a, b = (str(x) for x in annotators)
    unknown = [x for x in (a, b) if x not in ids]
    if unknown:
        raise InvalidParameterError(
            f"Annotator{'s' if len(unknown) != 1 else ''} {unknown} {'are' if len(unknown) != 1 else 'is'} not in this set; annotators are: {', '.join(ids[:20])}"
            f"{' …' if len(ids) > 20 else ''}."
        )
    if a == b:
        raise InvalidParameterError(f"annotators= names the same annotator twice ({a!r}); give two different ids.")
    return ids.index(a), ids.index(b), (a, b)


def check_weights(aset: AnnotationSet, weights: Weights, method: str) -> tuple[np.ndarray, str]:
    """The agreement weight matrix over the set's category order, and its name.

    Weighted coefficients use the category order of the set (``AnnotationSet.categories``: the
    declared categories, the taxonomy order, or natural order), never the order in which labels
    happened to be observed. Using weights on a set that is not declared ordinal warns.
    """
    if weights not in (None, "linear", "quadratic"):
        raise InvalidParameterError(f"weights= must be None, 'linear' or 'quadratic'; got {weights!r}.")
    if weights is not None and not aset.ordinal:
        warnings.warn(
            f"{method} with {weights} weights treats the category order {list(aset.categories)[:8]}"
            f"{'…' if aset.n_categories > 8 else ''} as an ordinal scale, but the set is not declared ordinal. "
            "Load it with ordinal=True (and categories= in scale order) or an ordinal taxonomy if the order is "
            "meaningful; otherwise use unweighted coefficients.", DataQualityWarning, stacklevel=4,
        )
    return weight_matrix(aset.n_categories, weights), weights or "identity"


def check_interval_options(method: str, n_boot: int, seed: int | None) -> None:
    """Validate ``method=``, ``n_boot=`` and ``seed=``."""
    if method not in ("score", "analytic", "bootstrap"):
        raise InvalidParameterError(
            f"method= must be 'score' (the default: intervals whose coverage benchmarks/coverage.py checks), "
            f"'analytic' (Wald: estimate ± z·SE, as irrCAC/SAS) or 'bootstrap' (percentile); got {method!r}.")
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise InvalidParameterError(f"n_boot= must be an integer ≥ 2 (e.g. 1000); got {n_boot!r}.")
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise InvalidParameterError(f"seed= must be an integer or None; got {seed!r}.")
