r"""Per-annotator confusion against gold, and systematic biases (classes an annotator over-uses).

A bias is measured two ways:

* **against gold** — on the annotator's gold items, how often they chose class *c* versus how often
  *c* was the gold label. Over-use shows as more false positives of *c* (chose *c*, gold differs) than
  false negatives (gold *c*, chose something else); an exact McNemar test on those two counts says
  whether the imbalance is systematic;
* **against the others** — on all items they share with other annotators, how often they chose *c*
  versus the share of the *other* annotators of the same items who chose *c* (no gold needed).

References
----------
McNemar, Q. (1947). Note on the sampling error of the difference between correlated proportions or
percentages. Psychometrika, 12(2), 153–157. https://doi.org/10.1007/BF02295996

Dawid, A. P., & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates using the
EM algorithm. Journal of the Royal Statistical Society, Series C, 28(1), 20–28. https://doi.org/10.2307/2346806
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from .._reshape import annotator_gold_confusion, annotator_others_share, require_annotators, require_single_label
from ..exceptions import InvalidParameterError
from .gold import annotator_index, holm, require_gold
from ..results import ResultMixin

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["GoldConfusion", "AnnotatorBias", "gold_confusion_by_annotator", "annotator_bias"]


@dataclass(frozen=True, eq=False)
class GoldConfusion(ResultMixin):
    """Confusion matrices of every annotator against gold.

    Attributes
    ----------
    counts : numpy.ndarray
        ``annotator × gold × given`` counts of annotations of gold items.
    normalized : numpy.ndarray
        The same, each row divided by its total (NaN rows for gold classes the annotator never met).
    table : pandas.DataFrame
        Long form, off-diagonal (error) cells first by count: ``annotator_id, gold_label, label, count, rate``.
    annotator_ids, categories : tuple of str
    """

    counts: np.ndarray
    normalized: np.ndarray
    table: pd.DataFrame
    annotator_ids: tuple[str, ...]
    categories: tuple[str, ...]

    def frame(self, annotator_id: str, *, normalized: bool = False) -> pd.DataFrame:
        """One annotator's matrix: rows gold class, columns given label."""
        if annotator_id not in self.annotator_ids:
            raise InvalidParameterError(f"Unknown annotator {annotator_id!r}; annotators are {list(self.annotator_ids)[:20]}.")
        k = self.annotator_ids.index(annotator_id)
        cats = pd.Index(self.categories)
        values = self.normalized[k] if normalized else self.counts[k]
        return pd.DataFrame(values, index=cats.rename("gold_label"), columns=cats.rename("label"))

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def gold_confusion_by_annotator(annotations: "AnnotationSet") -> GoldConfusion:
    r"""Each annotator's confusion matrix against gold: counts :math:`G_{agc}` and row rates :math:`G_{agc}/\sum_c G_{agc}`.

    :math:`G_{agc}` counts annotator *a*'s annotations of gold items whose gold label is *g* and whose
    label is *c*; items without gold never count.

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations with gold attached.

    Returns
    -------
    GoldConfusion

    References
    ----------
    Dawid & Skene (1979), https://doi.org/10.2307/2346806 (the per-annotator confusion matrix).

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations, gold_confusion_by_annotator
    >>> df = pd.DataFrame({"item_id": [1, 2, 1, 2], "annotator_id": list("aabb"), "label": ["x", "y", "x", "x"]})
    >>> gold = pd.DataFrame({"item_id": [1, 2], "gold_label": ["x", "y"]})
    >>> gold_confusion_by_annotator(load_annotations(df, gold=gold)).frame("b").values.tolist()
    [[1, 0], [1, 0]]
    """
    require_gold(annotations, "gold_confusion_by_annotator")
    counts = annotator_gold_confusion(annotations)
    rows = counts.sum(axis=2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        normalized = np.where(rows > 0, counts / np.maximum(rows, 1), np.nan)
    a, g, c = np.indices(counts.shape).reshape(3, -1)
    ids = np.asarray(annotations.annotator_ids, dtype=object)
    cats = np.asarray(annotations.categories, dtype=object)
    flat = counts.ravel()
    keep = flat > 0
    table = pd.DataFrame({
        "annotator_id": ids[a[keep]], "gold_label": cats[g[keep]], "label": cats[c[keep]],
        "count": flat[keep], "rate": normalized.ravel()[keep], "_correct": (g == c)[keep],
    }).sort_values(["_correct", "count", "annotator_id"], ascending=[True, False, True], kind="stable")
    return GoldConfusion(
        counts=counts, normalized=normalized, table=table.drop(columns="_correct").reset_index(drop=True),
        annotator_ids=tuple(str(x) for x in ids), categories=tuple(annotations.categories),
    )


@dataclass(frozen=True, eq=False)
class AnnotatorBias(ResultMixin):
    """Which classes each annotator over-uses, against gold and against the other annotators.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per annotator × class: ``annotator_id, category``;
        against gold — ``n_gold`` (the annotator's gold annotations), ``used_on_gold``, ``gold_count``,
        ``false_positives`` (chose the class, gold differs), ``false_negatives`` (gold is the class, chose
        another), ``overuse_vs_gold`` = (used_on_gold − gold_count) / n_gold, ``p_value`` (exact McNemar:
        two-sided binomial test of false_positives out of false_positives + false_negatives at ½),
        ``p_adjusted`` (Holm over all cells), ``systematic`` (significant and over-used);
        against the others — ``n_compared`` (annotations of items somebody else also rated), ``used``,
        ``expected_from_others`` (sum of the other annotators' shares of the class on the same items),
        ``overuse_vs_others`` = (used − expected_from_others) / n_compared.
        Gold columns are NaN / 0 when the set has no gold.
    top : pandas.DataFrame
        Per annotator: the most over-used class against gold and against the others (missing when no
        class is over-used), with the amounts and whether the gold bias is systematic.
    confidence_level : float
    """

    table: pd.DataFrame
    top: pd.DataFrame
    confidence_level: float

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def annotator_bias(annotations: "AnnotationSet", *, confidence_level: float = 0.95) -> AnnotatorBias:
    r"""Systematic biases: the classes each annotator over-uses relative to gold and to the others.

    Against gold, with :math:`G_{agc}` the annotator's gold confusion counts and :math:`n_a` their gold
    annotations: over-use of *c* is :math:`(\sum_g G_{agc} - \sum_l G_{acl}) / n_a = (b - d)/n_a` where
    :math:`b = \sum_{g \ne c} G_{agc}` are false positives and :math:`d = \sum_{l \ne c} G_{acl}` false
    negatives; McNemar's exact test (:math:`b \sim \mathrm{Bin}(b + d, 1/2)` under no bias) gives the
    p-value, Holm-adjusted over all annotator × class cells. Against the others, the expected use of
    *c* sums, over the annotator's annotations of items with other ratings, the others' share
    :math:`(n_{ic} - [l = c])/(m_i - 1)` (see :func:`analytics._reshape.others_share_from_codes`).

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations with annotator ids; gold optional.
    confidence_level : float
        ``1 - confidence_level`` is the significance level of ``systematic``.

    Returns
    -------
    AnnotatorBias

    References
    ----------
    McNemar (1947), https://doi.org/10.1007/BF02295996; Holm (1979), https://www.jstor.org/stable/4615733

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations, annotator_bias
    >>> df = pd.DataFrame({"item_id": [1, 2, 3, 1, 2, 3], "annotator_id": list("aaabbb"),
    ...                    "label": ["x", "y", "y", "x", "y", "x"]})
    >>> bias = annotator_bias(load_annotations(df))
    >>> bias.top[["annotator_id", "overused_vs_others"]].values.tolist()
    [['a', 'y'], ['b', 'x']]
    """
    if not 0 < confidence_level < 1:
        raise InvalidParameterError(f"confidence_level must lie strictly between 0 and 1, not {confidence_level!r}.")
    require_single_label(annotations, "annotator_bias")
    require_annotators(annotations, "annotator_bias")
    n_ann, n_cat = annotations.n_annotators, annotations.n_categories
    g = annotator_gold_confusion(annotations).astype(np.int64)
    diag = np.diagonal(g, axis1=1, axis2=2)
    used_gold = g.sum(axis=1)
    gold_count = g.sum(axis=2)
    fp, fn = used_gold - diag, gold_count - diag
    n_gold = g.sum(axis=(1, 2))[:, None].repeat(n_cat, axis=1)
    discordant = fp + fn
    p = np.full(fp.shape, np.nan)
    for a, c in zip(*np.nonzero(discordant)):
        p[a, c] = stats.binomtest(int(fp[a, c]), int(discordant[a, c]), 0.5).pvalue
    adjusted, reject = holm(p.ravel(), 1 - confidence_level)
    expected, used = annotator_others_share(annotations)
    n_compared = used.sum(axis=1, keepdims=True).repeat(n_cat, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        over_gold = np.where(n_gold > 0, (used_gold - gold_count) / n_gold, np.nan)
        over_others = np.where(n_compared > 0, (used - expected) / n_compared, np.nan)
    ids = np.asarray(annotations.annotator_ids, dtype=object)
    table = pd.DataFrame({
        "annotator_id": np.repeat(ids, n_cat), "category": np.tile(np.asarray(annotations.categories, dtype=object), n_ann),
        "n_gold": n_gold.ravel(), "used_on_gold": used_gold.ravel(), "gold_count": gold_count.ravel(),
        "false_positives": fp.ravel(), "false_negatives": fn.ravel(), "overuse_vs_gold": over_gold.ravel(),
        "p_value": p.ravel(), "p_adjusted": adjusted, "systematic": reject & (fp > fn).ravel(),
        "n_compared": n_compared.ravel(), "used": used.ravel(), "expected_from_others": expected.ravel(),
        "overuse_vs_others": over_others.ravel(),
    })
    return AnnotatorBias(table=table, top=_top(table, annotations), confidence_level=float(confidence_level))


def _top(table: pd.DataFrame, aset: "AnnotationSet") -> pd.DataFrame:
    """Most over-used class per annotator (against gold and against the others)."""
    def best(column: str) -> pd.DataFrame:
        valid = table.dropna(subset=[column])
        idx = valid.groupby("annotator_id", sort=False)[column].idxmax()
        return table.loc[idx.to_numpy()].set_index("annotator_id")

    by_gold, by_others = best("overuse_vs_gold"), best("overuse_vs_others")
    out = pd.DataFrame(index=annotator_index(aset))
    for name, frame, column in (("gold", by_gold, "overuse_vs_gold"), ("others", by_others, "overuse_vs_others")):
        amount = frame[column].reindex(out.index)
        out[f"overused_vs_{name}"] = frame["category"].reindex(out.index).where(amount > 0).astype(object)
        out[column] = amount
        if name == "gold":
            out["systematic"] = frame["systematic"].reindex(out.index).astype("boolean").fillna(False).astype(bool)
    return out.reset_index()
