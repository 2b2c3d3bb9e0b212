"""Majority vote and Dawid–Skene on a distributed set: per-item results stay in the partitions.

The per-partition work is :mod:`analytics.annotators.consensus`'s own
(:func:`~analytics.annotators.consensus.vote_tables`, :func:`~analytics.annotators.consensus.posterior_tables`,
:func:`~analytics.annotators.consensus.start_posteriors`) and :mod:`analytics.annotators._dawid_skene`'s
(:func:`~analytics.annotators._dawid_skene.column_step`); Dawid–Skene's EM loop is
:func:`~analytics.annotators._dawid_skene.run_em_on` with :class:`ClusterPartitions`: each iteration is one map of
``column_step`` over the partitions (the new posteriors stay there) and one tree sum of the M-step
statistics and log-likelihood.

Both are registered by name (:func:`analytics._reshape.register_distributed`, when :mod:`analytics.dask_backend`
is imported); :func:`analytics.majority_vote` and :func:`analytics.dawid_skene` look them up for a distributed set.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..annotators import _dawid_skene as _ds
from .._reshape import ItemPartition, add_partials, register_distributed
from ..annotators.consensus import (
    ConsensusResult,
    count_labels,
    accuracy_series,
    agreement_counts,
    em_partition_of,
    posterior_tables,
    start_posteriors,
    vote_details,
    vote_tables,
)
from ._set import DaskAnnotationSet, itemgetter, map_each, tree_reduce

__all__ = ["DistributedConsensusResult", "distributed_majority_vote", "fit_dawid_skene", "ClusterPartitions"]

_TABLES = ("labels", "confidence", "posteriors", "n_ratings")


@dataclass(frozen=True, eq=False)
class DistributedConsensusResult(ConsensusResult):
    """A :class:`~analytics.ConsensusResult` whose per-item fields are Dask collections indexed by ``item_id``.

    ``labels``, ``confidence``, ``n_ratings`` (Dask Series) and ``posteriors`` (Dask DataFrame) are computed
    in the cluster's partitions and stay there: call ``.compute()`` on a small one, or write them out
    (``.to_parquet(...)``). Per-annotator and per-class results are in memory, as for an in-memory set.
    """

    partition_tables: tuple = ()

    def label_counts(self) -> pd.Series:
        """Items per consensus class, in category order (counted on the cluster; unresolved items not counted)."""
        return count_labels(self.labels.dropna().astype(str).value_counts().compute(), self.categories)

    def to_frame(self) -> Any:
        """Per item: ``item_id, consensus, confidence, n_ratings`` (a Dask DataFrame)."""
        import dask
        import dask.dataframe as dd

        meta = _frame_of({"labels": pd.Series([], dtype=object, index=pd.Index([], dtype=object, name="item_id")),
                          "confidence": pd.Series([], dtype=float), "n_ratings": pd.Series([], dtype=np.int64)})
        return dd.from_delayed([dask.delayed(_frame_of)(t) for t in self.partition_tables], meta=meta,
                               verify_meta=False)


def _frame_of(tables: dict) -> pd.DataFrame:
    return pd.DataFrame({"item_id": tables["labels"].index.to_numpy(), "consensus": tables["labels"].to_numpy(),
                         "confidence": tables["confidence"].to_numpy(), "n_ratings": tables["n_ratings"].to_numpy()})


def _collections(aset: DaskAnnotationSet, tables: list) -> dict[str, Any]:
    """Dask Series/DataFrames of each per-item table, partition by partition, plus the futures themselves."""
    import dask
    import dask.dataframe as dd

    empty = ItemPartition(pd.Index([], dtype=object), *(np.zeros(0, dtype=np.int64),) * 3, aset.n_annotators,
                          aset.n_categories)
    meta = posterior_tables(empty, aset.categories, np.zeros((0, aset.n_categories)))
    meta["n_ratings"] = meta["n_ratings"].astype(np.int64)
    getitem = dask.delayed(operator.getitem, pure=True)
    out: dict[str, Any] = {name: dd.from_delayed([getitem(t, name) for t in tables], meta=meta[name],
                                                 verify_meta=False) for name in _TABLES}
    out["partition_tables"] = tuple(tables)
    return out


def _vote_partition(part: ItemPartition, categories: tuple[str, ...], tie: str, seed: int | None,
                    index: int) -> tuple[dict, tuple]:
    rng = np.random.default_rng(None if seed is None else [seed, index]) if tie == "random" else None
    tables, codes = vote_tables(part, categories, tie, rng)
    hits, n = agreement_counts(part, codes)
    return tables, (hits, n, int((codes < 0).sum()))


@register_distributed("majority_vote")
def distributed_majority_vote(aset: DaskAnnotationSet, *, tie: str, seed: int | None) -> DistributedConsensusResult:
    """:func:`analytics.majority_vote` on a distributed set.

    With ``tie="random"`` each partition draws from its own stream seeded by ``(seed, partition)``: the
    result is reproducible for a given seed and partitioning, but not the in-memory draw.
    """
    outputs = aset.map(_vote_partition, aset.categories, tie, seed, indexed=True)
    hits, n, n_unresolved = tree_reduce(aset.client, aset.client.map(itemgetter(1), outputs, pure=False))
    tables = aset.client.map(itemgetter(0), outputs, pure=False)
    return DistributedConsensusResult(
        method="majority_vote", **_collections(aset, tables), annotator_accuracy=accuracy_series(aset, hits, n),
        n_unresolved=int(n_unresolved), details=vote_details(tie, seed),
    )


def _em_part(part: ItemPartition, gold: bool) -> _ds.EMPartition:
    return em_partition_of(part, gold)


def _clamped(em: _ds.EMPartition, start: np.ndarray) -> np.ndarray:
    return _ds.clamp_gold(np.array(start, dtype=np.float64), em.gold_codes)


def _statistics(em: _ds.EMPartition, post: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return em.design.T @ post, post.sum(axis=0)


def _column_counts(em: _ds.EMPartition) -> np.ndarray:
    return np.bincount(em.design.indices, minlength=em.design.shape[1])


def _compressed(em: _ds.EMPartition, columns: np.ndarray) -> _ds.EMPartition:
    return _ds.EMPartition(em.design[:, columns].tocsr(), em.gold_codes, em.n_annotators, em.n_categories)


def _iteration(em: _ds.EMPartition, params: tuple[np.ndarray, np.ndarray]) -> tuple:
    return _ds.column_step(em.design, em.gold_codes, *params)


def _additive_part(step: tuple) -> tuple:
    return step[1:]


class ClusterPartitions:
    """EM partitions on the cluster, with the methods of :class:`analytics.annotators._dawid_skene.InMemoryPartitions`.

    The designs are compressed (on the workers) to the ``(annotator, label)`` columns that occur in any
    partition, as in memory. ``posteriors()`` returns futures (one per partition) — the posteriors never
    leave the workers.
    """

    def __init__(self, aset: DaskAnnotationSet, *, gold: bool, init: str) -> None:
        self.client = aset.client
        self.n_annotators, self.n_categories = aset.n_annotators, aset.n_categories
        full = aset.map(_em_part, gold)
        self.columns = np.flatnonzero(tree_reduce(self.client, self.client.map(_column_counts, full, pure=False)))
        self.parts = map_each(self.client, _compressed, full, self.columns)
        self.posts = self.client.map(_clamped, self.parts, aset.map(start_posteriors, init), pure=False)

    def statistics(self) -> tuple[np.ndarray, np.ndarray]:
        return tree_reduce(self.client, self.client.map(_statistics, self.parts, self.posts, pure=False))

    def iterate(self, log_prior: np.ndarray, weights: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        steps = map_each(self.client, _iteration, self.parts, (log_prior, weights))
        self.posts = self.client.map(itemgetter(0), steps, pure=False)
        return tree_reduce(self.client, self.client.map(_additive_part, steps, pure=False), add_partials)

    def posteriors(self) -> list:
        return self.posts


def _posterior_partition(part: ItemPartition, post: np.ndarray, categories: tuple[str, ...]) -> dict:
    return posterior_tables(part, categories, post)


@register_distributed("dawid_skene")
def fit_dawid_skene(aset: DaskAnnotationSet, *, gold: bool, init: str, max_iter: int, tol: float,
                    smoothing: float, acceleration: str) -> tuple[_ds.EMFit, dict[str, Any], type]:
    """EM on the cluster; returns the fit, the per-item Dask collections and :class:`DistributedConsensusResult`."""
    fit = _ds.run_em_on(ClusterPartitions(aset, gold=gold, init=init), max_iter=max_iter, tol=tol,
                        smoothing=smoothing, acceleration=acceleration)
    tables = aset.client.map(_posterior_partition, list(aset.partitions), fit.posteriors,
                             [aset.categories] * len(aset.partitions), pure=False)
    return fit, _collections(aset, tables), DistributedConsensusResult
