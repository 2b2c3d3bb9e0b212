"""Sufficient statistics: the ONLY place that builds count, contingency and coincidence tables.

Every agreement coefficient, consensus method and confusion analysis reduces to a few additive
tables built here from the integer codes of an :class:`~analytics.AnnotationSet`:

* item × category counts ``n[i, c]`` (how many annotators put item *i* in category *c*);
* the coincidence matrix ``o[c, k]`` of Krippendorff (2011);
* annotator-pair contingency tables ``T[a, b, c, k]`` (items annotator *a* put in *c* and *b* in *k*);
* annotator × category counts and annotator × gold × label confusion counts;
* class-pair tables for confusion hotspots: pairs ranked by coincidence disagreements, items on which two
  classes were both used, each annotator's "swaps" on a pair, gold labels of a pair's disputed items, and
  counts with categories merged (roll-ups and merges without re-reading the annotations).

The ``*_from_codes`` kernels take plain code arrays, so the same functions run on any partition of
the annotations (all tables are sums over items); the ``AnnotationSet`` wrappers cache their result
on the set, so a dashboard or report computes each table once.

The wrappers also run on an :class:`ItemPartition` (the code arrays of a set of whole items). On a
distributed set (the Dask backend) the wrappers marked :func:`additive` run on every partition and the
results are added (:func:`reduce_items`); example items (:func:`example_items`) are picked per partition and
merged by the same ranking (:func:`merge_items`); ``item_category_counts`` and ``ratings_per_item`` gather one
row per item; the per-item matrices of the pairwise internals are refused (:func:`require_in_memory`).
Relabellings (merges, roll-ups, an annotator's swaps set right) are *count views* (:mod:`._views`): the same
sums over items of the counts the relabelling would give, so no annotation is re-read or re-labelled.

References
----------
Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
Communication Departmental Papers 43. https://repository.upenn.edu/asc_papers/43
"""

from __future__ import annotations

from ._dispatch import add_partials, additive, cached, is_distributed, merge_items, reduce_items, require_in_memory
from ._dispatch import distributed_implementation, register_distributed
from ._partition import ItemPartition
from ._kernels import (
    counts_from_codes,
    weighted_counts_from_codes,
    sparse_counts_from_codes,
    coincidence_from_counts,
    annotator_onehot_from_codes,
    pair_tables_from_codes,
    padded_label_rows,
    pair_code_blocks,
    pair_tables_from_matrix,
    pair_tables_from_labels,
    within_row_pairs,
    item_coincidence_cells,
    item_pair_cells,
    others_share_from_codes,
    annotator_prediction_tables_from_codes,
)
from ._pair_kernels import (
    ranked_class_pairs,
    co_use_from_counts,
    rating_pairs_from_counts,
    count_column,
    column_major,
    pair_disagreement,
    pair_item_weights,
    pair_swaps_from_codes,
    pair_swap_flags,
    pair_gold_from_counts,
    merge_count_columns,
    class_item_weights,
    unknown_neighbourhood_from_counts,
    shift_counts,
    first_per_item,
    top_items,
)
from ._classes import (
    co_use_matrix,
    rating_pair_matrix,
    annotator_pair_swaps,
    pair_gold_counts,
    unknown_neighbourhood,
    pair_disagreement_without,
    non_integer_item_ids,
    item_images,
    example_items,
    TopMerge,
)
from ._tables import (
    AUTO_DENSE_CELLS,
    one_hot,
    item_category_counts,
    coincidence_matrix,
    ratings_per_item,
    require_annotators,
    require_single_label,
    annotator_item_matrix,
    annotator_label_rows,
    item_annotator_onehot,
    dense_overlap,
    annotator_pair_tables,
    pair_codes,
    annotator_category_counts,
    annotator_gold_confusion,
    gold_class_counts,
    annotator_others_share,
    annotator_prediction_tables,
    pair_table,
    category_totals,
    annotator_totals,
    n_items_with_ratings,
    rating_moments,
    n_repeated_ratings,
    n_gold_items,
    gold_label_counts,
    round_category_counts,
)
from ._views import (
    MergedColumns,
    SwapsFixed,
    CountView,
    rating_histogram,
    view_counts,
    view_coincidence,
    view_category_totals,
)

__all__ = [  # kernels (from ._kernels) and AnnotationSet wrappers (from ._tables)
    "AUTO_DENSE_CELLS",
    "counts_from_codes",
    "weighted_counts_from_codes",
    "sparse_counts_from_codes",
    "coincidence_from_counts",
    "pair_tables_from_codes",
    "pair_tables_from_matrix",
    "pair_tables_from_labels",
    "padded_label_rows",
    "pair_code_blocks",
    "annotator_onehot_from_codes",
    "within_row_pairs",
    "item_coincidence_cells",
    "item_pair_cells",
    "item_category_counts",
    "coincidence_matrix",
    "annotator_item_matrix",
    "annotator_label_rows",
    "annotator_pair_tables",
    "annotator_category_counts",
    "annotator_gold_confusion",
    "one_hot",
    "require_annotators",
    "require_single_label",
    "gold_class_counts",
    "others_share_from_codes",
    "annotator_others_share",
    "item_annotator_onehot",
    "pair_codes",
    "dense_overlap",
    "ratings_per_item",
    "annotator_prediction_tables_from_codes",
    "annotator_prediction_tables",
    "ranked_class_pairs",
    "co_use_from_counts",
    "count_column",
    "column_major",
    "pair_disagreement",
    "pair_item_weights",
    "pair_swaps_from_codes",
    "pair_swap_flags",
    "pair_gold_from_counts",
    "merge_count_columns",
    "co_use_matrix",
    "rating_pairs_from_counts",
    "rating_pair_matrix",
    "annotator_pair_swaps",
    "is_distributed",
    "reduce_items",
    "additive",
    "add_partials",
    "require_in_memory",
    "register_distributed",
    "distributed_implementation",
    "ItemPartition",
    "category_totals",
    "annotator_totals",
    "pair_table",
    "n_items_with_ratings",
    "rating_moments",
    "n_repeated_ratings",
    "n_gold_items",
    "gold_label_counts",
    "round_category_counts",
    "merge_items",
    "cached",
    "class_item_weights",
    "unknown_neighbourhood_from_counts",
    "shift_counts",
    "first_per_item",
    "top_items",
    "pair_gold_counts",
    "unknown_neighbourhood",
    "pair_disagreement_without",
    "non_integer_item_ids",
    "item_images",
    "example_items",
    "TopMerge",
    "MergedColumns",
    "SwapsFixed",
    "CountView",
    "view_counts",
    "rating_histogram",
    "view_coincidence",
    "view_category_totals",
]
