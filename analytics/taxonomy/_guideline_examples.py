r"""The example items of a guideline card (see :func:`analytics.taxonomy.guideline.guideline_cards`).

* **Correct examples** of class *c*: items with at least two ratings, all of them *c*, whose gold label (where the
  item has one) is *c* too. Where a *variety space* exists — image embeddings given by the caller, else the model's
  class probabilities — they are chosen by greedy farthest-point (k-center) selection: first the candidate nearest
  the candidates' mean (the most typical item), then repeatedly the candidate farthest from every item chosen so
  far, so the examples spread over the ways the class looks (Gonzalez 1985: the greedy choice is within a factor 2
  of the best possible covering radius). Distances: cosine (Euclidean between L2-normalised embeddings), or
  Euclidean between square-root probability vectors (:math:`\sqrt 2` times the Hellinger distance). Without a
  variety space the examples are a seeded random sample of the candidates (never simply the first items).
* **Incorrect examples** of *c*: items on which *c* was given at least once but whose reference label is another
  class — the gold label where the item has one, else the consensus when it holds more than half the ratings.
  Gold-backed items come first, then those given *c* most often; the picks go round the reference classes in
  turn (most frequent first), so the examples show each thing *c* is mistaken for.
* **Borderline galleries**: the hotspot table's most evenly split items of each pair
  (:func:`analytics._reshape.example_items`), with every item's votes.

All choices are deterministic: ties go to the first item in item order.

References
----------
Gonzalez, T. F. (1985). Clustering to minimize the maximum intercluster distance. Theoretical Computer Science 38,
293–306. https://doi.org/10.1016/0304-3975(85)90224-5

Sener, O., & Savarese, S. (2018). Active learning for convolutional neural networks: a core-set approach. ICLR.
https://arxiv.org/abs/1708.00489
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from .._reshape import item_category_counts, item_images, ratings_per_item
from .._wording import count_noun
from ..exceptions import ConvergenceWarning, InvalidParameterError, UndefinedMetricWarning

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["ExampleItem", "ItemView", "item_view", "correct_examples", "incorrect_examples", "example_item",
           "VARIETY_METHODS"]

#: How correct examples were chosen (``GuidelineCards.variety``).
VARIETY_METHODS = ("embeddings", "probabilities", "random")


@dataclass(frozen=True)
class ExampleItem:
    """One item shown on a guideline card.

    Attributes
    ----------
    item_id : str
    votes : tuple of (label, count)
        Every label the item received and how often, most frequent first (ties in category order).
    n_ratings : int
    gold : str or None
        The item's gold label, if it has one.
    consensus : str or None
        The consensus label (None on an unresolved tie).
    reference : str or None
        What the item really is for an incorrect example: ``gold`` where the item has gold, else the consensus.
    reference_source : {"gold", "consensus"} or None
    image : str or None
        The item's image reference as the annotation set holds it (None without one).
    """

    item_id: str
    votes: tuple[tuple[str, int], ...]
    n_ratings: int
    gold: str | None = None
    consensus: str | None = None
    reference: str | None = None
    reference_source: Literal["gold", "consensus"] | None = None
    image: str | None = None

    @property
    def votes_text(self) -> str:
        """``"3 votes 4, 1 vote 9"``: the votes in words."""
        return ", ".join(f"{n} vote{'s' if n != 1 else ''} {label}" for label, n in self.votes)


@dataclass(frozen=True, eq=False)
class ItemView:
    """Per unit (item, or item and round when annotators re-labelled): counts, gold, consensus, images, variety."""

    ids: np.ndarray
    counts: sparse.csr_matrix
    ratings: np.ndarray
    gold: np.ndarray
    consensus: np.ndarray
    reference: np.ndarray
    images: np.ndarray | None
    space: np.ndarray | None
    variety: str
    categories: tuple[str, ...]
    index: pd.Index

    def column(self, c: int) -> np.ndarray:
        return np.asarray(self.counts[:, [c]].toarray()).ravel()

    def code_of(self, item_id: str) -> int:
        return int(self.index.get_loc(item_id))


def _per_unit(units: "AnnotationSet", aset: "AnnotationSet", per_item: np.ndarray, fill: Any) -> np.ndarray:
    """Values per item of ``aset`` carried to the units (the frames are row-aligned)."""
    if units is aset:
        return per_item
    out = np.full((units.n_items,) + per_item.shape[1:], fill, dtype=per_item.dtype)
    out[units.item_codes] = per_item[aset.item_codes]
    return out


def _embedding_rows(aset: "AnnotationSet", embeddings: Any) -> np.ndarray:
    """``embeddings`` as an items × D float array in item order; errors name the items at fault."""
    ids = pd.Index(np.asarray(aset.item_ids, dtype=object).astype(str))
    if isinstance(embeddings, pd.DataFrame):
        frame = embeddings.set_index("item_id") if "item_id" in embeddings.columns else embeddings
        index = pd.Index(frame.index.astype(str))
        extra = index[~index.isin(ids)]
        missing = ids[~ids.isin(index)]
        if index.has_duplicates:
            raise InvalidParameterError(f"embeddings= has several rows for the item ids "
                                        f"{', '.join(index[index.duplicated()].unique()[:5])}; give one row per item.")
        if len(extra) or len(missing):
            parts = [f"{count_noun(len(extra), 'row')} {'names an item that is' if len(extra) == 1 else 'name items that are'} not in the annotations ({', '.join(extra[:5])})"
                     if len(extra) else "", f"{count_noun(len(missing), 'item')} {'has' if len(missing) == 1 else 'have'} no row ({', '.join(missing[:5])})"
                     if len(missing) else ""]
            raise InvalidParameterError("embeddings= must hold one row per item of the annotations: "
                                        + "; ".join(p for p in parts if p) + ".")
        values = frame.set_axis(index).loc[ids]
        bad = [c for c in values.columns if not pd.api.types.is_numeric_dtype(values[c])]
        if bad:
            raise InvalidParameterError(f"embeddings= columns {bad[:5]} are not numeric; keep item_id and numbers only.")
        arr = values.to_numpy(dtype=np.float64)
    else:
        arr = np.asarray(embeddings, dtype=np.float64) if not hasattr(embeddings, "detach") else \
            embeddings.detach().cpu().numpy().astype(np.float64)
        if arr.ndim != 2 or arr.shape[0] != aset.n_items:
            raise InvalidParameterError(
                f"embeddings= must be an items × dimensions array with one row per item ({aset.n_items} rows, in "
                f"item order) or a DataFrame indexed by item id; got shape {arr.shape}.")
    if arr.shape[1] == 0:
        raise InvalidParameterError("embeddings= has no columns.")
    bad_rows = np.flatnonzero(~np.isfinite(arr).all(axis=1))
    if len(bad_rows):
        raise InvalidParameterError(f"embeddings= has missing or infinite values for the item ids "
                                    f"{', '.join(ids[bad_rows[:5]])}; give every item a finite vector.")
    return arr


def _space(units: "AnnotationSet", aset: "AnnotationSet", embeddings: Any) -> tuple[np.ndarray | None, str]:
    if embeddings is not None:
        arr = _embedding_rows(aset, embeddings)
        norm = np.linalg.norm(arr, axis=1, keepdims=True)
        arr = np.divide(arr, norm, out=np.zeros_like(arr), where=norm > 0)
        return _per_unit(units, aset, arr, np.nan), "embeddings"
    if aset.prediction_probs is not None:
        probs = np.clip(np.asarray(aset.prediction_probs, dtype=np.float64), 0.0, None)
        return _per_unit(units, aset, np.sqrt(probs), np.nan), "probabilities"
    return None, "random"


def item_view(units: "AnnotationSet", aset: "AnnotationSet", *, consensus: str, embeddings: Any) -> ItemView:
    """The per-unit view the card builders read (``units``: the agreement units of ``aset``)."""
    from ..annotators.consensus import dawid_skene, majority_vote

    cats = tuple(units.categories)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (UndefinedMetricWarning, ConvergenceWarning))
        res = majority_vote(units) if consensus == "majority_vote" else dawid_skene(units)
    labels = res.labels.reindex(pd.Index(units.item_ids)).astype(object)
    codes = pd.Categorical(labels.where(labels.notna(), None), categories=list(cats)).codes.astype(np.int64)
    gold = np.full(aset.n_items, -1, dtype=np.int64) if aset.gold_codes is None else aset.gold_codes
    gold = _per_unit(units, aset, gold, -1)
    reference = np.where(gold >= 0, gold, codes)
    space, variety = _space(units, aset, embeddings)
    ids = np.asarray(units.item_ids, dtype=object).astype(str)
    return ItemView(ids=ids, index=pd.Index(ids),
                    counts=sparse.csr_matrix(item_category_counts(units, layout="auto")),
                    ratings=np.asarray(ratings_per_item(units)), gold=gold, consensus=codes, reference=reference,
                    images=item_images(units), space=space, variety=variety, categories=cats)


def example_item(view: ItemView, i: int, *, reference: bool = False) -> ExampleItem:
    """The :class:`ExampleItem` of unit ``i`` (``reference``: fill in what it really is)."""
    row = view.counts.getrow(i)
    cats = view.categories
    pairs = sorted(zip(row.indices.tolist(), row.data.tolist()), key=lambda t: (-t[1], t[0]))
    votes = tuple((cats[c], int(n)) for c, n in pairs if n > 0)
    gold = cats[view.gold[i]] if view.gold[i] >= 0 else None
    cons = cats[view.consensus[i]] if view.consensus[i] >= 0 else None
    ref = src = None
    if reference and view.reference[i] >= 0:
        ref, src = cats[view.reference[i]], ("gold" if view.gold[i] >= 0 else "consensus")
    image = None
    if view.images is not None:
        value = view.images[i]
        image = None if value is None or (isinstance(value, float) and np.isnan(value)) or str(value) == "" \
            else str(value)
    return ExampleItem(item_id=str(view.ids[i]), votes=votes, n_ratings=int(view.ratings[i]), gold=gold,
                       consensus=cons, reference=ref, reference_source=src, image=image)


def k_center(points: np.ndarray, k: int) -> list[int]:
    """Greedy farthest-point selection of ``k`` rows: the row nearest the mean first (ties: first row)."""
    n = len(points)
    if n == 0 or k <= 0:
        return []
    dist = np.linalg.norm(points - points.mean(axis=0), axis=1)
    chosen = [int(np.argmin(dist))]
    nearest = np.linalg.norm(points - points[chosen[0]], axis=1)
    nearest[chosen[0]] = -np.inf
    while len(chosen) < min(k, n):
        nxt = int(np.argmax(nearest))  # the first of equally far rows
        chosen.append(nxt)
        nearest = np.minimum(nearest, np.linalg.norm(points - points[nxt], axis=1))
        nearest[chosen] = -np.inf
    return chosen


def correct_examples(view: ItemView, c: int, k: int, seed: int) -> tuple[list[int], int]:
    """Units to show as correct examples of class ``c`` and how many qualified."""
    col = view.column(c)
    cand = np.flatnonzero((view.ratings >= 2) & (col == view.ratings) & ((view.gold < 0) | (view.gold == c)))
    if k <= 0 or not len(cand):
        return [], len(cand)
    if view.space is not None:
        placed = cand[np.isfinite(view.space[cand]).all(axis=1)]
        chosen = [int(placed[j]) for j in k_center(view.space[placed], k)]
        rest = np.setdiff1d(cand, placed)
    else:
        chosen, rest = [], cand
    if len(chosen) < k and len(rest):
        rng = np.random.default_rng(seed + c)
        chosen += [int(i) for i in rng.permutation(rest)[: k - len(chosen)]]
    return chosen, len(cand)


def incorrect_examples(view: ItemView, c: int, k: int) -> tuple[list[int], int]:
    """Units often given ``c`` whose gold (or a more-than-half consensus) says otherwise, and how many qualified."""
    col = view.column(c)
    ref = view.reference
    has_gold = view.gold >= 0
    with np.errstate(invalid="ignore", divide="ignore"):
        ref_votes = np.where(ref >= 0, np.asarray(view.counts[np.arange(len(ref)), np.maximum(ref, 0)]).ravel(), 0)
        share = ref_votes / np.maximum(view.ratings, 1)
    firm = has_gold | (share > 0.5)
    cand = np.flatnonzero((col >= 1) & (ref >= 0) & (ref != c) & firm)
    if k <= 0 or not len(cand):
        return [], len(cand)
    order = cand[np.lexsort((cand, -share[cand], -col[cand], ~has_gold[cand]))]
    groups: dict[int, list[int]] = {}
    for i in order:
        groups.setdefault(int(ref[i]), []).append(int(i))
    queue = sorted(groups, key=lambda g: (-len(groups[g]), g))
    chosen: list[int] = []
    depth = 0
    while len(chosen) < k and any(len(groups[g]) > depth for g in queue):
        for g in queue:
            if len(groups[g]) > depth and len(chosen) < k:
                chosen.append(groups[g][depth])
        depth += 1
    return chosen, len(cand)
