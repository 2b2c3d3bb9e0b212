"""Cohen's kappa for a pair, for every pair at once, and their mean (Light's kappa)."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .._reshape import (
    annotator_label_rows,
    annotator_pair_tables,
    dense_overlap,
    item_annotator_onehot,
    item_pair_cells,
    n_items_with_ratings,
    pair_code_blocks,
    ratings_per_item,
    reduce_items,
)
from .._schema import AnnotationSet
from ..results import warn_undefined
from ._core import pairwise_from_tables
from ._counts import count_sums, prepare
from ._input import IntervalMethod, Weights, check_weights
from ._pairs import pair_coefficient
from ._results import AgreementEstimate, undefined_estimate, wald_interval, wald_intervals
from ._row_pairs import row_pair_sums
from ._score import (
    pair_jackknife_se,
    pair_model_inputs,
    ratings_histogram,
    with_score_interval,
    with_trials_interval,
)
from .intervals import pair_leave_one_out, score_intervals
from .bootstrap import bootstrap_replicates, percentile_intervals, with_bootstrap_interval

__all__ = ["cohen_kappa", "cohen_kappa_by_pair", "light_kappa"]

BY_PAIR_COLUMNS = ["annotator_a", "annotator_b", "kappa", "ci_low", "ci_high", "standard_error", "n_items",
                   "percent_agreement", "expected_agreement", "reason"]


def cohen_kappa(
    annotations: Any,
    *,
    annotators: Sequence[Any] | None = None,
    weights: Weights = None,
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> AgreementEstimate:
    r"""Cohen's kappa between two annotators, with the Fleiss–Cohen–Everitt standard error.

    On the items both annotators labelled (pairwise deletion), with :math:`p_{ck}` the share of those items
    labelled *c* by the first and *k* by the second:

    .. math:: \kappa = \frac{p_o - p_e}{1 - p_e}, \qquad p_o = \sum_{ck} w_{ck} p_{ck}, \qquad
              p_e = \sum_{ck} w_{ck}\, p_{c\cdot}\, p_{\cdot k}

    Unweighted kappa uses :math:`w = I`; ``weights="linear"``/``"quadratic"`` use
    :math:`1 - |c-k|/(q-1)` / :math:`1 - (c-k)^2/(q-1)^2` over the positions of the set's *declared* category
    order (``AnnotationSet.categories``: ``categories=``, an ordinal taxonomy, or natural order) — never the
    order of whatever labels happened to be observed — so the value does not change when a category is
    unused. Weighting a set that is not declared ordinal warns (:class:`~analytics.DataQualityWarning`).

    The standard error is the large-sample one of Fleiss, Cohen & Everitt (1969) (SAS ``ASE``, statsmodels
    ``std_kappa``). **Interval:** the default (``method="score"``) is the score interval of
    :mod:`analytics.agreement.intervals` with the model variance of a two-rater kappa and, as the sandwich
    variance, the larger of the FCE and the jackknife variance (the jackknife sees the small-sample skew of kappa
    on rare classes) — chosen by the coverage study (``benchmarks/coverage.py``), where the Wald interval
    ``κ ± z·SE`` (``method="analytic"``, as SAS prints it) covers as little as 5 % of 20-item pilots and has zero
    width when the annotators agree on every item. ``method="bootstrap"``: a percentile bootstrap over the common
    items. Weighted kappa gets the model-free Agresti–Coull effective-trials interval. ``standard_error_h0`` is the
    SE under κ = 0 (SAS "ASE under H0").

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
    annotators : pair of annotator ids, optional
        Which two annotators to compare; may be omitted when the set has exactly two.
    weights : {None, "linear", "quadratic"}
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
    n_boot : int
    seed : int or None

    Returns
    -------
    AgreementEstimate
        ``n_items`` is the number of common items. NaN with a reason when the annotators share no item,
        use a single category between them, or annotator ids are unknown.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and Psychological
    Measurement, 20(1), 37–46. https://doi.org/10.1177/001316446002000104

    Cohen, J. (1968). Weighted kappa. Psychological Bulletin, 70(4), 213–220. https://doi.org/10.1037/h0026256

    Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of kappa and weighted
    kappa. Psychological Bulletin, 72(5), 323–327. https://doi.org/10.1037/h0028106

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3, 4, 4], "annotator_id": ["a", "b"] * 4,
    ...                    "label": ["cat", "cat", "dog", "dog", "dog", "cat", "cat", "cat"]})
    >>> k = cohen_kappa(load_annotations(df))
    >>> round(k.value, 3), k.n_items
    (0.5, 4)
    """
    aset = prepare(annotations, "cohen_kappa", confidence_level=confidence_level, method=method, n_boot=n_boot,
                   seed=seed)
    return pair_coefficient(aset, "cohen", "cohen_kappa", annotators=annotators, weights=weights,
                            confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed)


def _all_pairs(aset: AnnotationSet, w: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], dict]:
    """Upper-triangle pair tables ``(P, C, C)``, the pair indices, and their Cohen statistics (vectorized)."""
    tables = annotator_pair_tables(aset)
    iu = np.triu_indices(aset.n_annotators, 1)
    sub = tables[iu[0], iu[1]]
    return sub, iu, pairwise_from_tables("cohen", sub, w)


def _pair_reasons(res: dict) -> np.ndarray:
    n = res["n"]
    return np.where(np.isfinite(res["value"]), None,
                    np.where(n == 0, "no item labelled by both",
                             "only one category used on the common items (chance agreement is 1)"))


def cohen_kappa_by_pair(
    annotations: Any,
    *,
    weights: Weights = None,
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Cohen's kappa for every annotator pair at once, with intervals.

    All pair tables ``T[a, b]`` are built at once by :func:`analytics._reshape.annotator_pair_tables`,
    by one of two paths chosen by :func:`analytics._reshape.dense_overlap`:

    - dense overlap (most annotators label most items, the usual pilot design): the item × annotator
      label matrix is turned into pair cell codes and counted with one ``bincount`` per annotator *a*
      over all its partners ``b > a`` at once (:func:`analytics._reshape._kernels.pair_tables_from_labels`);
    - sparse overlap (many annotators, few per item, as in crowdsourcing): one sparse product ``XᵀX`` of
      the item × (annotator, category) one-hot matrix.

    Neither path loops over pairs, and both give the same tables. The kappas, standard errors and
    intervals of all pairs are then computed together on the ``(pairs, C, C)`` tensor. Formulas and
    options as :func:`cohen_kappa`; the bootstrap resamples items once for all pairs (from each item's
    pair cells of the one-hot matrix, whichever path built the point estimates).

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
    weights : {None, "linear", "quadratic"}
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
    n_boot : int
    seed : int or None

    Returns
    -------
    pandas.DataFrame
        One row per pair ``annotator_a < annotator_b`` (annotator code order): ``annotator_a``,
        ``annotator_b``, ``kappa``, ``ci_low``, ``ci_high``, ``standard_error``, ``n_items`` (common items),
        ``percent_agreement``, ``expected_agreement`` and ``reason`` (why a kappa is NaN). Empty, with a
        warning, when annotators are anonymous or fewer than two.

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2], "annotator_id": ["a", "b", "c"] * 2,
    ...                    "label": ["x", "x", "y", "y", "y", "y"]})
    >>> cohen_kappa_by_pair(load_annotations(df))[["annotator_a", "annotator_b", "kappa"]].to_dict("list")
    {'annotator_a': ['a', 'a', 'b'], 'annotator_b': ['b', 'c', 'c'], 'kappa': [1.0, 0.0, 0.0]}
    """
    aset = prepare(annotations, "cohen_kappa_by_pair", confidence_level=confidence_level, method=method,
                   n_boot=n_boot, seed=seed)
    if not aset.annotators_known or aset.n_annotators < 2:
        why = ("annotator ids are unknown (anonymous ratings)" if not aset.annotators_known
               else f"the set has {aset.n_annotators} annotator")
        warn_undefined("cohen_kappa_by_pair", f"{why}; there is no pair to compare")
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("annotator_a", "annotator_b", "reason") else float)
                             for c in BY_PAIR_COLUMNS})
    w, _ = check_weights(aset, weights, "cohen_kappa_by_pair")
    tables, iu, res = _all_pairs(aset, w)
    kappa, se = res["value"], res["se"]
    lo, hi = wald_intervals(kappa, se, confidence_level)
    if method == "score":
        lo, hi = _pair_score_intervals(tables, res, w, confidence_level)
    if method == "bootstrap":
        reps = _pair_replicates(aset, w, n_boot=n_boot, seed=seed)
        lo, hi, se = percentile_intervals(reps, confidence_level, np.isfinite(kappa))
    ids = np.asarray([str(a) for a in aset.annotator_ids], dtype=object)
    reasons = _pair_reasons(res)
    n_bad = int((~np.isfinite(kappa)).sum())
    if n_bad:
        warn_undefined("cohen_kappa_by_pair", f"{n_bad} of {len(kappa)} pairs have no kappa (see the reason column)")
    return pd.DataFrame({
        "annotator_a": ids[iu[0]], "annotator_b": ids[iu[1]], "kappa": kappa, "ci_low": lo, "ci_high": hi,
        "standard_error": se, "n_items": res["n"].astype(np.int64), "percent_agreement": res["observed"],
        "expected_agreement": res["expected"], "reason": reasons,
    })


def _pair_score_intervals(tables: np.ndarray, res: dict, w: np.ndarray,
                          confidence_level: float) -> tuple[np.ndarray, np.ndarray]:
    """The default (score) interval of every pair's Cohen's kappa at once (NaN for pairs with fewer than 2 items)."""
    n = res["n"].astype(np.float64)
    histogram = np.zeros((len(n), 3))
    histogram[:, 2] = n
    if not np.array_equal(w, np.eye(len(w))):
        from .intervals import agresti_coull_intervals

        lo, hi = agresti_coull_intervals(res["value"], res["se"], res["expected"], n, np.full(len(n), 2.0),
                                         confidence_level, scale="chance_corrected")
    else:
        pooled, _ = pair_model_inputs(tables)
        se = np.fmax(res["se"], pair_jackknife_se(tables))
        lo, hi = score_intervals(res["value"], se, prevalence=pooled, ratings_counts=histogram, n_pairable=n,
                                 confidence_level=confidence_level, kind="pairs", n_pairs=np.ones(len(n)),
                                 pair_items=n)
    few = n < 2
    return np.where(few, np.nan, lo), np.where(few, np.nan, hi)


def _pair_replicates(aset: AnnotationSet, w: np.ndarray, *, n_boot: int, seed: int | None) -> np.ndarray:
    """Bootstrap replicates ``(n_boot, pairs)`` of all pairwise kappas from one resampling of items."""
    a, q = aset.n_annotators, aset.n_categories
    cells, _ = item_pair_cells(item_annotator_onehot(aset), a, q)
    n_pairs = a * (a - 1) // 2
    return bootstrap_replicates(
        cells, lambda s: pairwise_from_tables("cohen", s.reshape(-1, n_pairs, q, q), w)["value"],
        n_boot=n_boot, seed=seed)


def light_kappa(
    annotations: Any,
    *,
    weights: Weights = None,
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> AgreementEstimate:
    r"""Light's kappa: the mean of Cohen's kappa over all annotator pairs.

    .. math:: \kappa_L = \frac{1}{P}\sum_{a<b} \kappa_{ab}

    over the *P* pairs whose kappa is defined (pairs without a common item or with a single category
    between them are left out). This is how "Cohen's kappa" is usually reported for more than two
    annotators (Light 1971; R's ``irr::kappam.light``).

    **Interval.** Each pair's kappa is a smooth function of item-level indicators, so the mean has the
    influence function :math:`\psi_i = \frac{1}{P}\sum_{a<b} \psi^{ab}_i / n_{ab}` with the per-pair
    Fleiss–Cohen–Everitt influence
    :math:`\psi^{ab}_i = [w_{x_a x_b} - (1-\kappa_{ab})(\bar w_{x_a\cdot} + \bar w_{\cdot x_b}) - (p_o - 2(1-\kappa_{ab})p_e)]/(1-p_e)`
    on the items the pair shares. The delta-method variance :math:`\sum_i \psi_i^2` accounts for the
    correlation between pairs that share items; for a single pair it is the FCE variance. Computed for all
    items at once as a quadratic form of the item × (annotator, category) one-hot matrix. The default interval
    (``method="score"``) is the score interval of :mod:`analytics.agreement.intervals` with the model variance of a
    mean of pairwise kappas and the larger of this and the jackknife variance (:func:`_light_jackknife_se`) — the
    coverage study's choice; ``method="analytic"`` is the Wald interval, ``method="bootstrap"`` a percentile
    bootstrap over items.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
    weights : {None, "linear", "quadratic"}
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
    n_boot : int
    seed : int or None

    Returns
    -------
    AgreementEstimate
        ``n_items`` counts items with at least two ratings; ``observed_agreement`` and
        ``expected_agreement`` are means over the pairs.

    References
    ----------
    Light, R. J. (1971). Measures of response agreement for qualitative data: Some generalizations and
    alternatives. Psychological Bulletin, 76(5), 365–377. https://doi.org/10.1037/h0031643

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2], "annotator_id": ["a", "b", "c"] * 2,
    ...                    "label": ["x", "x", "y", "y", "y", "y"]})
    >>> round(light_kappa(load_annotations(df)).value, 3)
    0.333
    """
    aset = prepare(annotations, "light_kappa", confidence_level=confidence_level, method=method, n_boot=n_boot,
                   seed=seed)
    name = "light_kappa"
    if not aset.annotators_known or aset.n_annotators < 2:
        why = ("annotator ids are unknown (anonymous ratings), so pairs cannot be formed; use fleiss_kappa"
               if not aset.annotators_known else f"the set has {aset.n_annotators} annotator; two are needed")
        return undefined_estimate(name, why, n_annotators=aset.n_annotators, confidence_level=confidence_level)
    w, wname = check_weights(aset, weights, name)
    tables, iu, res = _all_pairs(aset, w)
    defined = np.isfinite(res["value"])
    n_multi = n_items_with_ratings(aset, 2)
    if not defined.any():
        reason = ("no two annotators labelled a common item" if (res["n"] == 0).all()
                  else "every annotator pair used a single category on its common items (chance agreement is 1)")
        return undefined_estimate(name, reason, n_items=n_multi, n_annotators=aset.n_annotators,
                                  confidence_level=confidence_level, weights=wname)
    value = float(res["value"][defined].mean())
    se = _light_standard_error(aset, tables, res, defined, w)
    lo, hi = wald_interval(value, se, confidence_level)
    est = AgreementEstimate(
        value=value, ci_low=lo, ci_high=hi, n_items=n_multi, n_annotators=aset.n_annotators, method=name,
        standard_error=se, confidence_level=confidence_level,
        interval_method=f"Wald; delta-method variance of the mean of {int(defined.sum())} pairwise kappas "
                        "(Fleiss, Cohen & Everitt 1969 influence functions)",
        observed_agreement=float(res["observed"][defined].mean()),
        expected_agreement=float(res["expected"][defined].mean()), weights=wname,
    )
    if method == "score":
        histogram = ratings_histogram(aset)
        if not np.array_equal(w, np.eye(len(w))):
            return with_trials_interval(est, histogram=histogram)
        jack = _light_jackknife_se(aset, tables, res, defined)
        sums = count_sums(aset, np.eye(aset.n_categories))
        return with_score_interval(est, kind="pairs", se=float(np.fmax(se, jack)), prevalence=sums[3:] / sums[2],
                                   histogram=histogram, n_pairs=float(defined.sum()),
                                   pair_items=float(res["n"][defined].mean()))
    if method == "bootstrap":
        reps = _pair_replicates(aset, w, n_boot=n_boot, seed=seed)[:, defined]
        with np.errstate(invalid="ignore"):
            means = np.where(np.isfinite(reps).all(axis=1), reps.mean(axis=1), np.nan)
        est = with_bootstrap_interval(est, means, n_boot=n_boot, seed=seed)
    return est


def _light_standard_error(aset: AnnotationSet, tables: np.ndarray, res: dict, defined: np.ndarray,
                          w: np.ndarray) -> float:
    """Delta-method SE of the mean pairwise kappa (see :func:`light_kappa`)."""
    n_pairs = int(defined.sum())
    n = np.where(defined, res["n"], 1.0)
    kappa = np.where(defined, res["value"], 0.0)
    pe = np.where(defined, res["expected"], 0.0)
    po = np.where(defined, res["observed"], 0.0)
    p = tables / n[:, None, None]
    row, col = p.sum(axis=2), p.sum(axis=1)
    wr = col @ w.T                                            # Σ_k w_ck p_.k
    wc = row @ w                                              # Σ_c p_c. w_ck
    g = (w[None] - (1.0 - kappa)[:, None, None] * (wr[:, :, None] + wc[:, None, :])
         - (po - 2.0 * (1.0 - kappa) * pe)[:, None, None])
    g = g / ((1.0 - pe) * n * n_pairs)[:, None, None]
    g[~defined] = 0.0
    return math.sqrt(reduce_items(aset, _squared_pair_sums, g))


def _light_jackknife_se(aset: AnnotationSet, tables: np.ndarray, res: dict, defined: np.ndarray) -> float:
    r"""Jackknife standard error of Light's kappa over items, in one pass (in memory or per partition).

    Leaving item *i* out changes each pair's kappa by a closed form of the pair's table and the item's cell
    (:func:`~.intervals.pair_leave_one_out`); a pair left with a single category drops out of the mean. So
    :math:`\hat\kappa_{(i)} = (\sum_{ab}\kappa_{ab} + S_i - U_i)/(P - u_i)` with :math:`S_i` the changes,
    :math:`U_i` the kappas of the pairs that drop out and :math:`u_i` their number, each a sum over the pairs that
    labelled the item (:func:`_pair_sums_per_item`), and :math:`v_J = \frac{k-1}{k}\sum_i (d_i - \bar d)^2`
    over the *k* items with a rating, :math:`d_i = \hat\kappa_{(i)} - \hat\kappa` (Quenouille–Tukey).
    """
    moved, dropped_value, dropped = pair_leave_one_out(tables)
    keep = defined[:, None, None]
    parts = (np.where(keep, moved, 0.0), np.where(keep, dropped_value, 0.0), np.where(keep, dropped, 0.0))
    total = float(res["value"][defined].sum())
    k, s1, s2 = reduce_items(aset, _jackknife_sums, parts, total, float(defined.sum()))
    if k < 2:
        return float("nan")
    return math.sqrt(max((k - 1.0) / k * (s2 - s1 * s1 / k), 0.0))


def _jackknife_sums(part, parts: tuple[np.ndarray, np.ndarray, np.ndarray], total: float,
                    n_pairs: float) -> np.ndarray:
    """``[items, Σ d_i, Σ d_i²]`` of :func:`_light_jackknife_se` over the items of one partition (additive)."""
    # one pass over the items for the three sums; a pair drops out only where it has a class seen once, so the last
    # two tables are mostly all zero, and their sums then are zeros (the same arithmetic: x - 0 = x)
    used = [j for j, g in enumerate(parts) if j == 0 or g.any()]
    sums = _pair_sums_per_item(part, np.stack([parts[j] for j in used], axis=-1))
    moved, dropped_value, dropped = (sums[:, used.index(j)] if j in used else np.zeros(len(sums)) for j in range(3))
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (total + moved - dropped_value) / (n_pairs - dropped) - total / n_pairs
    d = np.where(np.isfinite(d), d, 0.0)
    rated = ratings_per_item(part) > 0
    return np.array([float(rated.sum()), float(d[rated].sum()), float((d[rated] ** 2).sum())])


def _squared_pair_sums(part, g: np.ndarray) -> float:
    r""":math:`\sum_i S_i^2` over the items of one partition (see :func:`_pair_sums_per_item`)."""
    return float((_pair_sums_per_item(part, g) ** 2).sum())


def _pair_sums_per_item(aset: AnnotationSet, g: np.ndarray) -> np.ndarray:
    r""":math:`S_i = \sum_{a<b} g_{ab}(x_{ia}, x_{ib})` over the pairs that labelled item *i* (all items at once).

    ``g`` is ``(P, C, C)`` over the pairs in ``numpy.triu_indices`` order, or ``(P, C, C, m)`` for *m* such sums
    at once (returned as ``(n_items, m)``: one gather of the pair cells serves them all). Dense overlap: gathers of
    the pair cell codes (:func:`analytics._reshape.pair_code_blocks`); sparse overlap: the quadratic form
    :math:`\tfrac12 x_i^\top G x_i` of the item × (annotator, category) one-hot rows, read as a sum over the pairs of
    each row's entries (:func:`._row_pairs.row_pair_sums`: :math:`r_i(r_i-1)/2` gathers per item, not
    :math:`r_i A C` products).
    """
    stacked = g.shape[-1] if g.ndim == 4 else 0
    a, q = aset.n_annotators, aset.n_categories
    iu = np.triu_indices(a, 1)
    if dense_overlap(aset):
        q1 = q + 1
        stack = g if stacked else g[..., None]
        padded = np.zeros((stack.shape[-1], a, a, q1, q1))
        padded[:, iu[0], iu[1], :q, :q] = np.moveaxis(stack, -1, 0)
        out = np.zeros((stack.shape[-1], aset.n_items))
        for first, items, codes in pair_code_blocks(annotator_label_rows(aset), q):
            for table, sums in zip(padded, out):
                sums[items] += table[first].reshape(-1)[codes].sum(axis=0)
        return out.T if stacked else out[0]
    big = np.zeros((a, q, a, q) + g.shape[3:])
    big[iu[0], :, iu[1], :] = g
    big[iu[1], :, iu[0], :] = np.swapaxes(g, 1, 2)
    return row_pair_sums(item_annotator_onehot(aset), big.reshape((a * q, a * q) + g.shape[3:]))
