"""Where a sufficient statistic is computed: in memory, or summed over the partitions of a distributed set.

An in-memory :class:`~analytics.AnnotationSet` is its own single partition. A distributed set (the Dask
backend, :class:`analytics.dask_backend.DaskAnnotationSet`) holds its annotations as partitions of whole
items on a cluster; each partition (:class:`~analytics._reshape._partition.ItemPartition`) has the same
code arrays as an ``AnnotationSet``, so the wrappers of :mod:`analytics._reshape` run on it unchanged.

A statistic that is a sum over items is computed by :func:`reduce_items`: the same function on every
partition, partial results added. The few operations whose distributed form is more than a sum (consensus
labels that stay in the partitions, an EM loop that maps over them each iteration) are registered here by
name by the backend that implements them (:func:`register_distributed`, when the backend is imported) and
looked up by the public function when its set is distributed (:func:`distributed_implementation`): the
in-memory modules never import the backend. This module imports nothing from Dask.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import numpy as np

__all__ = ["is_distributed", "reduce_items", "merge_items", "additive", "add_partials", "require_in_memory", "cached",
           "register_distributed", "distributed_implementation"]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

#: Distributed implementations of named operations, filled by the backend when it is imported.
_DISTRIBUTED: dict[str, Callable[..., Any]] = {}


def cached(aset: Any, key: Any, build: Callable[[], T]) -> T:
    """``build()`` stored in the set's (or partition's) cache under ``key``: computed once per set."""
    cache = aset._cache
    if key not in cache:
        cache[key] = build()
    return cache[key]


def is_distributed(aset: Any) -> bool:
    """Whether ``aset`` keeps its annotations in partitions on a cluster (the Dask backend)."""
    return bool(getattr(aset, "is_distributed", False))


def reduce_items(aset: Any, kernel: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``kernel(partition, *args)`` summed over the partitions of items of ``aset``.

    ``kernel`` must be a module-level function whose result is additive over disjoint sets of items
    (an array, a number, or a tuple of them). In memory the set is its one partition, so this is just
    ``kernel(aset, *args)``; on a distributed set every partition runs the kernel on the cluster and the
    partial results are added (:func:`add_partials`) — the same code either way.
    """
    if is_distributed(aset):
        return aset.reduce(kernel, *args, **kwargs)
    return kernel(aset, *args, **kwargs)


def merge_items(aset: Any, kernel: Callable[..., Any], combine: Callable[..., Any], *args: Any) -> Any:
    """``kernel(partition, *args)`` of every partition, combined by ``combine(*partials)``.

    For results that are not sums but merge the same way, e.g. the best-ranked items of each partition
    (``combine`` keeps the best of the union, so merging partial merges gives the same result). In memory
    this is ``kernel(aset, *args)``: one partition, nothing to merge.
    """
    if is_distributed(aset):
        return aset.reduce(kernel, *args, combine=combine)
    return kernel(aset, *args)


def add_partials(*parts: Any) -> Any:
    """Element-wise sum of partial results: arrays, numbers, or (nested) tuples of them."""
    first = parts[0]
    if isinstance(first, tuple):
        return tuple(add_partials(*items) for items in zip(*parts))
    total = first.copy() if isinstance(first, np.ndarray) else first
    for p in parts[1:]:
        total = total + p
    return total


def additive(func: F) -> F:
    """Decorate an ``AnnotationSet`` wrapper whose result is a sum over items.

    On a distributed set the decorated wrapper itself runs on each partition (where it takes the
    in-memory branch) and the results are added; on an in-memory set it is called as is.
    """
    @functools.wraps(func)
    def wrapper(aset: Any, *args: Any, **kwargs: Any) -> Any:
        if is_distributed(aset):
            return aset.reduce(wrapper, *args, **kwargs)
        return func(aset, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def require_in_memory(aset: Any, what: str, *, instead: str = "",
                      because: str = "it needs every item's values on one machine") -> None:
    """Raise :class:`~analytics.exceptions.InvalidParameterError` for a distributed set.

    For the few computations that need every item's values on one machine (bootstrap resampling,
    per-item matrices of pairwise internals) or data the Dask backend does not load (``because`` says which).
    """
    if is_distributed(aset):
        from ..exceptions import InvalidParameterError

        raise InvalidParameterError(
            f"{what} is not available on the Dask backend: {because}. "
            + (instead or "Load the annotations in memory (backend='memory') for it.")
        )


def register_distributed(name: str) -> Callable[[F], F]:
    """Register the decorated function as the distributed implementation of the operation ``name``.

    The Dask backend (:mod:`analytics.dask_backend`) registers its implementations when it is imported, which
    happens before any distributed set exists (the set's class lives there).
    """
    def register(func: F) -> F:
        _DISTRIBUTED[name] = func
        return func

    return register


def distributed_implementation(aset: Any, name: str) -> Callable[..., Any]:
    """The registered distributed implementation of ``name``, for the distributed set ``aset``.

    Raises :class:`~analytics.exceptions.InvalidParameterError` when the set's backend registered none.
    """
    func = _DISTRIBUTED.get(name)
    if func is None:
        from ..exceptions import InvalidParameterError

        raise InvalidParameterError(
            f"{name} is not available for a distributed set of type {type(aset).__name__}: its backend registered "
            "no implementation. Load the annotations in memory (backend='memory') for it.")
    return func
