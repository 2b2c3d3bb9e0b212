"""One partition of whole items: the code arrays the :mod:`analytics._reshape` wrappers read.

A distributed set keeps its annotations as partitions in which every item's ratings sit together.
Categories, annotators and rounds are coded globally (the same codes in every partition); items are
coded locally (``0 .. n_items - 1`` within the partition), which is all the statistics need because
every one of them is a sum over items. An :class:`ItemPartition` has the attributes of an
:class:`~analytics.AnnotationSet` that the wrappers and kernels use, so they run on it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

__all__ = ["ItemPartition"]


@dataclass(frozen=True, eq=False)
class ItemPartition:
    """The annotations of a set of whole items (see the module docstring).

    Attributes
    ----------
    item_ids : pandas.Index
        Item ids in local code order.
    item_codes, annotator_codes, label_codes : numpy.ndarray
        One code per annotation (item codes local, the others global); stored compactly (int32).
    n_annotators, n_categories : int
        Global sizes (codes index the set's annotators and categories).
    gold_codes : numpy.ndarray or None
        Gold category code of each local item, -1 where it has none.
    round_codes : numpy.ndarray or None
        Global round code of each annotation, -1 where it has none (None when the set has no rounds).
    n_rounds : int
        Number of rounds of the set (round codes index them).
    image_codes, image_values : numpy.ndarray or None
        The ``image`` of each annotation as a code into ``image_values`` (-1: blank); None without an image column.
    """

    item_ids: pd.Index
    item_codes: np.ndarray
    annotator_codes: np.ndarray
    label_codes: np.ndarray
    n_annotators: int
    n_categories: int
    gold_codes: np.ndarray | None = None
    round_codes: np.ndarray | None = None
    n_rounds: int = 0
    image_codes: np.ndarray | None = None
    image_values: np.ndarray | None = None
    annotators_known: bool = True
    multilabel: bool = False
    tags: None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n_annotations(self) -> int:
        return len(self.item_codes)

    @property
    def ratings_per_item(self) -> np.ndarray:
        return np.bincount(self.item_codes, minlength=self.n_items)

    @property
    def images(self) -> np.ndarray | None:
        """Each item's image: that of its first annotation (None where blank); None without an image column."""
        if self.image_codes is None:
            return None
        from ._pair_kernels import first_per_item

        values = np.append(np.asarray(self.image_values, dtype=object), None)  # code -1 picks the trailing None
        return first_per_item(self.item_codes, values[self.image_codes], self.n_items)

    def fresh(self) -> "ItemPartition":
        """A working copy for one computation: int64 codes and an empty cache (dropped afterwards)."""
        wide = {name: np.asarray(getattr(self, name), dtype=np.int64)
                for name in ("item_codes", "annotator_codes", "label_codes")}
        if self.gold_codes is not None:
            wide["gold_codes"] = np.asarray(self.gold_codes, dtype=np.int64)
        if self.round_codes is not None:
            wide["round_codes"] = np.asarray(self.round_codes, dtype=np.int64)
        return replace(self, _cache={}, **wide)

    def where(self, keep: np.ndarray) -> "ItemPartition":
        """The annotations where ``keep`` is true; items without a kept annotation are dropped (order kept)."""
        keep = np.asarray(keep, dtype=bool)
        used, items = np.unique(self.item_codes[keep], return_inverse=True)
        return replace(
            self, item_ids=self.item_ids[used], item_codes=items.astype(np.int32),
            annotator_codes=self.annotator_codes[keep], label_codes=self.label_codes[keep],
            gold_codes=None if self.gold_codes is None else self.gold_codes[used],
            round_codes=None if self.round_codes is None else self.round_codes[keep],
            image_codes=None if self.image_codes is None else self.image_codes[keep], _cache={},
        )

    def recode_annotators(self, lookup: np.ndarray, n_annotators: int) -> "ItemPartition":
        """Annotator codes mapped through ``lookup`` (old code → new code) into ``n_annotators`` annotators."""
        return replace(self, annotator_codes=np.asarray(lookup)[self.annotator_codes].astype(np.int32),
                       n_annotators=int(n_annotators), _cache={})

    def round_units(self, round_names: tuple[str, ...]) -> "ItemPartition":
        """Each ``(item, round)`` as its own unit, named ``"<item> (round <r>)"`` (``none`` for no round)."""
        rounds = self.round_codes.astype(np.int64)
        key = self.item_codes.astype(np.int64) * (len(round_names) + 1) + rounds + 1
        units, codes = np.unique(key, return_inverse=True)
        names = np.asarray(("none",) + tuple(round_names), dtype=object)
        item_part, round_part = np.divmod(units, len(round_names) + 1)
        ids = pd.Index(np.asarray(self.item_ids, dtype=object)[item_part].astype(str), dtype=object)
        labels = pd.Index(names[round_part], dtype=object)
        unit_ids = pd.Index(ids + " (round " + labels + ")", dtype=object)
        return replace(self, item_ids=unit_ids, item_codes=codes.astype(np.int32), gold_codes=None, _cache={})
