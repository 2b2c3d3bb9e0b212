"""The distributed annotation set: partitions of whole items on a Dask cluster, statistics by map-reduce."""

from __future__ import annotations

import functools
import operator
import pickle
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd
from scipy import sparse

from .._import_report import ImportReport
from .._reshape import ItemPartition, add_partials, annotator_totals
from .._schema import AnnotationSet
from ..exceptions import InvalidParameterError
from .._taxonomy_model import Taxonomy
from ._batch import Request, _apply_many, _combine_many, agreement_lookahead, agreement_statistics, prefetch, recording

__all__ = ["DaskAnnotationSet", "tree_reduce", "itemgetter", "ship", "map_each"]

#: Partial results combined per task of the reduction tree.
FAN_IN = 8


@dataclass(frozen=True)
class _Call:
    """A kernel and its arguments, shipped to the workers as one value."""

    kernel: Callable[..., Any]
    args: tuple
    kwargs: dict


def _apply(part: ItemPartition, call: _Call, index: int | None = None) -> Any:
    kwargs = call.kwargs if index is None else {**call.kwargs, "index": index}
    return call.kernel(part.fresh(), *call.args, **kwargs)


#: Arguments larger than this (pickled bytes) are scattered once instead of travelling with every task.
SCATTER_BYTES = 1 << 16


def ship(client: Any, value: Any) -> Any:
    """``value`` itself when small, else a future of it scattered to the workers (sent once, not per task)."""
    try:
        small = len(pickle.dumps(value, protocol=5)) <= SCATTER_BYTES
    except Exception:
        small = False
    if small:
        return value
    [future] = client.scatter([value], hash=False)
    return future


def map_each(client: Any, func: Callable[..., Any], futures: Any, *constants: Any) -> list:
    """Futures of ``func(f, *constants)`` for every future ``f``; each constant is shipped once (:func:`ship`).

    Constants travel as positional arguments: ``Client.map`` turns a large *keyword* argument into a graph
    key named after the keyword, which collides between concurrent maps.
    """
    futures = list(futures)
    shipped = [ship(client, c) for c in constants]
    return client.map(func, futures, *[[c] * len(futures) for c in shipped], pure=False)


def tree_reduce(client: Any, futures: list, combine: Callable[..., Any] = add_partials) -> Any:
    """Combine the results of ``futures`` on the cluster, :data:`FAN_IN` at a time, and return the total."""
    futures = list(futures)
    while len(futures) > 1:
        futures = [client.submit(combine, *futures[i:i + FAN_IN], pure=False) for i in range(0, len(futures), FAN_IN)]
    return futures[0].result()


def _token(kernel: Callable, args: tuple, kwargs: dict) -> bytes | None:
    try:
        return pickle.dumps((kernel.__module__, kernel.__qualname__, args, sorted(kwargs.items())), protocol=5)
    except Exception:  # an argument that cannot be pickled here cannot be cached either
        return None


def _sizes(part: ItemPartition) -> tuple[int, int]:
    return part.n_items, part.n_annotations


def _where_round(part: ItemPartition, code: int) -> ItemPartition:
    subset = part.where(part.round_codes == code)
    return replace(subset, round_codes=np.zeros(subset.n_annotations, dtype=np.int32), n_rounds=1)


def _recode(part: ItemPartition, lookup: np.ndarray, n_annotators: int) -> ItemPartition:
    return part.recode_annotators(lookup, n_annotators)


def _units(part: ItemPartition, rounds: tuple[str, ...]) -> ItemPartition:
    return part.round_units(rounds)


def _rating_range(part: ItemPartition) -> np.ndarray:
    r = part.ratings_per_item
    return np.array([r.min(), r.max()]) if len(r) else np.array([np.iinfo(np.int64).max, 0])


def _min_max(*parts: np.ndarray) -> np.ndarray:
    return np.array([min(p[0] for p in parts), max(p[1] for p in parts)])


def _decode(part: ItemPartition, categories: tuple[str, ...], annotator_ids: pd.Index,
            rounds: tuple[str, ...]) -> pd.DataFrame:
    out = pd.DataFrame({
        "item_id": np.asarray(part.item_ids, dtype=object)[part.item_codes],
        "annotator_id": np.asarray(annotator_ids, dtype=object)[part.annotator_codes],
        "label": np.asarray(categories, dtype=object)[part.label_codes],
    })
    if part.round_codes is not None:
        names = np.asarray(tuple(rounds) + (None,), dtype=object)
        out["round"] = names[part.round_codes]  # code -1 (no round) picks the trailing None
    return out


def _item_ids(part: ItemPartition) -> np.ndarray:
    return np.asarray(part.item_ids, dtype=object)


@dataclass(frozen=True, eq=False)
class DaskAnnotationSet:
    """Annotations kept on a Dask cluster as partitions of whole items; analytics compute there.

    Build one with ``analytics.load_annotations(path_or_glob, backend="dask")``. It has the attributes of
    an :class:`~analytics.AnnotationSet` that analytics read for sizes and names (``categories``,
    ``annotator_ids``, ``n_items``, ``rounds``, ``report``, ``gold`` …); the per-annotation code arrays stay
    in the partitions (:class:`~analytics._reshape.ItemPartition`, one future each). Every sufficient
    statistic is computed by :meth:`reduce`: the in-memory function runs on each partition and the partial
    results are added on the cluster (a tree of sums), so only tables of category/annotator size reach this
    process. Per-item results (consensus labels, posteriors) stay in the partitions as Dask collections.

    Attributes
    ----------
    client : distributed.Client
    partitions : tuple of distributed.Future
        The :class:`~analytics._reshape.ItemPartition` futures (each item's ratings in one of them).
    categories : tuple of str
    annotator_ids : pandas.Index
    rounds : tuple of str
        Distinct rounds in natural order (empty without a ``round`` column).
    n_items, n_annotations : int
    report : ImportReport
        What the loader read, kept and skipped (``rows_read == rows_kept + rows_skipped``).
    gold : pandas.Series or None
        Gold labels of annotated items (kept on the client: golden sets are small).

    Examples
    --------
    >>> import pandas as pd, dask.dataframe as dd
    >>> from distributed import Client, LocalCluster
    >>> from analytics import load_annotations, fleiss_kappa
    >>> cluster = LocalCluster(n_workers=2, processes=False, dashboard_address=":0")
    >>> client = Client(cluster)
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4],
    ...                    "annotator_id": ["a", "b", "c"] * 3 + ["a", "b"],
    ...                    "label": ["cat", "cat", "cat", "dog", "dog", "cat", "dog", "dog", "dog", "cat", "cat"]})
    >>> lake = load_annotations(dd.from_pandas(df, npartitions=2), scheduler=client, npartitions=2)
    >>> lake.n_items, lake.n_annotations, lake.report.is_complete
    (4, 11, True)
    >>> round(fleiss_kappa(lake).value, 4)  # the in-memory value (see analytics.fleiss_kappa)
    0.6571
    >>> lake.close(); client.close(); cluster.close()
    """

    client: Any
    partitions: tuple
    categories: tuple[str, ...]
    annotator_ids: pd.Index
    rounds: tuple[str, ...]
    n_items: int
    n_annotations: int
    report: ImportReport
    taxonomy: Taxonomy | None = None
    ordinal: bool = False
    unknown_label: str | None = None
    gold: pd.Series | None = None
    gold_report: ImportReport | None = None
    owned: tuple = ()
    attached_categories: tuple[str, ...] = ()
    _cache: dict = field(default_factory=dict, repr=False)

    is_distributed = True
    annotators_known = True
    multilabel = False
    tags = None
    prediction_probs = prediction_codes = prediction_confidence = predictions_report = None
    n_annotators = AnnotationSet.n_annotators
    n_categories = AnnotationSet.n_categories
    has_gold = AnnotationSet.has_gold
    has_predictions = AnnotationSet.has_predictions
    category_values = AnnotationSet.category_values

    # -- map-reduce over the partitions ----------------------------------------------------------
    def reduce(self, kernel: Callable[..., Any], *args: Any, combine: Callable[..., Any] = add_partials,
               **kwargs: Any) -> Any:
        """``kernel(partition, *args, **kwargs)`` on every partition, combined (summed) on the cluster; cached.

        ``kernel`` must be importable by the workers (a module-level function of :mod:`analytics`).
        """
        key = self.reduce_key(kernel, args, kwargs, combine)
        if key is not None and key in self._cache:
            return self._cache[key]
        recorder = recording()
        if recorder is not None and key is not None:  # a speculative round of :func:`._batch.prefetch`
            recorder.miss(self, key, Request(kernel, args, kwargs, combine))
        result = tree_reduce(self.client, self.map(kernel, *args, **kwargs), combine)
        if key is not None:
            self._cache[key] = result
        return result

    @staticmethod
    def reduce_key(kernel: Callable[..., Any], args: tuple, kwargs: dict,
                   combine: Callable[..., Any] = add_partials) -> tuple | None:
        """The cache key of a :meth:`reduce` (None when the arguments cannot be pickled: never cached)."""
        token = _token(kernel, args, kwargs)
        return None if token is None else ("reduce", token, combine)

    def reduce_fused(self, requests: dict) -> None:
        """Several :meth:`reduce` calls (cache key → :class:`._batch.Request`) in **one** pass over the partitions.

        One task per partition runs every kernel on the same working copy (:func:`._batch._apply_many`), one
        reduction tree merges the partial results kernel by kernel; each total goes into the cache.
        """
        if not requests:
            return
        keys = list(requests)
        calls = tuple(_Call(r.kernel, r.args, r.kwargs) for r in requests.values())
        combines = tuple(r.combine for r in requests.values())
        futures = map_each(self.client, _apply_many, self.partitions, calls)
        totals = tree_reduce(self.client, futures, functools.partial(_combine_many, combines))
        self._cache.update(zip(keys, totals))

    def prefetch(self, calls: Any) -> int:
        """Run the analyses ``calls`` (callables without arguments) speculatively so that every sum they ask of
        this set is computed in as few fused passes as possible (:func:`._batch.prefetch`; the agreement
        statistics join the first pass). Returns the number of passes; the analyses then run on cached sums."""
        if not self.partitions:
            return 0
        return prefetch(self, list(calls) + agreement_lookahead(self), extra=agreement_statistics(self))

    def map(self, kernel: Callable[..., Any], *args: Any, indexed: bool = False, **kwargs: Any) -> list:
        """Futures of ``kernel(partition, *args, **kwargs)``, one per partition (results stay on the workers).

        ``indexed``: also pass ``index=`` (the partition's position), e.g. to seed a random stream per partition.
        """
        if not indexed:
            return map_each(self.client, _apply, self.partitions, _Call(kernel, args, kwargs))
        call = ship(self.client, _Call(kernel, args, kwargs))
        n = len(self.partitions)
        return self.client.map(_apply, list(self.partitions), [call] * n, range(n), pure=False)

    def gather(self, kernel: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Per-item results of every partition, gathered here and stacked in partition order (:attr:`item_ids`)."""
        parts = self.client.gather(self.map(kernel, *args, **kwargs))
        if any(sparse.issparse(p) for p in parts):
            return sparse.vstack([sparse.csr_matrix(p) for p in parts], format="csr")
        return np.concatenate(parts, axis=0)

    @property
    def item_ids(self) -> pd.Index:
        """Item ids in partition order (gathered to this process; the order of every gathered per-item array)."""
        if "item_ids" not in self._cache:
            self._cache["item_ids"] = pd.Index(self.gather(_item_ids), dtype=object)
        return self._cache["item_ids"]

    @property
    def ratings_per_item(self) -> np.ndarray:
        from .._reshape import ratings_per_item

        return ratings_per_item(self)

    @property
    def frame(self) -> Any:
        """The tidy table (``item_id``, ``annotator_id``, ``label`` and ``round``) as a lazy Dask DataFrame."""
        if "frame" not in self._cache:
            import dask
            import dask.dataframe as dd

            meta = _decode(ItemPartition(pd.Index([], dtype=object), *(np.zeros(0, dtype=np.int32),) * 3, 0, 0,
                                         round_codes=np.zeros(0, dtype=np.int32) if self.rounds else None),
                           self.categories, self.annotator_ids, self.rounds)
            decode = dask.delayed(_decode)
            self._cache["frame"] = dd.from_delayed(
                [decode(p, self.categories, self.annotator_ids, self.rounds) for p in self.partitions],
                meta=meta, verify_meta=False)
        return self._cache["frame"]

    @property
    def column_names(self) -> pd.Index:
        """The names of :attr:`frame`'s columns, in order (as :attr:`analytics.AnnotationSet.column_names`)."""
        return pd.Index(["item_id", "annotator_id", "label"] + (["round"] if self.rounds else []), dtype=object)

    # -- derived sets -----------------------------------------------------------------------------
    def _derive(self, partitions: list, **changes: Any) -> "DaskAnnotationSet":
        sizes = self.client.gather(self.client.map(_sizes, partitions, pure=False))
        kept = tuple(p for p, (_, n) in zip(partitions, sizes) if n > 0)
        return replace(self, partitions=kept, n_items=sum(s[0] for s in sizes),
                       n_annotations=sum(s[1] for s in sizes), owned=(), _cache={}, **changes)

    def slices(self, column: str) -> Iterator[tuple[str, "DaskAnnotationSet"]]:
        """``(value, subset)`` for each value of ``column`` (natural order), one subset at a time.

        The Dask backend keeps ``round`` as the only slicing column. Like :meth:`AnnotationSet.subset`, a
        subset keeps the categories and drops the annotators without an annotation in it.
        """
        if column != "round":
            raise InvalidParameterError(
                f"The Dask backend keeps item, annotator, label and round only, so it cannot slice by {column!r}. "
                "Slice by 'round', or load the annotations in memory to slice by other columns.")
        for code, name in enumerate(self.rounds):
            parts = map_each(self.client, _where_round, self.partitions, code)
            subset = self._derive(parts, rounds=(name,))
            used = annotator_totals(subset) > 0
            lookup = np.full(self.n_annotators, -1, dtype=np.int64)
            lookup[used] = np.arange(int(used.sum()))
            recoded = map_each(self.client, _recode, subset.partitions, lookup, int(used.sum()))
            yield name, replace(subset, partitions=tuple(recoded), annotator_ids=self.annotator_ids[used], _cache={})

    def without_attached_categories(self) -> "DaskAnnotationSet":
        """The set without its gold-only classes (appended last when loading; see
        :attr:`analytics.AnnotationSet.attached_categories`), for agreement; like the unit set, it has no gold."""
        k = self.n_categories - len(self.attached_categories)
        parts = map_each(self.client, _narrow, self.partitions, k)
        return self._derive(parts, categories=self.categories[:k], attached_categories=(), gold=None)

    def round_units(self) -> "DaskAnnotationSet":
        """The set with each ``(item, round)`` as its own unit (see
        :func:`analytics.agreement._input.agreement_set`); like the in-memory unit set, it has no gold."""
        parts = map_each(self.client, _units, self.partitions, self.rounds)
        return self._derive(parts, gold=None)

    # -- what a person reads first ------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The same keys as :meth:`AnnotationSet.summary`."""
        from .._reshape import n_gold_items

        low, high = self.reduce(_rating_range, combine=_min_max) if self.partitions else (0, 0)
        return {
            "n_items": self.n_items, "n_annotators": self.n_annotators, "n_annotations": self.n_annotations,
            "n_categories": self.n_categories, "categories": list(self.categories), "multilabel": False,
            "annotators_known": True, "rounds": list(self.rounds),
            "ratings_per_item_min": int(low), "ratings_per_item_max": int(high),
            "ratings_per_item_mean": self.n_annotations / self.n_items if self.n_items else 0.0,
            "n_gold_items": n_gold_items(self), "n_predicted_items": 0, "unknown_label": self.unknown_label,
            "taxonomy_levels": self.taxonomy.depth if self.taxonomy is not None else None,
        }

    def close(self) -> None:
        """Release the partitions; close the client (and local cluster) when the loader started them."""
        for p in self.partitions:
            p.release()
        for resource in self.owned:
            resource.close()

    def __enter__(self) -> "DaskAnnotationSet":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"DaskAnnotationSet({self.n_annotations:,} annotations, {self.n_items:,} items, "
                f"{self.n_annotators:,} annotators, {self.n_categories} categories, "
                f"{len(self.partitions)} partitions{', gold' if self.has_gold else ''})")


def itemgetter(index: int) -> Callable[[tuple], Any]:
    """``operator.itemgetter`` (picklable) — picks one output of a task that returns a tuple."""
    return operator.itemgetter(index)


def _narrow(part: ItemPartition, n_categories: int) -> ItemPartition:
    """The partition coded against the first ``n_categories`` categories (the others are unused by annotators)."""
    return replace(part, n_categories=n_categories, gold_codes=None, _cache={})
