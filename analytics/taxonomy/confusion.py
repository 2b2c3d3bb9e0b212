r"""Which classes do annotators confuse? The inter-annotator confusion (coincidence) matrix and ranked hotspots.

Everything comes from Krippendorff's coincidence matrix :math:`o_{ck}` (:mod:`analytics._reshape`), built
once from the item × category counts: for every item, every ordered pair of its ratings from different
annotators, weighted :math:`1/(m_u - 1)` so that each item contributes its :math:`m_u` pairable values.

**Expected under chance.** With :math:`n_c = \sum_k o_{ck}` and :math:`n_{\cdot\cdot} = \sum_c n_c`,
:math:`e_{ck} = n_c n_k / (n_{\cdot\cdot} - 1)` for :math:`c \ne k` (Krippendorff 2011). A pair's
**ratio** :math:`(o_{ab} + o_{ba}) / (e_{ab} + e_{ba})` says how often *a* meets *b* relative to two random
ratings — so large classes do not top the list by size alone.

**Score.** Random (class-blind) errors spread disagreement over pairs in proportion to :math:`e`, so every
pair then has the same ratio :math:`D_o/D_e = 1 - \alpha`. The hotspot ``score`` is the exact change of
Krippendorff's (nominal) alpha if the two classes were merged:

.. math:: \Delta\alpha_{ab} = \frac{D_o}{D_e} - \frac{D_o - d_{ab}}{D_e - \varepsilon_{ab}}
          = \Big(\text{ratio}_{ab} - \frac{D_o}{D_e}\Big)\,\frac{\varepsilon_{ab}}{D_e - \varepsilon_{ab}},

with :math:`d_{ab} = (o_{ab}+o_{ba})/n_{\cdot\cdot}`, :math:`\varepsilon_{ab} = (e_{ab}+e_{ba})/n_{\cdot\cdot}`,
:math:`D_o = \sum_{c \ne k} o_{ck}/n_{\cdot\cdot}` and :math:`D_e = \sum_{c \ne k} e_{ck}/n_{\cdot\cdot}`. It
combines **specificity** (the ratio's excess over the random-error baseline :math:`1 - \alpha`, also reported
as ``lift``) with **size** (the pair's chance share :math:`\varepsilon_{ab}`): it is positive exactly when the
pair is confused more than an even spread of the observed disagreement would give, and it is in alpha points.

References
----------
Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for Communication
Departmental Papers 43. https://repository.upenn.edu/asc_papers/43

Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin, 76(5),
378–382. https://doi.org/10.1037/h0031619
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._reshape import (
    annotator_pair_swaps,
    cached,
    co_use_matrix,
    coincidence_matrix,
    example_items,
    n_items_with_ratings,
    pair_gold_counts,
    rating_pair_matrix,
)
from ..exceptions import InvalidParameterError
from ..results import ResultMixin
from ._pairstats import expected_coincidences as _expected
from ._pairstats import pair_statistics, ranked_by_score, units
from .pairs import GOLD_VERDICTS, pair_diagnoses

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["ConfusionMatrix", "confusion_matrix_between_annotators", "confusion_hotspots", "HOTSPOT_COLUMNS",
           "GOLD_VERDICTS", "units", "pair_statistics"]

#: Columns of :func:`confusion_hotspots`, in order.
HOTSPOT_COLUMNS = [
    "class_a", "class_b", "n_disagreements", "weighted_disagreements", "n_items", "share_of_disagreements",
    "share_of_a", "share_of_b", "expected", "ratio", "lift", "score", "kappa_a", "kappa_b", "diagnosis",
    "diagnosis_note", "n_annotators", "top_annotator", "top_annotator_share", "annotator_shares", "n_gold_items",
    "gold_a", "gold_b", "gold_other", "gold_with_majority", "gold_verdict", "gold_note", "example_items",
    "example_images",
]


@dataclass(frozen=True, eq=False)
class ConfusionMatrix(ResultMixin):
    r"""The symmetric inter-annotator confusion (coincidence) matrix, in counts and normalized forms.

    Attributes
    ----------
    counts : pandas.DataFrame
        :math:`o_{ck}` indexed by category (rows and columns): how often a rating *c* and a rating *k* of the
        same item by different annotators co-occur (Krippendorff's coincidences; symmetric).
    row_normalized : pandas.DataFrame
        :math:`o_{ck} / n_c`: given one rating is *c*, the share of the item's other ratings that are *k*
        (rows sum to 1; NaN rows for unused categories). The diagonal is each class's agreement rate.
    share : pandas.DataFrame
        :math:`o_{ck} / n_{\cdot\cdot}`: share of all pairable values.
    expected : pandas.DataFrame
        :math:`e_{ck}` under chance (:math:`n_c n_k/(n_{\cdot\cdot}-1)` off the diagonal,
        :math:`n_c(n_c-1)/(n_{\cdot\cdot}-1)` on it).
    categories : tuple of str
    n_pairable : float
        :math:`n_{\cdot\cdot}`: ratings on items with at least two ratings.
    n_items : int
        Items with at least two ratings.
    """

    counts: pd.DataFrame
    row_normalized: pd.DataFrame
    share: pd.DataFrame
    expected: pd.DataFrame
    categories: tuple[str, ...]
    n_pairable: float
    n_items: int

    def to_frame(self) -> pd.DataFrame:
        """Long form: ``class_a, class_b, count, row_normalized, share, expected`` for every cell."""
        idx = pd.MultiIndex.from_product([self.categories, self.categories], names=["class_a", "class_b"])
        return pd.DataFrame({
            "count": self.counts.to_numpy().ravel(), "row_normalized": self.row_normalized.to_numpy().ravel(),
            "share": self.share.to_numpy().ravel(), "expected": self.expected.to_numpy().ravel(),
        }, index=idx).reset_index()


def confusion_matrix_between_annotators(annotations: Any) -> ConfusionMatrix:
    r"""The inter-annotator confusion matrix: for every item, every ordered pair of its ratings by different annotators.

    .. math:: o_{ck} = \sum_{u:\, m_u \ge 2} \frac{n_{uc}\,(n_{uk} - \delta_{ck})}{m_u - 1}

    It is symmetric (no annotator is the reference), works with anonymous annotators (counts tables) and
    unequal numbers of ratings per item, and is read straight from the cached coincidence matrix of
    :mod:`analytics._reshape` (no recomputation). When an annotator labelled an item in several rounds,
    each (item, round) is a separate unit so nobody is paired with themselves.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        Single-label annotations.

    Returns
    -------
    ConfusionMatrix

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. https://repository.upenn.edu/asc_papers/43

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": ["a", "b"] * 2, "label": ["x", "y", "y", "y"]})
    >>> cm = confusion_matrix_between_annotators(load_annotations(df))
    >>> cm.counts.to_numpy().tolist()
    [[0.0, 1.0], [1.0, 2.0]]
    """
    aset = units(annotations, "confusion_matrix_between_annotators")
    o = coincidence_matrix(aset)
    cats = pd.Index(aset.categories, name="category")
    n_c = o.sum(axis=1)
    total = float(n_c.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        row = o / n_c[:, None]
        share = o / total if total > 0 else np.full_like(o, np.nan)

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=cats, columns=cats.rename("other"))

    return ConfusionMatrix(counts=frame(o.copy()), row_normalized=frame(row), share=frame(share),
                           expected=frame(_expected(o)), categories=tuple(aset.categories), n_pairable=total,
                           n_items=int(n_items_with_ratings(aset, 2)))


def _per_class_kappa(aset: "AnnotationSet") -> np.ndarray:
    """The ``kappa`` column of :func:`fleiss_kappa_by_category` (same kernels, without the standard-error pass), cached."""
    from ..agreement._core import binary_from_sums
    from ..agreement.fleiss import binary_sums

    return cached(aset, "confusion_class_kappa", lambda: binary_from_sums(binary_sums(aset)))


def _gold_columns(aset: "AnnotationSet", pairs: np.ndarray) -> dict[str, list]:
    keys = ("n_gold_items", "gold_a", "gold_b", "gold_other", "gold_with_majority")
    table = pair_gold_counts(aset, pairs) if len(pairs) else np.zeros((0, 4), dtype=np.int64)
    return {key: [int(v) for v in values] for key, values in
            zip(keys, (table[:, :3].sum(axis=1), table[:, 0], table[:, 1], table[:, 2], table[:, 3]))}


def _examples(aset: "AnnotationSet", pairs: np.ndarray, n_examples: int) -> tuple[list, list]:
    """The ``n_examples`` most evenly split items of each pair (:func:`~analytics._reshape.example_items`)."""
    found = example_items(aset, [("pair", int(a), int(b)) for a, b in pairs], n_examples)
    return [ids for ids, _ in found], [images if images is not None and ids else () for ids, images in found]


def _annotator_columns(aset: "AnnotationSet", pairs: np.ndarray) -> dict[str, list]:
    out: dict[str, list] = {"n_annotators": [], "top_annotator": [], "top_annotator_share": [],
                            "annotator_shares": []}
    if not aset.annotators_known or not len(pairs):
        for _ in pairs:
            out["n_annotators"].append(0)
            out["top_annotator"].append(None)
            out["top_annotator_share"].append(np.nan)
            out["annotator_shares"].append({})
        return out
    swaps, _ = annotator_pair_swaps(aset, pairs)
    ids = np.asarray(aset.annotator_ids, dtype=object)
    for row in swaps:
        total = row.sum()
        order = np.argsort(-row, kind="stable")
        order = order[row[order] > 0]
        shares = {str(ids[k]): float(row[k] / total) for k in order}
        out["n_annotators"].append(len(order))
        out["top_annotator"].append(str(ids[order[0]]) if len(order) else None)
        out["top_annotator_share"].append(float(row[order[0]] / total) if len(order) else np.nan)
        out["annotator_shares"].append(shares)
    return out


def confusion_hotspots(
    annotations: Any,
    *,
    top: int | None = 10,
    n_examples: int = 5,
    min_gold: int = 3,
    gold_majority: float = 0.8,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    r"""Class pairs annotators confuse, ranked by how much merging them would raise agreement, each with its diagnosis.

    Every pair with at least one disagreement is scored from the coincidence matrix (see the module
    docstring): ``score`` is the exact change of Krippendorff's nominal alpha if the two classes were
    merged, :math:`(\text{ratio} - D_o/D_e)\,\varepsilon_{ab}/(D_e - \varepsilon_{ab})`, i.e. the pair's
    excess over the random-error baseline :math:`1-\alpha` weighted by its chance share. Pairs confused
    only in proportion to their size score about 0; specific confusions score high.

    For each pair the table also gives the per-class Fleiss kappas of both classes, **why** people disagree on
    it (``diagnosis``: particular annotators, gold itself split, overlapping classes or not enough evidence —
    one test each, from :func:`analytics.taxonomy.pairs.diagnose_class_pairs`, the same diagnosis the
    recommendations, the report and the Overview read), which annotators take part, what the gold labels of the
    disputed items say, and example items.

    **Annotator shares.** An annotation of *a* or *b* is a *swap* when the item's other ratings lean
    strictly to the other class of the pair (with three raters split 2–1, only the lone rater swaps).
    ``annotator_shares`` is each annotator's share of the pair's swaps: about :math:`1/A` each when all
    annotators confuse the classes, near 1 for one annotator when the confusion is theirs alone. Two raters
    per item cannot tell who erred (both swap), so shares then split evenly; use gold instead.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        Single-label annotations; anonymous annotators (counts tables) are fine (no annotator columns then).
    top : int or None
        Pairs to return (None: every pair with a disagreement).
    n_examples : int
        Example items per pair: the most evenly split ones (ties: the first in item order).
    min_gold, gold_majority, confidence_level
        Options of the diagnosis (:func:`~analytics.taxonomy.pairs.diagnose_class_pairs`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HOTSPOT_COLUMNS`, best pair first: ``class_a, class_b`` (category order),
        ``n_disagreements`` (an integer: pairs of ratings of the same item, one *a* and the other *b* — an item whose
        *m* ratings split *k* vs *m − k* adds :math:`k(m-k)`), ``weighted_disagreements`` (:math:`o_{ab}+o_{ba}`,
        Krippendorff's pairable values: the same pairs weighted :math:`2/(m-1)`, so each item adds at most its
        :math:`m` values), ``n_items`` (items on which both were used), ``share_of_disagreements`` (of all
        weighted disagreements), ``share_of_a``/``share_of_b`` (of each class's), ``expected``
        (:math:`e_{ab}+e_{ba}`), ``ratio``, ``lift`` (ratio / (1 − alpha)), ``score``, ``kappa_a``/``kappa_b``
        (per-class Fleiss kappas), ``diagnosis`` (:data:`~analytics.taxonomy.pairs.PAIR_DIAGNOSES`),
        ``diagnosis_note`` (the test behind it, in words), ``n_annotators`` (annotators with a swap),
        ``top_annotator``, ``top_annotator_share``, ``annotator_shares`` (dict, largest first), ``n_gold_items``,
        ``gold_a``, ``gold_b``, ``gold_other``, ``gold_with_majority`` (gold = the pair's side with more ratings),
        ``gold_verdict`` (:data:`GOLD_VERDICTS`), ``gold_note``, ``example_items`` and ``example_images``
        (tuples; images empty without an ``image`` column). ``attrs["baseline"]`` holds :math:`1 - \alpha`,
        ``attrs["alpha"]`` alpha and ``attrs["diagnosis_tests"]`` the tests in one paragraph.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. https://repository.upenn.edu/asc_papers/43

    Examples
    --------
    >>> from analytics import load_annotations
    >>> aset = load_annotations("sample_data/retail/annotations.csv", taxonomy="sample_data/retail/taxonomy.yaml")
    >>> confusion_hotspots(aset, top=1)[["class_a", "class_b", "diagnosis"]].values.tolist()
    [['Shirt', 'Blouse', 'class_overlap']]
    """
    from .pairs import _check as check_diagnosis

    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 0):
        raise InvalidParameterError(f"top= must be a non-negative integer or None; got {top!r}.")
    if isinstance(n_examples, bool) or not isinstance(n_examples, (int, np.integer)) or n_examples < 0:
        raise InvalidParameterError(f"n_examples= must be a non-negative integer; got {n_examples!r}.")
    check_diagnosis(20, 0.5, min_gold, gold_majority, confidence_level)
    aset = units(annotations, "confusion_hotspots")
    return hotspot_table(aset, top=top, n_examples=n_examples, min_gold=int(min_gold),
                         gold_majority=float(gold_majority), confidence_level=float(confidence_level))


def hotspot_table(aset: "AnnotationSet", *, top: int | None = 10, n_examples: int = 5, min_gold: int = 3,
                  gold_majority: float = 0.8, confidence_level: float = 0.95, details: int | None = None,
                  diagnose: bool = True) -> pd.DataFrame:
    """:func:`confusion_hotspots` on an already validated unit set (no argument checks).

    ``details``: only the first ``details`` rows get the annotator, gold and example columns (the rest hold
    empty values) — for callers that rank every pair but read the details of a few. ``diagnose=False`` leaves
    the diagnosis and gold-verdict columns empty (for callers that only rank pairs, e.g. per round).
    """
    o = coincidence_matrix(aset)
    st = pair_statistics(o)
    order = ranked_by_score(st)[:top]
    a, b = st["a"][order], st["b"][order]
    pairs = np.column_stack([a, b]).astype(np.int64)
    cats = np.asarray(aset.categories, dtype=object)
    n_c = o.sum(axis=1)
    class_off = n_c - np.diag(o)
    d = st["d"][order]
    kappa = _per_class_kappa(aset)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = {
            "class_a": cats[a], "class_b": cats[b], "n_disagreements": rating_pair_matrix(aset)[a, b].astype(np.int64),
            "weighted_disagreements": d, "n_items": co_use_matrix(aset)[a, b],
            "share_of_disagreements": d / st["off"], "share_of_a": d / 2.0 / class_off[a],
            "share_of_b": d / 2.0 / class_off[b], "expected": st["expected"][order], "ratio": st["ratio"][order],
            "lift": st["lift"][order], "score": st["score"][order], "kappa_a": kappa[a], "kappa_b": kappa[b],
        }
    if diagnose and len(pairs):
        diag = pair_diagnoses(aset, min_gold=min_gold, gold_majority=gold_majority,
                              confidence_level=confidence_level).table.set_index(["class_a", "class_b"])
        keys = list(zip(cats[a], cats[b]))
        for column in ("diagnosis", "diagnosis_note", "gold_verdict", "gold_note"):
            table[column] = diag[column].reindex(keys).tolist()
    else:
        for column in ("diagnosis", "diagnosis_note", "gold_verdict", "gold_note"):
            table[column] = [None] * len(pairs)
    k = len(pairs) if details is None else min(details, len(pairs))
    extra = _annotator_columns(aset, pairs[:k])
    extra.update(_gold_columns(aset, pairs[:k]))
    extra["example_items"], extra["example_images"] = _examples(aset, pairs[:k], n_examples)
    empty = {"n_annotators": 0, "top_annotator": None, "top_annotator_share": np.nan, "n_gold_items": 0,
             "gold_a": 0, "gold_b": 0, "gold_other": 0, "gold_with_majority": 0}
    for key, values in extra.items():
        filler = [empty[key] if key in empty else ({} if key == "annotator_shares" else ())
                  for _ in range(len(pairs) - k)]
        table[key] = list(values) + filler
    out = pd.DataFrame(table, columns=HOTSPOT_COLUMNS)
    baseline = float(st["baseline"])
    out.attrs.update(baseline=baseline, alpha=1.0 - baseline,
                     score_method="change of Krippendorff's nominal alpha if the two classes were merged")
    if diagnose and len(pairs):
        out.attrs["diagnosis_tests"] = pair_diagnoses(aset, min_gold=min_gold, gold_majority=gold_majority,
                                                      confidence_level=confidence_level).tests
    return out
