"""The data contract: validation of a tidy annotations table into an :class:`AnnotationSet`.

An :class:`AnnotationSet` is the one object every analysis takes. It is built only by
:func:`validate_annotations` (through :func:`analytics.load_annotations`), so analyses can assume:

* one row per ``(item_id, annotator_id, round)``; ids and labels are clean text;
* labels are factorized once: ``label_codes[k]`` indexes :attr:`AnnotationSet.categories`
  (multi-label sets hold a sparse annotation × tag indicator matrix instead);
* items and annotators are factorized once (``item_codes``, ``annotator_codes``);
* gold labels and model predictions, when attached, are aligned to the items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ._coded import Coded, DeferredTable, present_codes
from ._lazy import sparse
from ._import_report import ImportReport
from ._labels import natural_order
from .exceptions import AnnotationSchemaError, UnknownLabelError
from ._row_rules import finite_floats
from ._taxonomy_model import Taxonomy
from ._wording import count_noun

__all__ = ["AnnotationSet", "UNKNOWN_NAMES", "resolve_categories", "check_known_labels", "validate_annotations",
           "id_order", "n_non_integer_ids", "all_integer_ids", "SetCodes"]

#: Category names recognised as the Unknown/Other class when no taxonomy flags one.
UNKNOWN_NAMES = frozenset(
    {"unknown", "other", "others", "unsure", "not sure", "can't tell", "cannot tell", "cant tell",
     "none of the above", "unclear", "ambiguous", "illegible", "skip", "n/a"}
)


def n_non_integer_ids(ids: pd.Index) -> int:
    """How many of the (text) ids are not integers; ids are ordered numerically when there is none."""
    if not len(ids):
        return 0
    try:  # fast path: plain ASCII digit strings are integers
        if np.char.isdigit(np.asarray(ids, dtype=str).astype("S")).all():
            return 0
    except UnicodeEncodeError:
        pass
    as_num = finite_floats(pd.Series(np.asarray(ids, dtype=object)))[0].to_numpy()
    with np.errstate(invalid="ignore"):
        return int((np.isnan(as_num) | (as_num != np.floor(as_num))).sum())


def id_order(ids: pd.Index, numeric: bool) -> np.ndarray:
    """The permutation that sorts distinct text ids: numerically (then as text) when ``numeric``, else as text."""
    text = np.asarray(ids, dtype=str)
    if numeric:  # integers beyond the float range (more than 309 digits) tie at inf: then the shorter first
        values = finite_floats(pd.Series(np.asarray(ids, dtype=object)))[0].to_numpy()
        return np.lexsort((text, np.char.str_len(text), values))
    return np.argsort(text, kind="stable")


def all_integer_ids(ids: pd.Index) -> bool:
    """Whether every (text) id is an integer (:func:`n_non_integer_ids` is 0), answered early when one is not."""
    if not len(ids):
        return False
    head = ids[:64]  # ids of one export look alike: a few of them usually settle it
    return n_non_integer_ids(head) == 0 and n_non_integer_ids(ids) == 0


def _order_ids(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Factorize ids; order numerically when all ids are integers, else as text (:func:`id_order`)."""
    codes, uniques = pd.factorize(values, sort=False)
    uniq = pd.Index(uniques.astype(str), dtype=object)
    order = id_order(uniq, all_integer_ids(uniq))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], pd.Index(np.asarray(uniq)[order], dtype=object)


def _order_coded(coded: Coded) -> tuple[np.ndarray, pd.Index]:
    """:func:`_order_ids` of a coded column of clean text ids (every code valid): only its values are sorted."""
    present = present_codes(coded)
    values = coded.values if present.all() else coded.values[present]
    uniq = pd.Index(values, dtype=object, copy=False)
    numeric = all_integer_ids(uniq)
    order = None if numeric else _arrow_text_order(coded, present)
    if order is None:
        order = id_order(uniq, numeric)
    elif len(order) == len(coded.values) and coded.ordered:  # sorted already: every code is its own rank
        return coded.codes, uniq
    rank = np.full(len(coded.values), -1, dtype=np.int64)
    rank[np.flatnonzero(present)[order]] = np.arange(len(order))
    return rank[coded.codes], pd.Index(values[order], dtype=object, copy=False)


def _arrow_text_order(coded: Coded, present: np.ndarray) -> np.ndarray | None:
    """The text order of distinct ids (:func:`id_order`) sorted by Arrow, when Arrow holds them; None otherwise.

    The values are distinct, so any sort gives the one order; UTF-8 byte order is code point order, as numpy
    compares. numpy's fixed-width strings ignore trailing NUL characters, so values ending in one are left to
    :func:`id_order`. Values Arrow sorted while coding them (``coded.ordered``) are not sorted again.
    """
    if coded.arrow is None or len(coded.arrow) != len(coded.values):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = coded.arrow if present.all() else coded.arrow.filter(pa.array(present))
    if pc.any(pc.ends_with(arr, "\x00")).as_py():
        return None
    if coded.ordered:
        return np.arange(len(arr), dtype=np.int64)
    return np.asarray(pc.sort_indices(arr).to_numpy(zero_copy_only=False), dtype=np.int64)


@dataclass(frozen=True)
class SetCodes:
    """Validated ids and labels already coded (:mod:`analytics._coded`), so building a set factorizes nothing.

    ``labels`` holds the final labels (every code valid); the set's label codes index its categories.
    """

    items: Coded
    annotators: Coded | None
    labels: Coded


def check_known_labels(labels: pd.Series, allowed: Sequence[str], *, what: str, rows: pd.Series | None = None,
                       suggest: Any = None, weights: pd.Series | None = None) -> None:
    """Raise :class:`UnknownLabelError` naming labels outside ``allowed`` (with rows and close matches).

    ``weights`` (aligned with ``labels``): how many annotations each entry stands for, when ``labels``
    holds distinct labels with their counts rather than one entry per annotation.
    """
    flat = labels.explode() if labels.map(lambda v: isinstance(v, tuple)).any() else labels
    flat = flat.dropna()
    unknown = flat[~flat.isin(list(allowed))]
    if unknown.empty:
        return
    if weights is None:
        counts = unknown.value_counts()
    else:
        counts = weights.loc[unknown.index].groupby(unknown.to_numpy()).sum().astype(np.int64)
        counts = counts.sort_values(ascending=False, kind="stable")
    parts = []
    for label, n in counts.head(10).items():
        where = ""
        if rows is not None:
            examples = rows.loc[unknown.index[unknown == label]].head(3).tolist()
            where = f", e.g. {', '.join(map(str, examples))}"
        close = suggest(label) if suggest else []
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        parts.append(f"'{label}' ({n} row{'s' if n != 1 else ''}{where}{hint})")
    more = f" and {len(counts) - 10} more" if len(counts) > 10 else ""
    raise UnknownLabelError(
        f"{count_noun(len(counts), 'label')} {'is' if len(counts) == 1 else 'are'} not classes of the {what}: {'; '.join(parts)}{more}. "
        f"Fix the labels, add these classes to the {what}, or load without it."
    )


def resolve_categories(used: Sequence[str], *, explicit: Sequence[str] | None, taxonomy: Taxonomy | None) -> tuple[str, ...]:
    """The category order: explicit list > taxonomy order (leaves and used inner classes) > natural order."""
    if explicit is not None:
        return tuple(dict.fromkeys(str(c) for c in explicit))
    if taxonomy is not None:
        used_set = set(used)
        leaves = set(taxonomy.leaves)
        return tuple(n for n in taxonomy.names if n in leaves or n in used_set)
    return tuple(natural_order(used))


@dataclass(frozen=True, eq=False)
class AnnotationSet:
    """Validated, integer-coded annotations with optional gold, predictions and taxonomy.

    Build one with :func:`analytics.load_annotations`; do not construct it directly.

    Attributes
    ----------
    frame : pandas.DataFrame
        The tidy table: ``item_id``, ``annotator_id``, ``label`` (a tuple of tags in multi-label sets),
        the optional ``round``, ``timestamp`` (UTC), ``duration_s``, ``image``, and any extra columns. A loaded
        single-label set builds it the first time it is read (its ids and labels are held as codes until then:
        :class:`~analytics._coded.DeferredTable`); it is the same table either way.
    categories : tuple of str
        Category (class or tag) names; codes index into it.
    item_ids, annotator_ids : pandas.Index
        Item and annotator ids in code order.
    item_codes, annotator_codes, label_codes : numpy.ndarray
        One int64 code per annotation (``label_codes`` is -1 in multi-label sets;
        ``annotator_codes`` is -1 when annotators are anonymous).
    tags : scipy.sparse.csr_matrix or None
        Multi-label sets: annotation × category indicator matrix.
    report : ImportReport
        What the loader read, kept and skipped.
    attached_categories : tuple of str
        Classes known only from the attached gold labels or predictions: declared by no taxonomy or category
        list and used by no annotator. They are categories (gold and predictions are coded against them) but
        not agreement categories: agreement coefficients ignore them (:func:`analytics.agreement._input.agreement_set`),
        so attaching gold never changes a coefficient.
    """

    _table: "pd.DataFrame | DeferredTable"
    categories: tuple[str, ...]
    item_ids: pd.Index
    annotator_ids: pd.Index
    item_codes: np.ndarray
    annotator_codes: np.ndarray
    label_codes: np.ndarray
    report: ImportReport
    multilabel: bool = False
    annotators_known: bool = True
    tags: sparse.csr_matrix | None = None
    taxonomy: Taxonomy | None = None
    ordinal: bool = False
    unknown_label: str | None = None
    gold: pd.Series | None = None
    gold_codes: np.ndarray | None = None
    gold_report: ImportReport | None = None
    prediction_probs: np.ndarray | None = None
    prediction_codes: np.ndarray | None = None
    prediction_confidence: np.ndarray | None = None
    predictions_report: ImportReport | None = None
    attached_categories: tuple[str, ...] = ()
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def frame(self) -> pd.DataFrame:
        table = self._table
        if isinstance(table, DeferredTable):
            table = table.build()
            object.__setattr__(self, "_table", table)  # built once; the same table from now on
        return table

    @property
    def column_names(self) -> pd.Index:
        """The names of :attr:`frame`'s columns, in order (read without building the table)."""
        return self._table.columns

    # -- sizes ---------------------------------------------------------------------------------
    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n_annotators(self) -> int:
        """Distinct annotators (0 when annotators are anonymous, as in an item × category counts table)."""
        return len(self.annotator_ids)

    @property
    def n_annotations(self) -> int:
        return len(self.item_codes)

    @property
    def n_categories(self) -> int:
        return len(self.categories)

    @property
    def ratings_per_item(self) -> np.ndarray:
        """Number of annotations of each item (in item code order)."""
        return np.bincount(self.item_codes, minlength=self.n_items)

    @property
    def rounds(self) -> tuple[str, ...]:
        """Distinct rounds in natural order (empty when the table has no ``round`` column)."""
        if "round" not in self.column_names:
            return ()
        rounds = self._table.column("round") if isinstance(self._table, DeferredTable) else self._table["round"]
        return tuple(natural_order(rounds.dropna().astype(str).unique()))

    @property
    def has_gold(self) -> bool:
        return self.gold is not None and len(self.gold) > 0

    @property
    def has_predictions(self) -> bool:
        return self.prediction_codes is not None

    @property
    def category_values(self) -> np.ndarray | None:
        """Numeric value of each category when every category is a number (interval/ratio data), else None."""
        try:
            return np.array([float(c) for c in self.categories])
        except ValueError:
            return None

    def summary(self) -> dict[str, Any]:
        """Counts a project manager reads first."""
        rpi = self.ratings_per_item
        return {
            "n_items": self.n_items,
            "n_annotators": self.n_annotators,
            "n_annotations": self.n_annotations,
            "n_categories": self.n_categories,
            "categories": list(self.categories),
            "multilabel": self.multilabel,
            "annotators_known": self.annotators_known,
            "rounds": list(self.rounds),
            "ratings_per_item_min": int(rpi.min()) if len(rpi) else 0,
            "ratings_per_item_max": int(rpi.max()) if len(rpi) else 0,
            "ratings_per_item_mean": float(rpi.mean()) if len(rpi) else 0.0,
            "n_gold_items": 0 if self.gold is None else int(len(self.gold)),
            "n_predicted_items": 0 if self.prediction_codes is None else int((self.prediction_codes >= 0).sum()),
            "unknown_label": self.unknown_label,
            "taxonomy_levels": self.taxonomy.depth if self.taxonomy is not None else None,
        }

    # -- derived sets -------------------------------------------------------------------------
    def subset(self, mask: "np.ndarray | pd.Series | Sequence[bool]") -> "AnnotationSet":
        """The annotations where ``mask`` is true (same categories; gold and predictions restricted).

        Used for per-round and per-slice analyses. The import report is shared with the parent set.
        """
        m = np.asarray(mask, dtype=bool)
        if m.shape != (self.n_annotations,):
            raise AnnotationSchemaError(f"subset mask has shape {m.shape}; expected ({self.n_annotations},).")
        if not m.any():
            raise AnnotationSchemaError("subset selects no annotation.")
        frame = self.frame.loc[m].reset_index(drop=True)
        return build_annotation_set(
            frame, categories=self.categories, multilabel=self.multilabel, annotators_known=self.annotators_known,
            report=self.report, taxonomy=self.taxonomy, ordinal=self.ordinal, unknown_label=self.unknown_label,
            gold=self.gold, gold_report=self.gold_report, predictions=self._prediction_frame(),
            predictions_report=self.predictions_report, attached_categories=self.attached_categories,
        )

    def relabel(self, mapping: Mapping[str, str], *, categories: Sequence[str] | None = None) -> "AnnotationSet":
        """A copy with labels (and gold labels) renamed by ``mapping`` — e.g. two classes merged into one.

        Categories not in the mapping keep their name. The new category order follows the old one
        (a merged class takes the place of its first member) unless ``categories`` is given.
        Predictions are summed over merged classes.
        """
        def remap(label: Any) -> Any:
            if isinstance(label, tuple):
                return tuple(sorted({mapping.get(t, t) for t in label}))
            return mapping.get(label, label)

        frame = self.frame.copy()
        frame["label"] = frame["label"].map(remap)
        cats = categories if categories is not None else tuple(dict.fromkeys(mapping.get(c, c) for c in self.categories))
        gold = None if self.gold is None else self.gold.map(remap)
        preds = self._prediction_frame()
        if preds is not None and self.prediction_probs is not None:
            probs = preds[list(self.categories)]
            merged = probs.T.groupby([mapping.get(c, c) for c in self.categories], sort=False).sum().T
            preds = pd.concat([preds[["item_id"]], merged], axis=1)
        unknown = None if self.unknown_label is None else mapping.get(self.unknown_label, self.unknown_label)
        merged_into = {mapping.get(c, c) for c in self.categories if c not in self.attached_categories}
        attached = tuple(dict.fromkeys(mapping.get(c, c) for c in self.attached_categories
                                       if mapping.get(c, c) not in merged_into))
        return build_annotation_set(
            frame, categories=cats, multilabel=self.multilabel, annotators_known=self.annotators_known,
            report=self.report, taxonomy=None, ordinal=False, unknown_label=unknown,
            gold=gold, gold_report=self.gold_report, predictions=preds, predictions_report=self.predictions_report,
            attached_categories=attached,
        )

    def with_attachments(self, *, gold: pd.Series | None = None, gold_report: ImportReport | None = None,
                         predictions: pd.DataFrame | None = None,
                         predictions_report: ImportReport | None = None) -> "AnnotationSet":
        """A copy with gold labels and/or predictions attached (see :func:`analytics.load_gold`)."""
        return build_annotation_set(
            self.frame, categories=self.categories, multilabel=self.multilabel,
            annotators_known=self.annotators_known, report=self.report, taxonomy=self.taxonomy,
            ordinal=self.ordinal, unknown_label=self.unknown_label,
            gold=gold if gold is not None else self.gold,
            gold_report=gold_report if gold is not None else self.gold_report,
            predictions=predictions if predictions is not None else self._prediction_frame(),
            predictions_report=predictions_report if predictions is not None else self.predictions_report,
            extend_categories=True, attached_categories=self.attached_categories,
        )

    def _prediction_frame(self) -> pd.DataFrame | None:
        """Predictions as a canonical frame (for rebuilding derived sets)."""
        if self.prediction_codes is None:
            return None
        has = self.prediction_codes >= 0
        ids = self.item_ids[has]
        if self.prediction_probs is not None:
            out = pd.DataFrame(self.prediction_probs[has], columns=list(self.categories))
            out.insert(0, "item_id", np.asarray(ids))
            return out
        return pd.DataFrame({
            "item_id": np.asarray(ids),
            "predicted_label": np.asarray(self.categories, dtype=object)[self.prediction_codes[has]],
            "confidence": self.prediction_confidence[has],
        })

    def __repr__(self) -> str:
        kind = "multi-label" if self.multilabel else "single-label"
        return (f"AnnotationSet({self.n_annotations:,} annotations, {self.n_items:,} items, "
                f"{self.n_annotators:,} annotators, {self.n_categories} categories, {kind}"
                f"{', gold' if self.has_gold else ''}{', predictions' if self.has_predictions else ''})")


def build_annotation_set(
    frame: "pd.DataFrame | DeferredTable",
    *,
    categories: Sequence[str],
    multilabel: bool,
    annotators_known: bool,
    report: ImportReport,
    taxonomy: Taxonomy | None = None,
    ordinal: bool = False,
    unknown_label: str | None = None,
    gold: pd.Series | None = None,
    gold_report: ImportReport | None = None,
    predictions: pd.DataFrame | None = None,
    predictions_report: ImportReport | None = None,
    extend_categories: bool = False,
    attached_categories: Sequence[str] = (),
    codes: SetCodes | None = None,
) -> AnnotationSet:
    """Assemble an :class:`AnnotationSet` from an already validated, clean frame (internal).

    ``extend_categories``: classes of the gold labels or predictions that are not categories yet are appended
    and recorded in ``attached_categories`` (with those given). ``codes``: the frame's ids and labels as
    validation coded them (single-label sets), used instead of factorizing the frame's columns again.
    """
    from ._attach import align_gold, align_predictions

    if isinstance(frame, DeferredTable) and (codes is None or multilabel):
        frame = frame.build()
    if not isinstance(frame, DeferredTable) and not (isinstance(frame.index, pd.RangeIndex)
                                                     and frame.index.start == 0 and frame.index.step == 1):
        frame = frame.reset_index(drop=True)
    item_codes, item_ids = _order_coded(codes.items) if codes is not None else _order_ids(frame["item_id"])
    if annotators_known and codes is not None and codes.annotators is not None:
        annotator_codes, annotator_ids = _order_coded(codes.annotators)
    elif annotators_known:
        annotator_codes, annotator_ids = _order_ids(frame["annotator_id"])
    else:
        annotator_codes, annotator_ids = np.full(len(frame), -1, dtype=np.int64), pd.Index([], dtype=object)
    cats = list(categories)
    if extend_categories:
        extra: list[str] = []
        if gold is not None:
            extra += [g for v in gold.dropna() for g in (v if isinstance(v, tuple) else (v,))]
        if predictions is not None and "predicted_label" in predictions.columns:
            extra += predictions["predicted_label"].dropna().astype(str).tolist()
        elif predictions is not None:
            extra += [c for c in predictions.columns if c != "item_id"]
        added = [c for c in natural_order(set(extra)) if c not in set(cats)]
        cats += added
        attached_categories = tuple(attached_categories) + tuple(added)
    categories = tuple(cats)
    attached_categories = tuple(c for c in dict.fromkeys(attached_categories) if c in set(categories))
    tags = None
    if multilabel:
        lengths = frame["label"].map(len).to_numpy()
        flat = pd.Categorical([t for tup in frame["label"] for t in tup], categories=categories)
        rows = np.repeat(np.arange(len(frame)), lengths)
        tags = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.int8), (rows, flat.codes.astype(np.int64))),
            shape=(len(frame), len(categories)),
        )
        label_codes = np.full(len(frame), -1, dtype=np.int64)
    elif codes is not None:
        position = {c: i for i, c in enumerate(categories)}
        table = np.array([position.get(v, -1) for v in codes.labels.values] + [-1], dtype=np.int64)
        label_codes = table[codes.labels.codes]
    else:
        label_codes = pd.Categorical(frame["label"], categories=categories).codes.astype(np.int64)
    gold_series, gold_codes = align_gold(gold, item_ids, categories, multilabel)
    probs, pred_codes, pred_conf = align_predictions(predictions, item_ids, categories)
    return AnnotationSet(
        _table=frame, categories=categories, item_ids=item_ids, annotator_ids=annotator_ids,
        item_codes=item_codes.astype(np.int64, copy=False), annotator_codes=annotator_codes.astype(np.int64, copy=False),
        label_codes=label_codes, report=report, multilabel=multilabel, annotators_known=annotators_known,
        tags=tags, taxonomy=taxonomy, ordinal=ordinal, unknown_label=_unknown(unknown_label, taxonomy, categories),
        gold=gold_series, gold_codes=gold_codes, gold_report=gold_report,
        prediction_probs=probs, prediction_codes=pred_codes, prediction_confidence=pred_conf,
        predictions_report=predictions_report, attached_categories=attached_categories,
    )


def _unknown(explicit: str | None, taxonomy: Taxonomy | None, categories: Sequence[str]) -> str | None:
    if explicit is not None:
        return explicit
    if taxonomy is not None and taxonomy.unknown_class is not None:
        return taxonomy.unknown_class
    return next((c for c in categories if c.casefold() in UNKNOWN_NAMES), None)
