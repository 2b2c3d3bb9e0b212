r"""Which items go to a senior reviewer (the blind-overlap rule), and reproducible audit samples.

Blind overlap: several annotators label the same item without seeing each other's labels. With
:math:`m` ratings of an item and :math:`v` votes for its most frequent label the rule is

=====================================  ===================
condition                              decision
=====================================  ===================
:math:`m = 1`                          ``needs_overlap``
:math:`v = m` (all agree)              ``accept``
:math:`v > m/2` (strict majority)      ``senior_review``
otherwise (no strict majority)         ``adjudicate``
=====================================  ===================

Audit samples draw a share of the annotations for a second look, stratified by label or annotator,
and say how likely the audit is to catch an error at a given error rate.

References
----------
Snow, R., O'Connor, B., Jurafsky, D., & Ng, A. Y. (2008). Cheap and fast — but is it good? Evaluating
non-expert annotations for natural language tasks. Proceedings of EMNLP 2008, 254–263.
https://doi.org/10.3115/1613715.1613751

Cochran, W. G. (1977). Sampling Techniques (3rd ed.). Wiley. ISBN 0-471-16240-X (proportional stratified
allocation; hypergeometric detection probability for finite populations).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Sequence

import numpy as np
import pandas as pd

from .._reshape import item_category_counts, require_annotators, require_single_label
from .consensus import majority_vote
from ..exceptions import InvalidParameterError
from ..results import ResultMixin

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["DECISIONS", "route_for_review", "review_summary", "review_queue", "AuditSample", "audit_sample"]

#: Routing decisions, from "nothing to do" to "most work".
DECISIONS = ("accept", "senior_review", "adjudicate", "needs_overlap")


def _votes_text(counts: np.ndarray, categories: Sequence[str]) -> np.ndarray:
    """``"4×cat, 1×dog"`` per item: labels by descending count (ties in category order).

    Items share few distinct count rows (with 5 ratings in 10 classes at most 2,002), so each distinct row is
    written once and the texts are taken for the items (one integer key per row, factorized).
    """
    counts = np.asarray(counts)
    base = int(counts.max()) + 1 if counts.size else 1
    if counts.shape[1] * np.log2(max(base, 2)) < 62:
        key = counts.astype(np.int64) @ (base ** np.arange(counts.shape[1], dtype=np.int64))
        codes, uniques = pd.factorize(key)
        if len(uniques) < len(key):
            rows = counts[np.unique(codes, return_index=True)[1]]
            return _votes_rows(rows, categories)[codes]
    return _votes_rows(counts, categories)


def _votes_rows(counts: np.ndarray, categories: Sequence[str]) -> np.ndarray:
    order = np.argsort(-counts, axis=1, kind="stable")
    ranked = np.take_along_axis(counts, order, axis=1)
    cats = np.asarray(categories, dtype=object)
    text = pd.Series([""] * len(counts), dtype=object)
    for r in range(counts.shape[1]):
        present = ranked[:, r] > 0
        if not present.any():
            break
        piece = pd.Series(ranked[:, r].astype(str), dtype=object) + "×" + pd.Series(cats[order[:, r]], dtype=object)
        sep = np.where(r > 0, ", ", "")
        text = text.where(~present, text + sep + piece)
    return text.to_numpy()


def route_for_review(annotations: "AnnotationSet") -> pd.DataFrame:
    r"""Route every item by the blind-overlap rule: accept, senior review, adjudicate or get more ratings.

    With :math:`m_i` ratings and :math:`v_i = \max_c n_{ic}` votes for the top label: ``needs_overlap``
    when :math:`m_i = 1`; ``accept`` when :math:`v_i = m_i`; ``senior_review`` when
    :math:`v_i > m_i / 2` (a strict majority with dissent, e.g. 2:1); else ``adjudicate`` (no strict
    majority, e.g. 1:1 or 2:1:1). All ratings of an item count, across rounds; route one round with
    ``annotations.subset(...)``.

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations (anonymous annotators are fine).

    Returns
    -------
    pandas.DataFrame
        One row per item (item code order): ``item_id, decision, n_ratings, votes`` (e.g. ``"4×cat, 1×dog"``),
        ``consensus`` (plurality label, missing on a tie), ``agreement`` (:math:`v_i / m_i`) and ``image``
        when the annotations have one. The review queue is :func:`review_queue` of this table; the
        counts per decision are :func:`review_summary` of it (write either with ``DataFrame.to_csv``).

    References
    ----------
    Snow et al. (2008), https://doi.org/10.3115/1613715.1613751

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations, route_for_review
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2, 3, 3, 4], "annotator_id": list("abcabcabc"),
    ...                    "label": ["cat"] * 3 + ["cat", "cat", "dog", "cat", "dog", "dog"]})
    >>> route_for_review(load_annotations(df))[["item_id", "decision", "votes"]].values.tolist()
    [['1', 'accept', '3×cat'], ['2', 'senior_review', '2×cat, 1×dog'], ['3', 'adjudicate', '1×cat, 1×dog'], ['4', 'needs_overlap', '1×dog']]
    """
    require_single_label(annotations, "route_for_review")
    counts = item_category_counts(annotations)
    m = counts.sum(axis=1)
    top = counts.max(axis=1)
    decision = np.select([m == 1, top == m, 2 * top > m], ["needs_overlap", "accept", "senior_review"], "adjudicate")
    consensus = majority_vote(annotations, tie="unresolved")
    out = pd.DataFrame({
        "item_id": pd.Series(np.asarray(annotations.item_ids, dtype=object), dtype=object, copy=False),
        "decision": pd.Categorical(decision, categories=list(DECISIONS)),
        "n_ratings": m,
        "votes": _votes_text(counts, annotations.categories),
        "consensus": consensus.labels.to_numpy(),
        "agreement": top / m,
    })
    if "image" in annotations.frame.columns:
        image = annotations.frame["image"].groupby(annotations.item_codes).first()
        out["image"] = image.reindex(np.arange(annotations.n_items)).to_numpy()
    return out


def review_summary(routing: pd.DataFrame) -> pd.DataFrame:
    r"""Counts per decision of a :func:`route_for_review` table.

    Parameters
    ----------
    routing : pandas.DataFrame
        The table returned by :func:`route_for_review` (at least a ``decision`` column).

    Returns
    -------
    pandas.DataFrame
        ``decision, n_items, share`` with one row per decision in :data:`DECISIONS` order (zero counts
        included), :math:`\text{share} = n_\text{items} / \sum n_\text{items}`.

    References
    ----------
    Snow et al. (2008), https://doi.org/10.3115/1613715.1613751

    Examples
    --------
    >>> import pandas as pd
    >>> routing = pd.DataFrame({"item_id": ["1", "2"], "decision": ["accept", "adjudicate"]})
    >>> review_summary(routing)["n_items"].tolist()
    [1, 0, 1, 0]
    """
    if "decision" not in routing.columns:
        raise InvalidParameterError("review_summary needs the table returned by route_for_review (a 'decision' column).")
    n = pd.Series(pd.Categorical(routing["decision"].astype(str), categories=list(DECISIONS))).value_counts(sort=False)
    total = max(int(n.sum()), 1)
    return pd.DataFrame({"decision": list(DECISIONS), "n_items": n.to_numpy().astype(np.int64),
                         "share": n.to_numpy() / total})


def review_queue(
    routing: pd.DataFrame, *, decisions: Sequence[str] = ("adjudicate", "senior_review", "needs_overlap"),
) -> pd.DataFrame:
    """The review queue: items of a :func:`route_for_review` table that need a person, most urgent first.

    Parameters
    ----------
    routing : pandas.DataFrame
        The table returned by :func:`route_for_review`.
    decisions : sequence of str
        Decisions to include, in the order they are queued; within a decision, lowest ``agreement`` first.

    Returns
    -------
    pandas.DataFrame
        The selected rows (all columns: item, votes, image, current consensus …), ready for ``to_csv``.

    References
    ----------
    Snow et al. (2008), https://doi.org/10.3115/1613715.1613751

    Examples
    --------
    >>> import pandas as pd
    >>> routing = pd.DataFrame({"item_id": ["1", "2", "3"], "decision": ["accept", "senior_review", "adjudicate"],
    ...                         "agreement": [1.0, 0.67, 0.5]})
    >>> review_queue(routing)["item_id"].tolist()
    ['3', '2']
    """
    unknown = [d for d in decisions if d not in DECISIONS]
    if unknown:
        raise InvalidParameterError(f"Unknown decision(s) {unknown}; choose from {list(DECISIONS)}.")
    rank = {d: k for k, d in enumerate(decisions)}
    queue = routing[routing["decision"].isin(list(decisions))].copy()  # (categorical or text decisions alike)
    queue["_rank"] = queue["decision"].astype(object).map(rank)
    sort = ["_rank", "agreement"] if "agreement" in queue.columns else ["_rank"]
    return queue.sort_values(sort, kind="stable").drop(columns="_rank").reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class AuditSample(ResultMixin):
    """A reproducible audit sample of annotations and what it can detect.

    Attributes
    ----------
    sample : pandas.DataFrame
        The sampled annotation rows (all columns of ``annotations.frame``) plus ``stratum``.
    strata : pandas.DataFrame
        ``stratum, n_population, n_sampled``.
    detection_power : pandas.DataFrame
        ``error_rate, p_detect``: probability that the sample contains at least one erroneous annotation
        if that share of the population is wrong (hypergeometric).
    detectable_error_rate : float
        Smallest error rate caught (at least one error in the sample) with probability ≥ ``confidence_level``;
        also the upper confidence bound on the error rate when the audit finds no error.
    fraction : float
    n_population, n_sampled : int
    stratify_by : str or None
    seed : int or None
    confidence_level : float
    """

    sample: pd.DataFrame
    strata: pd.DataFrame
    detection_power: pd.DataFrame
    detectable_error_rate: float
    fraction: float
    n_population: int
    n_sampled: int
    stratify_by: str | None
    seed: int | None
    confidence_level: float

    def to_frame(self) -> pd.DataFrame:
        return self.sample.copy()


def _allocate(sizes: np.ndarray, total: int) -> np.ndarray:
    """Proportional allocation of ``total`` over strata by largest remainder (never above a stratum's size)."""
    quota = sizes * total / sizes.sum()
    alloc = np.floor(quota).astype(np.int64)
    short = total - int(alloc.sum())
    if short > 0:
        order = np.argsort(-(quota - alloc), kind="stable")
        alloc[order[:short]] += 1
    return np.minimum(alloc, sizes)


def detection_probability(n_population: int, n_sampled: int, error_rate: np.ndarray) -> np.ndarray:
    r"""P(at least one of ``n_sampled`` draws without replacement is an error) = :math:`1 - \binom{N-K}{n}/\binom{N}{n}`, :math:`K = \lceil rN \rceil`."""
    from scipy import stats  # here, not at import: scipy.stats takes ~1 s to import and routing does not need it

    k = np.ceil(np.asarray(error_rate, dtype=float) * n_population - 1e-9).astype(np.int64)
    return 1.0 - stats.hypergeom.pmf(0, n_population, k, n_sampled)


def _smallest_detectable(n_population: int, n_sampled: int, confidence_level: float) -> float:
    """Smallest error rate K/N whose detection probability reaches ``confidence_level`` (bisection on K)."""
    from scipy import stats

    def power(k: int) -> float:
        return float(1.0 - stats.hypergeom.pmf(0, n_population, k, n_sampled))

    if power(n_population) < confidence_level:
        return float("nan")
    lo, hi = 0, n_population  # power(lo) < level <= power(hi); power rises with K
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if power(mid) >= confidence_level else (mid, hi)
    return hi / n_population


def audit_sample(
    annotations: "AnnotationSet", *, fraction: float = 0.05,
    stratify_by: Literal["label", "annotator"] | None = "label", seed: int | None = 0,
    confidence_level: float = 0.95, error_rates: Sequence[float] = (0.01, 0.02, 0.05, 0.10, 0.20),
) -> AuditSample:
    r"""Draw a reproducible, stratified random sample of annotations for an audit.

    ``round(fraction · N)`` annotations (at least one) are allocated to strata in proportion to their
    size (largest remainder) and drawn without replacement within each stratum. If a share *r* of the
    *N* annotations is wrong (:math:`K = \lceil rN \rceil`), the audit of *n* annotations catches at
    least one error with probability :math:`1 - \binom{N-K}{n} / \binom{N}{n}`
    (:math:`\approx 1 - (1 - r)^n`); ``detectable_error_rate`` is the smallest *r* for which that
    probability reaches ``confidence_level`` (about :math:`3/n` at 95 %, the "rule of three").

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations.
    fraction : float
        Share of annotations to audit, in (0, 1]; 0.05–0.10 is the usual range (a warning outside it).
    stratify_by : {"label", "annotator"} or None
        Stratify by the annotation's label, by annotator, or draw a simple random sample.
    seed : int or None
        Seed of ``numpy.random.default_rng``; the same seed gives the same sample.
    confidence_level : float
        For ``detectable_error_rate``.
    error_rates : sequence of float
        Error rates at which ``detection_power`` is tabulated.

    Returns
    -------
    AuditSample

    References
    ----------
    Cochran, W. G. (1977). Sampling Techniques (3rd ed.), ch. 5 (stratified sampling). Wiley.
    Hanley, J. A., & Lippman-Hand, A. (1983). If nothing goes wrong, is everything all right?
    JAMA, 249(13), 1743–1745. https://doi.org/10.1001/jama.1983.03330370053031

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations, audit_sample
    >>> df = pd.DataFrame({"item_id": range(200), "annotator_id": ["a", "b"] * 100, "label": ["x", "y", "y", "y"] * 50})
    >>> audit = audit_sample(load_annotations(df), fraction=0.1, seed=1)
    >>> audit.n_sampled, audit.strata["n_sampled"].tolist()
    (20, [5, 15])
    """
    if not 0 < fraction <= 1:
        raise InvalidParameterError(f"fraction must lie in (0, 1], not {fraction!r}.")
    if stratify_by not in ("label", "annotator", None):
        raise InvalidParameterError(f"stratify_by must be 'label', 'annotator' or None, not {stratify_by!r}.")
    if not 0 < confidence_level < 1:
        raise InvalidParameterError(f"confidence_level must lie strictly between 0 and 1, not {confidence_level!r}.")
    if not 0.05 <= fraction <= 0.10:
        warnings.warn(f"fraction={fraction} is outside the usual audit range 0.05–0.10.", UserWarning, stacklevel=2)
    require_single_label(annotations, "audit_sample")
    if stratify_by == "annotator":
        require_annotators(annotations, "audit_sample(stratify_by='annotator')")
    frame = annotations.frame
    n_pop = len(frame)
    if stratify_by == "label":
        codes, names = annotations.label_codes, np.asarray(annotations.categories, dtype=object)
    elif stratify_by == "annotator":
        codes, names = annotations.annotator_codes, np.asarray(annotations.annotator_ids, dtype=object)
    else:
        codes, names = np.zeros(n_pop, dtype=np.int64), np.asarray(["all"], dtype=object)
    sizes = np.bincount(codes, minlength=len(names))
    total = max(1, int(round(fraction * n_pop)))
    alloc = _allocate(sizes, total)
    rng = np.random.default_rng(seed)
    key = rng.random(n_pop)
    order = np.lexsort((key, codes))  # by stratum, random within
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(n_pop, dtype=np.int64)
    rank[order] = np.arange(n_pop) - np.repeat(starts, sizes)
    chosen = np.flatnonzero(rank < alloc[codes])
    chosen = chosen[np.argsort(codes[chosen] * (n_pop + 1) + rank[chosen], kind="stable")]
    sample = frame.iloc[chosen].copy()
    sample["stratum"] = names[codes[chosen]]
    n = len(chosen)
    rates = np.asarray(error_rates, dtype=float)
    detectable = _smallest_detectable(n_pop, n, confidence_level)
    present = sizes > 0
    return AuditSample(
        sample=sample.reset_index(drop=True),
        strata=pd.DataFrame({"stratum": names[present], "n_population": sizes[present], "n_sampled": alloc[present]}),
        detection_power=pd.DataFrame({"error_rate": rates, "p_detect": detection_probability(n_pop, n, rates)}),
        detectable_error_rate=detectable,
        fraction=float(fraction), n_population=n_pop, n_sampled=n, stratify_by=stratify_by, seed=seed,
        confidence_level=float(confidence_level),
    )
