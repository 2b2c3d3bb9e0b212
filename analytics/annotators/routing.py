r"""Which items go to a senior reviewer, and reproducible audit samples.

Blind overlap: several annotators label the same item without seeing each other's labels. With
:math:`m` ratings of an item and :math:`v` votes for its most frequent label, items with at most three
ratings follow the three-annotator rule as stated:

=====================================  ===================
condition (:math:`m \le 3`)            decision
=====================================  ===================
:math:`m = 1`                          ``needs_overlap``
:math:`v = m` (all agree, 3 of 3)      ``accept``
:math:`v > m/2` (strict majority, 2:1) ``senior_review``
otherwise (no strict majority)         ``adjudicate``
=====================================  ===================

With more than three ratings one dissent is noise (with 51 raters, CIFAR-10H, "any dissent" sends more than
half of the items to review), so the decision comes from the *support* :math:`s` of the consensus label —
the probability that it holds (:mod:`analytics.annotators._support`) — and one threshold :math:`t`
(``threshold``, default 0.95): ``accept`` when :math:`s \ge t`; otherwise ``senior_review`` when the
consensus label holds a strict majority of the votes and ``adjudicate`` when it does not. In one sentence:
*an item with more than three ratings goes to a person when the support for its consensus label is below
95%.* The support is the Dawid–Skene posterior of the consensus label when annotator ids exist, and the
exact binomial test on the split between the two leading labels when raters are anonymous.
A simulation with a known answer (``benchmarks/routing_simulation.py``) and CIFAR-10H
(``benchmarks/routing_cifar10h.py``) show what the rule routes; see ``benchmarks/README.md``.

Work queues (:func:`queue_items`) list the items of one routing decision, or of an audit sample
(:mod:`analytics.annotators.audit`), with the reason each is there, for a reviewer or a push back to the
labeling tool.

References
----------
Snow, R., O'Connor, B., Jurafsky, D., & Ng, A. Y. (2008). Cheap and fast — but is it good? Evaluating
non-expert annotations for natural language tasks. Proceedings of EMNLP 2008, 254–263.
https://doi.org/10.3115/1613715.1613751

Dawid, A. P., & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates using the EM
algorithm. Journal of the Royal Statistical Society, Series C, 28(1), 20–28. https://doi.org/10.2307/2346806

Sheng, V. S., Provost, F., & Ipeirotis, P. G. (2008). Get another label? Improving data quality and data mining
using multiple, noisy labelers. KDD 2008, 614–622. https://doi.org/10.1145/1401890.1401965

"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Literal, Sequence

import numpy as np
import pandas as pd

from .._reshape import item_category_counts, require_annotators, require_single_label
from .audit import audit_sample
from .consensus import majority_vote
from ..exceptions import InvalidParameterError

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["DECISIONS", "QUEUES", "route_for_review", "routing_rule", "review_summary", "review_queue", "queue_items"]

#: Routing decisions, from "nothing to do" to "most work".
DECISIONS = ("accept", "senior_review", "adjudicate", "needs_overlap")
#: Work queues that :func:`queue_items` fills (and ``aqa push`` sends back to the labeling tool).
QUEUES = ("senior_review", "adjudicate", "audit")


def _votes_text(counts: np.ndarray, categories: Sequence[str]) -> np.ndarray:
    """``"4×cat, 1×dog"`` per item: labels by descending count (ties in category order).

    Items share few distinct count rows (with 5 ratings in 10 classes at most 2,002), so each distinct row is
    written once and the texts are taken for the items (one integer key per row, factorized).
    """
    from .._reshape._distinct import distinct_rows

    counts = np.asarray(counts)
    if counts.size and np.issubdtype(counts.dtype, np.integer):
        codes, first = distinct_rows(counts)
        if len(first) < len(counts):
            return _votes_rows(counts[first], categories)[codes]
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


RoutingMethod = Literal["auto", "vote_split", "weighted_vote_split"]

#: Ratings up to which the three-annotator rule decides (above: the support threshold).
MAX_BLIND_OVERLAP = 3


def routing_rule(threshold: float = 0.95, method: str = "vote_split") -> str:
    """The routing rule in plain words, with the threshold (shown beside every queue).

    Examples
    --------
    >>> routing_rule(0.9, "vote_split")[:60]
    'Up to 3 ratings: 3 of 3 agree → accept, 2:1 → senior review,'
    """
    from ._support import METHOD_TEXT

    return (f"Up to {MAX_BLIND_OVERLAP} ratings: {MAX_BLIND_OVERLAP} of {MAX_BLIND_OVERLAP} agree → accept, 2:1 → "
            f"senior review, no majority → adjudicate, a single rating → needs another annotator. More than "
            f"{MAX_BLIND_OVERLAP} ratings: accept when the support for the consensus label is at least "
            f"{threshold:.0%}, else senior review (the consensus holds a majority of the votes) or adjudicate (it "
            f"does not); support = {METHOD_TEXT[method]}.")


def _check_routing_options(threshold: float, method: str) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) or not 0.5 < threshold < 1:
        raise InvalidParameterError(
            f"threshold must be a probability strictly between 0.5 and 1 (e.g. 0.95: route an item with more than "
            f"{MAX_BLIND_OVERLAP} ratings when the support for its consensus label is below 95%); got {threshold!r}.")
    if method not in ("auto", "vote_split", "weighted_vote_split"):
        raise InvalidParameterError(f"method must be 'auto', 'vote_split' or 'weighted_vote_split', not {method!r}.")


def route_for_review(
    annotations: "AnnotationSet", *, threshold: float = 0.95, method: RoutingMethod = "auto",
) -> pd.DataFrame:
    r"""Route every item: accept, senior review, adjudicate or get more ratings.

    With :math:`m_i` ratings and :math:`v_i = \max_c n_{ic}` votes for the top label, an item with
    :math:`m_i \le 3` follows the three-annotator rule: ``needs_overlap`` when :math:`m_i = 1`; ``accept``
    when :math:`v_i = m_i` (3 of 3 agree); ``senior_review`` when :math:`v_i > m_i / 2` (2:1); else
    ``adjudicate``. An item with :math:`m_i > 3` is accepted when the support :math:`s_i` of its consensus
    label (the plurality; a tie is never accepted) reaches ``threshold``; otherwise it goes to ``senior_review``
    when the consensus label holds a strict majority of its votes and to ``adjudicate`` when it does not. With
    :math:`v_{i1}` the votes for the consensus label and :math:`v_{i2}` the most votes any other label has, the
    support is the posterior probability (uniform prior) that raters prefer the consensus label to the runner-up,

    .. math:: s_i = 1 - I_{1/2}(v_{i1} + 1, v_{i2} + 1) = P(\mathrm{Bin}(v_{i1} + v_{i2} + 1, \tfrac12) \le v_{i1}),

    an exact binomial test on the split of the two leading labels (:mod:`analytics.annotators._support`).
    ``"weighted_vote_split"`` counts each vote in :math:`v_{i1}, v_{i2}` as its annotator's Dawid–Skene reliability
    :math:`r_a = (\mathrm{acc}_a - 1/K)/(1 - 1/K)`, so a careless annotator's dissent weighs little. (The
    Dawid–Skene posterior itself is not used: it assumes every item of a class equally easy and so accepts
    items people genuinely split on; see ``benchmarks/README.md``, "Review routing".)

    All ratings of an item count, across rounds; route one round with ``annotations.subset(...)``.

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations (anonymous annotators are fine).
    threshold : float
        Support below which an item with more than three ratings goes to a person, in (0.5, 1).
    method : {"auto", "vote_split", "weighted_vote_split"}
        How votes count; ``"auto"``: weighted by reliability when annotator ids exist, else one each.

    Returns
    -------
    pandas.DataFrame
        One row per item (item code order): ``item_id, decision, n_ratings, votes`` (e.g. ``"4×cat, 1×dog"``),
        ``consensus`` (the plurality label, missing on a tie), ``agreement`` (:math:`v_i / m_i`), ``support`` (:math:`s_i`,
        for every item; it decides only above three ratings), ``rule`` (``"3 ratings or fewer"`` or
        ``"support ≥ 95%"``: which rule decided) and ``image`` when the annotations have one.
        ``attrs["rule"]`` holds the sentence of :func:`routing_rule`, ``attrs["threshold"]`` and
        ``attrs["method"]`` the options used. The review queue is :func:`review_queue` of this table; the counts
        per decision are :func:`review_summary` of it.

    Raises
    ------
    InvalidParameterError
        ``threshold`` outside (0.5, 1), an unknown ``method``.
    AnnotationSchemaError
        Multi-label annotations, or ``method="weighted_vote_split"`` with anonymous annotators.

    References
    ----------
    Snow et al. (2008), https://doi.org/10.3115/1613715.1613751; Dawid & Skene (1979),
    https://doi.org/10.2307/2346806; Sheng, Provost & Ipeirotis (2008), https://doi.org/10.1145/1401890.1401965

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations, route_for_review
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2, 3, 3, 4], "annotator_id": list("abcabcabc"),
    ...                    "label": ["cat"] * 3 + ["cat", "cat", "dog", "cat", "dog", "dog"]})
    >>> route_for_review(load_annotations(df))[["item_id", "decision", "votes"]].values.tolist()
    [['1', 'accept', '3×cat'], ['2', 'senior_review', '2×cat, 1×dog'], ['3', 'adjudicate', '1×cat, 1×dog'], ['4', 'needs_overlap', '1×dog']]
    >>> counts = load_annotations(pd.DataFrame({"item": ["u", "v"], "cat": [48, 30], "dog": [3, 21]}), format="counts")
    >>> route_for_review(counts)[["decision", "support"]].round(3).values.tolist()
    [['accept', 1.0], ['senior_review', 0.894]]
    """
    from ._support import reliability_weights, split_support, weighted_counts

    _check_routing_options(threshold, method)
    require_single_label(annotations, "route_for_review")
    if method == "weighted_vote_split":
        require_annotators(annotations, "route_for_review(method='weighted_vote_split')")
    counts = item_category_counts(annotations)
    m = counts.sum(axis=1)
    top = counts.max(axis=1)
    blind = m <= MAX_BLIND_OVERLAP
    code = {d: k for k, d in enumerate(DECISIONS)}  # decisions as the codes of their categorical column
    decision = np.select([m == 1, top == m, 2 * top > m], [code["needs_overlap"], code["accept"], code["senior_review"]],
                         code["adjudicate"])
    resolved = "weighted_vote_split" if method == "weighted_vote_split" or (
        method == "auto" and annotations.annotators_known) else "vote_split"
    consensus = majority_vote(annotations, tie="unresolved").labels.to_numpy()
    plurality = np.argmax(counts, axis=1)
    votes = counts
    if resolved == "weighted_vote_split" and (~blind).any():
        votes = weighted_counts(annotations, reliability_weights(annotations))
    _, support = split_support(votes, plurality)
    tied = (counts == top[:, None]).sum(axis=1) > 1
    strong = np.select([(support >= threshold) & ~tied, 2 * top > m], [code["accept"], code["senior_review"]],
                       code["adjudicate"])
    decision = np.where(blind, decision, strong)
    out = pd.DataFrame({
        "item_id": pd.Series(np.asarray(annotations.item_ids, dtype=object), dtype=object, copy=False),
        "decision": pd.Categorical.from_codes(decision, categories=list(DECISIONS)),
        "n_ratings": m,
        "votes": _votes_text(counts, annotations.categories),
        "consensus": consensus,
        "agreement": top / m,
        "support": support,
        "rule": pd.Categorical.from_codes(np.where(blind, 0, 1), categories=[f"{MAX_BLIND_OVERLAP} ratings or fewer",
                                                                             f"support ≥ {threshold:.0%}"]),
    })
    if "image" in annotations.column_names:
        image = annotations.frame["image"].groupby(annotations.item_codes).first()
        out["image"] = image.reindex(np.arange(annotations.n_items)).to_numpy()
    out.attrs.update(rule=routing_rule(threshold, resolved), threshold=float(threshold), method=resolved)
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
    decision = routing["decision"]
    if isinstance(decision.dtype, pd.CategoricalDtype) and list(decision.cat.categories) == list(DECISIONS):
        n = pd.Series(np.bincount(decision.cat.codes.to_numpy()[decision.cat.codes.to_numpy() >= 0],
                                  minlength=len(DECISIONS)))  # route_for_review's own column: count its codes
    else:
        n = pd.Series(pd.Categorical(decision.astype(str), categories=list(DECISIONS))).value_counts(sort=False)
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
        raise InvalidParameterError(f"Unknown decision{'s' if len(unknown) != 1 else ''} {unknown}; choose from {list(DECISIONS)}.")
    rank = {d: k for k, d in enumerate(decisions)}
    if "agreement" in routing.columns and not pd.api.types.is_float_dtype(routing["agreement"].dtype):
        queue = routing[routing["decision"].isin(list(decisions))].copy()  # (categorical or text decisions alike)
        queue["_rank"] = queue["decision"].astype(object).map(rank)
        return queue.sort_values(["_rank", "agreement"], kind="stable").drop(columns="_rank").reset_index(drop=True)
    decision = routing["decision"]
    if isinstance(decision.dtype, pd.CategoricalDtype):  # route_for_review's column: rank its categories once
        by_code = np.array([rank.get(c, -1) for c in decision.cat.categories] + [-1])
        ranks = by_code[decision.cat.codes.to_numpy()]  # code -1 (missing) takes the last entry: not queued
    else:
        ranks = decision.astype(object).map(rank).fillna(-1).to_numpy()
    chosen = np.flatnonzero(ranks >= 0)
    keys = [ranks[chosen]]
    if "agreement" in routing.columns:
        keys.insert(0, routing["agreement"].to_numpy()[chosen])
    order = chosen[np.lexsort(keys)]  # stable: by rank, then lowest agreement, then table order
    return routing.take(order).reset_index(drop=True)


def queue_items(
    annotations: "AnnotationSet", queue: Literal["senior_review", "adjudicate", "audit"], *,
    fraction: float = 0.05, stratify_by: Literal["label", "annotator"] | None = "label", seed: int | None = 0,
) -> pd.DataFrame:
    r"""The items of one work queue, each with the reason it is there and its vote split.

    ``senior_review`` and ``adjudicate`` are those decisions of :func:`route_for_review` (lowest agreement
    first); ``audit`` holds the items of an :func:`audit_sample` of annotations (``fraction``, ``stratify_by``,
    ``seed`` as there), in item order.

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations.
    queue : {"senior_review", "adjudicate", "audit"}
    fraction, stratify_by, seed
        The audit sample's options (``queue="audit"`` only).

    Returns
    -------
    pandas.DataFrame
        ``item_id, queue, reason, votes, consensus, agreement, n_ratings`` (plus ``image`` when the set has
        one): ``reason`` is a sentence for the reviewer, e.g. ``"a majority with dissent (2×cat, 1×dog; 67%
        agree): confirm or correct 'cat'"``.

    References
    ----------
    Snow et al. (2008), https://doi.org/10.3115/1613715.1613751 (routing); Cochran (1977) (the audit sample).

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2], "annotator_id": list("abcabc"),
    ...                    "label": ["cat", "cat", "dog", "cat", "dog", "bird"]})
    >>> queue_items(load_annotations(df), "senior_review")[["item_id", "reason"]].values.tolist()
    [['1', "a majority with dissent (2×cat, 1×dog; 67% agree): confirm or correct 'cat'"]]
    """
    if queue not in QUEUES:
        raise InvalidParameterError(f"queue must be one of {list(QUEUES)}, not {queue!r}.")
    routed = route_for_review(annotations)
    if queue == "audit":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # fractions outside 5-10 % are the caller's choice
            sample = audit_sample(annotations, fraction=fraction, stratify_by=stratify_by, seed=seed)
        drawn = sample.sample["item_id"].astype(str).value_counts()
        items = routed[routed["item_id"].astype(str).isin(drawn.index)].copy()
        how = "a simple random sample" if stratify_by is None else f"stratified by {stratify_by}"
        items["reason"] = [f"random audit: {drawn[str(i)]} of its annotations drawn ({how}, {fraction:.0%} of "
                           f"annotations, seed {seed}); votes {v}" for i, v in zip(items["item_id"], items["votes"])]
    else:
        items = review_queue(routed, decisions=[queue])
        if queue == "senior_review":
            items["reason"] = [f"a majority with dissent ({v}; {a:.0%} agree): confirm or correct '{c}'"
                               for v, a, c in zip(items["votes"], items["agreement"], items["consensus"])]
        else:
            items["reason"] = [f"no strict majority ({v}): decide the label" for v in items["votes"]]
    items["queue"] = queue
    columns = ["item_id", "queue", "reason", "votes", "consensus", "agreement", "n_ratings"]
    columns += ["image"] if "image" in items.columns else []
    return items[columns].reset_index(drop=True)
