"""Agreement on multi-label (tagging) projects: per-tag kappa and alpha with a set distance."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from .._lazy import sparse
from .._reshape import (
    coincidence_from_counts,
    item_category_counts,
    item_coincidence_cells,
    ratings_per_item,
    sparse_counts_from_codes,
)
from .._schema import AnnotationSet
from ..exceptions import InvalidParameterError
from ._alpha import alpha_from_coincidence, alpha_standard_error, set_distance
from ._core import binary_features, binary_fleiss_by_category, count_parts
from ._input import IntervalMethod, agreement_set, require_annotation_set, check_interval_options
from ._results import AgreementEstimate, check_confidence_level
from ._score import ratings_histogram
from .fleiss import binary_kappa_table, with_attached_rows
from .krippendorff import alpha_estimate

__all__ = ["kappa_by_tag", "krippendorff_alpha_multilabel", "SetDistance"]

SetDistance = Literal["jaccard", "masi"]


def _multilabel_set(annotations: Any, name: str, confidence_level: float, method: str, n_boot: int,
                    seed: int | None) -> AnnotationSet:
    check_confidence_level(confidence_level)
    check_interval_options(method, n_boot, seed)
    aset = require_annotation_set(annotations)
    if not aset.multilabel:
        raise InvalidParameterError(
            f"{name} is for multi-label sets (each annotation a set of tags); this set has one label per "
            "annotation. Use fleiss_kappa_by_category or krippendorff_alpha instead.")
    return agreement_set(aset)


def kappa_by_tag(
    annotations: Any,
    *,
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> pd.DataFrame:
    r"""Per-tag agreement of a multi-label set: each tag as a present/absent decision.

    For tag *t*, every annotation of an item either carries *t* or not; with :math:`x_{it}` of the
    :math:`r_i` annotations of item *i* carrying it, the tag's kappa is Fleiss' kappa of the
    two-category ("present", "absent") table (see :func:`analytics.fleiss_kappa`; for two annotators per item
    it equals Scott's pi), with Gwet's linearized standard error. Rare tags suffer from the kappa paradox
    (almost every rating says "absent"), so Gwet's AC1 of the same table,
    :math:`(p_a - p_e)/(1 - p_e)` with :math:`p_e = 2\pi_t(1 - \pi_t)`, is reported beside it.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        A multi-label set (``AnnotationSet.multilabel``).
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
    n_boot : int
    seed : int or None

    Returns
    -------
    pandas.DataFrame
        One row per tag in category order: ``tag``, ``prevalence`` (mean share of an item's annotations
        carrying it), ``percent_agreement``, ``kappa``, ``ci_low``, ``ci_high``, ``standard_error``, ``gwet_ac1``,
        ``n_items`` (items with ≥ 2 annotations) and ``reason``.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin,
    76(5), 378–382. https://doi.org/10.1037/h0031619

    Examples
    --------
    >>> from analytics import load_annotations
    >>> t = kappa_by_tag(load_annotations("sample_data/retail/tags.csv"))
    >>> bool(t.set_index("tag").loc["red", "kappa"] > t.set_index("tag").loc["casual", "kappa"])
    True
    """
    aset = _multilabel_set(annotations, "kappa_by_tag", confidence_level, method, n_boot, seed)
    counts = item_category_counts(aset, layout="auto")
    ratings = ratings_per_item(aset).astype(np.float64)
    res = binary_fleiss_by_category(counts, ratings)
    out = binary_kappa_table(res, aset.categories, func_name="kappa_by_tag", label_column="tag",
                             features=lambda: binary_features(counts, ratings)[0],
                             confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed,
                             histogram=ratings_histogram(aset))
    pi, pa = res["prevalence"], res["observed"]
    pe_ac1 = 2.0 * pi * (1.0 - pi)
    with np.errstate(invalid="ignore", divide="ignore"):
        ac1 = np.where(res["n_items"] > 0, (pa - pe_ac1) / (1.0 - pe_ac1), np.nan)
    out.insert(1, "prevalence", pi)
    out.insert(2, "percent_agreement", np.where(res["n_items"] > 0, pa, np.nan))
    out.insert(7, "gwet_ac1", ac1)
    return with_attached_rows(out, annotations, "tag")


def _set_codes(aset: AnnotationSet) -> tuple[np.ndarray, sparse.csr_matrix]:
    """Code of each annotation's tag set, and the distinct sets as a set × tag indicator matrix."""
    codes, uniques = pd.factorize(aset.frame["label"])
    position = {c: j for j, c in enumerate(aset.categories)}
    cols = [position[t] for tags in uniques for t in tags]
    rows = np.repeat(np.arange(len(uniques)), [len(tags) for tags in uniques])
    members = sparse.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(uniques), aset.n_categories))
    return codes.astype(np.int64), members


def krippendorff_alpha_multilabel(
    annotations: Any,
    *,
    distance: SetDistance = "masi",
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> AgreementEstimate:
    r"""Krippendorff's alpha of a multi-label set, with a distance between tag sets.

    Each annotation's value is its set of tags. The coincidence matrix is built over the distinct tag sets
    used, and the difference between two sets is their Jaccard distance or MASI distance (Passonneau 2006,
    which gives partial credit when one set contains the other):

    .. math:: \alpha = 1 - (n_{\cdot\cdot} - 1)\frac{\sum_{s,t} o_{st}\, d(s, t)}{\sum_{s,t} n_s n_t\, d(s, t)}

    Interval: the default is the model-free Agresti–Coull effective-trials interval (set distances are outside the
    nominal model of the score interval); ``method="analytic"`` is Wald with Gwet's (2014) linearized variance,
    ``method="bootstrap"`` a percentile bootstrap, as :func:`analytics.krippendorff_alpha`.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        A multi-label set.
    distance : {"masi", "jaccard"}
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
    n_boot : int
    seed : int or None

    Returns
    -------
    AgreementEstimate
        ``weights`` names the distance; ``n_items`` counts items with ≥ 2 annotations.

    References
    ----------
    Passonneau, R. (2006). Measuring agreement on set-valued items (MASI) for semantic and pragmatic
    annotation. Proceedings of LREC 2006. http://www.lrec-conf.org/proceedings/lrec2006/pdf/636_pdf.pdf

    Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. https://repository.upenn.edu/asc_papers/43

    Examples
    --------
    >>> from analytics import load_annotations
    >>> a = krippendorff_alpha_multilabel(load_annotations("sample_data/retail/tags.csv"))
    >>> 0 < a.value < 1
    True
    """
    if distance not in ("jaccard", "masi"):
        raise InvalidParameterError(f"distance= must be 'masi' or 'jaccard'; got {distance!r}.")
    aset = _multilabel_set(annotations, "krippendorff_alpha_multilabel", confidence_level, method, n_boot, seed)
    codes, members = _set_codes(aset)
    counts = sparse_counts_from_codes(aset.item_codes, codes, aset.n_items, members.shape[0])
    delta = set_distance(members, distance)
    res = alpha_from_coincidence(coincidence_from_counts(counts), distance, delta=delta)
    return alpha_estimate(aset, "krippendorff_alpha_multilabel", res, level=distance, delta=delta,
                          standard_error=lambda w: alpha_standard_error(count_parts(counts, w), w),
                          cells=lambda: item_coincidence_cells(counts),
                          confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed)
