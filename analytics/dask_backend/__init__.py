"""The Dask backend: the same analytics on annotations that do not fit one machine.

``analytics.load_annotations("lake/annotations/*.parquet", backend="dask")`` (or a Dask DataFrame) reads
the files lazily on a ``distributed`` cluster, applies the data contract per partition, partitions the rows
by item so that every item's ratings sit in one partition, and returns a :class:`DaskAnnotationSet`. The covered
analytics (``agreement_summary`` and its coefficients, per-category and pairwise kappas,
``gold_accuracy_by_annotator``, ``gold_coverage``, ``majority_vote``, ``dawid_skene``,
``confusion_matrix_between_annotators``, ``confusion_hotspots``, ``unknown_share``, ``class_balance``,
``agreement_by_level``, ``recommend_taxonomy_changes``, and every statistic built on
:func:`analytics._reshape.coincidence_matrix` or the other additive tables) then run the *same*
per-partition functions as the in-memory path and add the partial results (:func:`analytics._reshape.reduce_items`;
example items are ranked per partition and merged by the same rule, :func:`analytics._reshape.merge_items`);
the formulas are finalized on the client from those sums. Nothing here re-implements a statistic.

Needs the optional dependencies ``dask[dataframe]`` and ``distributed`` (``pip install 'annotation-qa[dask]'``);
this package imports them only when used.
"""

from __future__ import annotations

from . import _consensus  # noqa: F401  (registers the distributed majority_vote and dawid_skene)
from ._cluster import connect
from ._load import PARTITION_ROWS, load_dask
from ._set import DaskAnnotationSet

__all__ = ["DaskAnnotationSet", "load_dask", "connect", "PARTITION_ROWS"]
