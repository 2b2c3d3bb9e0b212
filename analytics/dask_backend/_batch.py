"""Fused passes: every sum that several analytics need, computed in one map over the partitions.

An analysis on a :class:`~analytics.dask_backend.DaskAnnotationSet` asks for its sums one at a time
(:meth:`~analytics.dask_backend.DaskAnnotationSet.reduce`): a coefficient sums its per-item features, finishes
the point estimate on the client, then sums the squared deviations of its item-level terms around that
estimate. Run one after the other, the agreement summary's six coefficients made thirteen passes over the
partitions. :func:`prefetch` makes them share passes without changing the analytics:

1. The analyses run *speculatively* on the client (:data:`_RECORDER` set): a sum that is not in the set's cache
   is recorded and the analysis stops there (:class:`_Miss`).
2. Every recorded sum — together, on the first pass, the agreement statistics that the later steps of the
   summary will ask for (:func:`agreement_statistics`) — is computed in **one** task per partition
   (:func:`_apply_many`: the kernels share the partition's per-item tables) and reduced in one tree
   (:func:`_combine_many`); the totals go into the set's cache under the keys :meth:`reduce` uses.
3. Repeat until every analysis runs to its end on cached sums. The analyses then run for real (their warnings
   and errors as usual) and find every sum in the cache.

The agreement summary needs two passes this way: the per-item sums (category totals, count features,
Krippendorff's sums, pair tables, rating moments, the largest number of ratings), then every squared deviation,
whose centre is the point estimate of the first, with the histogram of ratings per item and Light's jackknife
sums (:func:`agreement_lookahead`: steps the coefficients take late, run early as analyses of their own).
Kernels and results are those of the in-memory path; only the scheduling changes.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

__all__ = ["Request", "prefetch", "recording", "agreement_statistics", "agreement_lookahead", "MAX_ROUNDS"]

#: Speculative rounds before :func:`prefetch` gives up fusing (the analyses then run pass by pass).
MAX_ROUNDS = 8


@dataclass(frozen=True)
class Request:
    """One sum asked of a set: ``kernel(partition, *args, **kwargs)`` over the partitions, merged by ``combine``."""

    kernel: Callable[..., Any]
    args: tuple
    kwargs: dict
    combine: Callable[..., Any]


class _Miss(BaseException):
    """Raised inside a speculative run at the first sum not yet computed (a BaseException, so that the
    analyses' own ``except Exception`` clauses let it through)."""


@dataclass
class _Recorder:
    """The sums asked for during one speculative round, per set (sets are compared by identity)."""

    asked: dict = field(default_factory=dict)  # id(set) → (set, {cache key: Request})

    def miss(self, aset: Any, key: Any, request: Request) -> None:
        self.asked.setdefault(id(aset), (aset, {}))[1].setdefault(key, request)
        raise _Miss()


#: The recorder of the speculative round in progress (None outside :func:`prefetch`).
_RECORDER: list[_Recorder | None] = [None]


def recording() -> _Recorder | None:
    """The active recorder, when a speculative round is in progress."""
    return _RECORDER[0]


@contextlib.contextmanager
def _speculating(recorder: _Recorder) -> Iterator[None]:
    _RECORDER[0] = recorder
    try:
        with warnings.catch_warnings():  # the real run afterwards warns; the speculative rounds stay silent
            warnings.simplefilter("ignore")
            yield
    finally:
        _RECORDER[0] = None


def prefetch(aset: Any, calls: Sequence[Callable[[], Any]], *, extra: Sequence[Request] = ()) -> int:
    """Compute every sum the ``calls`` will ask of ``aset`` (and of sets derived from it) in fused passes.

    ``extra``: sums to add to the first pass (statistics the calls will need later; computing them early saves
    a pass). Results go to the sets' caches; the calls' return values are dropped (the caller runs them
    again, then on cached sums). Returns the number of passes made.
    """
    passes = 0
    first = True
    for _ in range(MAX_ROUNDS):
        recorder = _Recorder()
        with _speculating(recorder):
            for call in calls:
                try:
                    call()
                except _Miss:
                    pass
                except Exception:  # noqa: BLE001 — the real run raises it again, with its message
                    pass
        if not recorder.asked:
            break
        for target, asked in recorder.asked.values():
            requests = dict(asked)
            if first and target is aset:
                for request in extra:
                    key = target.reduce_key(request.kernel, request.args, request.kwargs, request.combine)
                    if key is not None and key not in target._cache:
                        requests.setdefault(key, request)
            target.reduce_fused(requests)
        first = False
        passes += 1
    return passes


def agreement_statistics(aset: Any) -> list[Request]:
    """The first-pass sums of the agreement summary with identity weights (see the module docstring).

    Percent agreement, Fleiss' kappa, AC1 and Brennan–Prediger share the count features; Krippendorff's alpha
    adds its nominal and standard-error sums and the rating moments; Light's kappa the annotator-pair tables
    (when the summary computes it) and the number of items with two or more ratings; the verdict the category
    totals.
    """
    from .._reshape import add_partials, annotator_pair_tables, category_totals, n_items_with_ratings, rating_moments
    from ..agreement._core import weight_matrix
    from ..agreement._counts import _count_sums
    from ..agreement.krippendorff import _nominal_sums, _se_sums
    from ..agreement.summary import _MAX_PAIR_CELLS

    from .._reshape._views import _most_ratings

    w = weight_matrix(aset.n_categories, None)
    kernels: list[tuple[Callable[..., Any], tuple]] = [
        (_count_sums, (w, None)), (rating_moments, ()), (_nominal_sums, ()), (_se_sums, (w,)),
        (category_totals, ()), (n_items_with_ratings, (2,)),
    ]
    if _pairs_in_summary(aset):
        kernels.append((annotator_pair_tables, ()))
    return [Request(kernel, args, {}, add_partials) for kernel, args in kernels] + [
        Request(_most_ratings, (None,), {}, max)]  # the largest number of ratings (the histogram's length)


def agreement_lookahead(aset: Any) -> list[Callable[[], Any]]:
    """Steps that the summary's coefficients take late but whose sums only need first-pass results, run as
    analyses of their own so that their sums join the second pass: the histogram of ratings per item (score
    intervals; its length is the first pass's largest number of ratings) and the jackknife sums of Light's
    kappa (from the pair tables)."""
    from .._reshape import rating_histogram

    steps: list[Callable[[], Any]] = [lambda: rating_histogram(aset)]
    if _pairs_in_summary(aset) and aset.n_annotators > 2:
        steps.append(lambda: _light_jackknife(aset))
    return steps


def _pairs_in_summary(aset: Any) -> bool:
    from ..agreement.summary import _MAX_PAIR_CELLS

    return 2 <= aset.n_annotators and aset.n_annotators * aset.n_categories <= _MAX_PAIR_CELLS


def _light_jackknife(aset: Any) -> None:
    """The jackknife step of :func:`analytics.agreement.cohen.light_kappa` (identity weights)."""
    import numpy as np

    from ..agreement._core import weight_matrix
    from ..agreement.cohen import _all_pairs, _light_jackknife_se

    tables, _, res = _all_pairs(aset, weight_matrix(aset.n_categories, None))
    defined = np.isfinite(res["value"])
    if defined.any():
        _light_jackknife_se(aset, tables, res, defined)


def _apply_many(part: Any, calls: tuple) -> tuple:
    """Every call's kernel on one working copy of the partition (per-item tables built once, shared)."""
    fresh = part.fresh()
    return tuple(call.kernel(fresh, *call.args, **call.kwargs) for call in calls)


def _combine_many(combines: tuple, *partials: tuple) -> tuple:
    """Partial results of several kernels (one tuple per partition or subtree) merged kernel by kernel."""
    return tuple(combine(*[p[j] for p in partials]) for j, combine in enumerate(combines))

