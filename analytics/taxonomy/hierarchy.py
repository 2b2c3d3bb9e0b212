r"""Hierarchy-aware agreement: roll annotations up the taxonomy, agreement per level and per parent node, checks.

Sedan vs Coupe may be confused while Car vs Truck is not: agreement measured one level up tells whether a
confusion disappears when siblings are lifted to their parent. Levels count from the top (level 1) down.
Rolling up only sums columns of the item × category counts (every rating moves to its ancestor at that
level), so every level comes from the same cached sufficient statistics.

References
----------
Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin, 76(5),
378–382. https://doi.org/10.1037/h0031619
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pandas as pd

from .._wording import count_noun
from .._reshape import MergedColumns, ranked_class_pairs, require_in_memory, view_category_totals, view_coincidence
from ._whatif import group_codes
from ..agreement._counts import count_estimate, count_sums
from ..agreement.fleiss import binary_statistics
from ..agreement._results import check_confidence_level
from ..agreement._score import ratings_histogram
from ..agreement.intervals import score_intervals
from .confusion import units
from ..exceptions import AnnotationQAError, AnnotationSchemaError, InvalidParameterError, TaxonomyError
from ..results import ResultMixin
from .._taxonomy_model import (
    Taxonomy,
    TaxonomyProblem,
    load_taxonomy,
    parse_classes,
    read_taxonomy_file,
    taxonomy_problems,
)

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["rollup_annotations", "agreement_by_level", "TaxonomyCheck", "check_taxonomy", "LEVEL_COLUMNS",
           "level_mapping", "resolve_taxonomy"]

#: Columns of :func:`agreement_by_level`.
LEVEL_COLUMNS = ["level", "node", "kappa", "ci_low", "ci_high", "standard_error", "n_items", "n_categories",
                 "categories", "node_kappa", "node_ci_low", "node_ci_high", "n_disagreements", "top_pair",
                 "top_pair_share", "reason"]


def resolve_taxonomy(aset: "AnnotationSet", taxonomy: Any) -> Taxonomy:
    """The taxonomy to use: the one given, else the set's own, else a flat one from its categories."""
    if taxonomy is not None:
        return load_taxonomy(taxonomy)
    if aset.taxonomy is not None:
        return aset.taxonomy
    return Taxonomy.from_names(aset.categories)


def level_mapping(taxonomy: Taxonomy, categories: tuple[str, ...], level: int) -> dict[str, str]:
    """Each category's ancestor at ``level`` (categories outside the taxonomy keep their name)."""
    up = taxonomy.rollup(level)
    return {c: up.get(c, c) for c in categories}


def _check_level(level: Any, taxonomy: Taxonomy) -> int:
    if not isinstance(level, (int, np.integer)) or not 1 <= level <= max(taxonomy.depth, 1):
        raise InvalidParameterError(
            f"level= must be an integer from 1 (the top of the hierarchy) to {taxonomy.depth} (the deepest level "
            f"of this taxonomy); got {level!r}.")
    return int(level)


def rollup_annotations(annotations: Any, level: int, *, taxonomy: Any = None) -> "AnnotationSet":
    """The annotations with every label (and gold label) replaced by its ancestor at ``level``.

    Built with :meth:`AnnotationSet.relabel`, so predictions are summed over the merged classes. The result
    carries the taxonomy cut at ``level`` (classes at levels 1 … ``level``). Labels on classes above
    ``level`` (inner nodes) and labels outside the taxonomy keep their name.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
    level : int
        1 is the top of the hierarchy; ``taxonomy.depth`` leaves every label as it is.
    taxonomy : Taxonomy, mapping or path, optional
        Defaults to the set's taxonomy (load with ``taxonomy=``).

    Returns
    -------
    AnnotationSet

    Examples
    --------
    >>> from analytics import load_annotations
    >>> aset = load_annotations("sample_data/retail/annotations.csv", taxonomy="sample_data/retail/taxonomy.yaml")
    >>> rollup_annotations(aset, 1).categories
    ('Apparel', 'Footwear', 'Bags', 'Other')
    """
    from ..agreement._input import require_annotation_set

    aset = require_annotation_set(annotations)
    require_in_memory(aset, "rollup_annotations", instead=(
        "It returns a re-labelled set; agreement_by_level gives the agreement at every level of the taxonomy on the "
        "cluster. For the rolled-up annotations themselves load them in memory (backend='memory')."))
    tax = resolve_taxonomy(aset, taxonomy)
    if taxonomy is None and aset.taxonomy is None:
        raise AnnotationSchemaError(
            "rollup_annotations needs a taxonomy with a hierarchy; load the annotations with "
            "taxonomy='taxonomy.yaml' or pass taxonomy=.")
    level = _check_level(level, tax)
    out = aset.relabel(level_mapping(tax, aset.categories, level))
    cut = Taxonomy(tuple(c for c in tax.classes if tax.level_of(c.name) <= level), ordinal=tax.ordinal)
    return dataclasses.replace(out, taxonomy=cut, _cache={})


def _kappa(aset: "AnnotationSet", view: MergedColumns,
           confidence_level: float) -> tuple[float, float, float, float, int, str | None]:
    """Fleiss' kappa of the view's counts with the default (score) interval, as :func:`fleiss_kappa` of the
    re-labelled set (two passes over the items, plus one for the ratings per item inside the view)."""
    width = view.n_groups if view.keep is None else len(view.keep)
    w = np.eye(width)
    coef = count_estimate(aset, "fleiss", w, view)
    if not np.isfinite(coef.value) or coef.n_items < 2:
        return coef.value, math.nan, math.nan, coef.standard_error, coef.n_items, coef.reason
    sums = count_sums(aset, w, view)
    lo, hi = score_intervals(np.array([coef.value]), np.array([coef.standard_error_ratio]),
                             prevalence=(sums[3:] / sums[2])[None, :], ratings_counts=ratings_histogram(aset, view)[None],
                             n_pairable=np.array([coef.n_items]), confidence_level=confidence_level, kind="fleiss")
    return coef.value, float(lo[0]), float(hi[0]), coef.standard_error, coef.n_items, coef.reason


def agreement_by_level(annotations: Any, *, taxonomy: Any = None, confidence_level: float = 0.95) -> pd.DataFrame:
    r"""Fleiss' kappa at every level of the taxonomy, and within every parent node among its children.

    **Level rows** (``node`` is None): every rating rolled up to its ancestor at that level (level 1 = top),
    Fleiss' kappa with its default (score) interval and Gwet's linearized standard error (as :func:`fleiss_kappa`
    of the rolled-up set). Node rows and ``node_kappa`` use the same interval.

    **Node rows** (``node`` = a parent class *P*; ``level`` = the level of its children): agreement on
    *which child* among ratings inside *P* — the ratings whose class lies under *P*, rolled up to *P*'s
    children; ratings outside *P* are left out (they count at *P*'s own level). ``node_kappa`` is *P*'s
    per-category Fleiss kappa at its own level (*P* vs everything else), so "children confused, parent
    agrees" reads as a low ``kappa`` next to a high ``node_kappa``. ``n_disagreements`` are the coincidence
    disagreements among the children, ``top_pair`` the most confused child pair and ``top_pair_share`` its
    share of them (one dominant pair points to a merge, a spread to lifting the node). A NaN kappa carries its
    ``reason`` (e.g. one category only); the function does not warn, the column says why.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        Single-label annotations.
    taxonomy : Taxonomy, mapping or path, optional
        Defaults to the set's taxonomy; without one the categories form one flat level.
    confidence_level : float

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LEVEL_COLUMNS`: level rows first (level 1 …), then node rows in taxonomy order.

    References
    ----------
    Fleiss (1971), https://doi.org/10.1037/h0031619; Gwet, K. L. (2014). Handbook of Inter-Rater Reliability.

    Examples
    --------
    >>> from analytics import load_annotations
    >>> aset = load_annotations("sample_data/retail/annotations.csv", taxonomy="sample_data/retail/taxonomy.yaml")
    >>> t = agreement_by_level(aset)
    >>> t.loc[t["node"].isna(), "level"].tolist()
    [1, 2, 3]
    >>> bottoms = t[t["node"] == "Bottoms"].iloc[0]
    >>> bool(bottoms["kappa"] < 0.8 < bottoms["node_kappa"])
    True
    """
    check_confidence_level(confidence_level)
    aset = units(annotations, "agreement_by_level")
    tax = resolve_taxonomy(aset, taxonomy)
    rows, rolled = [], {}
    for level in range(1, max(tax.depth, 1) + 1):  # a roll-up sums columns of the counts: a count view
        groups, names = group_codes(aset.categories, level_mapping(tax, aset.categories, level))
        rolled[level] = (MergedColumns(tuple(int(g) for g in groups), len(names)), names)
        rows.append(_row(level, None, *_kappa(aset, rolled[level][0], confidence_level), names))
    for node in tax.names:
        children = tax.children_of(node)
        if not children:
            continue
        level = tax.level_of(node) + 1
        view, names = rolled[min(level, max(tax.depth, 1))]
        keep = [names.index(c) for c in children if c in names]
        if len(keep) < 2:
            continue
        within = dataclasses.replace(view, keep=tuple(keep))
        stats = _kappa(aset, within, confidence_level) if view_category_totals(aset, within).sum() > 0 else \
            (math.nan,) * 4 + (0, "no rating falls inside this node")
        row = _row(level, node, *stats, tuple(names[i] for i in keep))
        row.update(_node_kappa(aset, rolled[tax.level_of(node)], node, confidence_level))
        row.update(_top_pair(view_coincidence(aset, within), row["categories"]))
        rows.append(row)
    return pd.DataFrame(rows, columns=LEVEL_COLUMNS)


def _row(level: int, node: str | None, k: float, lo: float, hi: float, se: float, n: int, reason: str | None,
         names: tuple[str, ...]) -> dict[str, Any]:
    return {"level": level, "node": node, "kappa": k, "ci_low": lo, "ci_high": hi, "standard_error": se,
            "n_items": int(n), "n_categories": len(names), "categories": tuple(names), "node_kappa": math.nan,
            "node_ci_low": math.nan, "node_ci_high": math.nan, "n_disagreements": math.nan, "top_pair": None,
            "top_pair_share": math.nan, "reason": reason}


def _node_kappa(aset: "AnnotationSet", level_view: tuple[MergedColumns, tuple[str, ...]], node: str,
                confidence_level: float) -> dict[str, float]:
    view, names = level_view
    if node not in names:
        return {}
    res = binary_statistics(aset, view)
    j = names.index(node)
    pi = float(np.nan_to_num(res["prevalence"][j]))
    lo, hi = score_intervals(res["kappa"][j:j + 1], res["se"][j:j + 1], prevalence=np.array([[pi, 1.0 - pi]]),
                             ratings_counts=ratings_histogram(aset, view)[None], n_pairable=np.array([res["n_items"]]),
                             confidence_level=confidence_level, kind="fleiss")
    if res["n_items"] < 2:
        lo, hi = np.array([math.nan]), np.array([math.nan])
    return {"node_kappa": float(res["kappa"][j]), "node_ci_low": float(lo[0]), "node_ci_high": float(hi[0])}


def _top_pair(coincidence: np.ndarray, names: tuple[str, ...]) -> dict[str, Any]:
    a, b, d = ranked_class_pairs(coincidence)
    total = float(d.sum())
    if not len(d):
        return {"n_disagreements": 0.0}
    return {"n_disagreements": total, "top_pair": (names[a[0]], names[b[0]]), "top_pair_share": float(d[0] / total)}


# -- taxonomy checks -----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class TaxonomyCheck(ResultMixin):
    """Problems of a taxonomy, and of its use by a set of annotations.

    Attributes
    ----------
    issues : pandas.DataFrame
        ``kind, severity, classes, n_annotations, message``, errors first. Kinds: ``duplicate_name``,
        ``orphan``, ``cycle``, ``several_unknown``, ``malformed`` (errors); ``missing_unknown``,
        ``label_not_in_taxonomy``, ``label_on_inner_node``, ``unused_class`` (warnings).
    ok : bool
        No error.
    n_classes, depth : int
        Classes and levels (depth 0 when the hierarchy is broken).
    unknown_class : str or None
    """

    issues: pd.DataFrame
    ok: bool
    n_classes: int
    depth: int
    unknown_class: str | None

    @property
    def kinds(self) -> list[str]:
        return self.issues["kind"].tolist()

    def to_frame(self) -> pd.DataFrame:
        return self.issues.copy()


def _classes_of(taxonomy: Any) -> tuple[list, str, list[TaxonomyProblem]]:
    """Parsed classes (not validated), the source name, and problems met while parsing."""
    if isinstance(taxonomy, Taxonomy):
        return list(taxonomy.classes), "taxonomy", []
    data, source = (taxonomy, "taxonomy") if isinstance(taxonomy, (Mapping, list)) else \
        read_taxonomy_file(os.fspath(taxonomy))
    if isinstance(data, list):
        data = {"classes": data}
    if not isinstance(data, Mapping) or not isinstance(data.get("classes"), list) or not data["classes"]:
        return [], source, [TaxonomyProblem("malformed", "error", (),
                                            f"{source}: a taxonomy needs a non-empty top-level 'classes' list.")]
    try:
        return parse_classes(data, source), source, []
    except TaxonomyError as exc:
        return [], source, [TaxonomyProblem("malformed", "error", (), str(exc))]


def check_taxonomy(taxonomy: Any = None, annotations: Any = None) -> TaxonomyCheck:
    """Check a taxonomy — and, given annotations, how they use it — reporting every problem instead of raising.

    Structure: duplicate names (also differing only in case), orphans (undefined parent), cycles, no
    Unknown/Other class or several. Use (with ``annotations``): labels that are not classes of the taxonomy,
    labels on inner nodes (a rating of "Tops" where leaves such as "Shirt" exist — it rolls up cleanly but
    is its own category at the leaf level), and leaf classes nobody used (neither label nor gold).

    Parameters
    ----------
    taxonomy : Taxonomy, mapping or path (YAML/JSON), optional
        Read without validation, so a broken file is reported rather than rejected. Defaults to the
        annotations' taxonomy.
    annotations : AnnotationSet or pandas.DataFrame, optional

    Returns
    -------
    TaxonomyCheck

    Examples
    --------
    >>> check_taxonomy({"classes": [{"name": "A", "parent": "B"}, {"name": "B", "parent": "A"}]}).kinds
    ['cycle', 'missing_unknown']
    """
    aset = None
    if annotations is not None:
        from ..agreement._input import require_annotation_set

        aset = require_annotation_set(annotations)
    if taxonomy is None:
        if aset is None or aset.taxonomy is None:
            raise InvalidParameterError("check_taxonomy needs a taxonomy (or annotations loaded with taxonomy=).")
        taxonomy = aset.taxonomy
    try:
        classes, source, problems = _classes_of(taxonomy)
    except AnnotationQAError as exc:
        classes, source, problems = [], "taxonomy", [TaxonomyProblem("malformed", "error", (), str(exc))]
    if classes:
        problems += taxonomy_problems(classes, source)
    rows = [{"kind": p.kind, "severity": p.severity, "classes": p.classes, "n_annotations": 0, "message": p.message}
            for p in problems]
    if aset is not None and classes:
        rows += _usage_rows(classes, aset)
    issues = pd.DataFrame(rows, columns=["kind", "severity", "classes", "n_annotations", "message"])
    if len(issues):
        issues = issues.sort_values("severity", key=lambda s: s.map({"error": 0, "warning": 1}), kind="stable")
        issues = issues.reset_index(drop=True)
    ok = not (issues["severity"] == "error").any()
    depth = 0
    unknown = next((c.name for c in classes if c.unknown), None)
    if ok and classes:
        depth = Taxonomy(tuple(classes)).depth
    return TaxonomyCheck(issues=issues, ok=bool(ok), n_classes=len(classes), depth=depth, unknown_class=unknown)


def _usage_rows(classes: list, aset: "AnnotationSet") -> list[dict[str, Any]]:
    names = [c.name for c in classes]
    inner = {c.parent for c in classes if c.parent is not None}
    from .._reshape import category_totals

    used = category_totals(aset)  # annotations (tags) per category; summed over partitions on the Dask backend
    by_name = dict(zip(aset.categories, used.astype(int)))
    gold = set() if aset.gold is None else {g for v in aset.gold.dropna()
                                            for g in (v if isinstance(v, tuple) else (v,))}
    rows = []
    outside = [c for c in aset.categories if c not in set(names) and by_name.get(c, 0) > 0]
    if outside:
        n = int(sum(by_name[c] for c in outside))
        rows.append({"kind": "label_not_in_taxonomy", "severity": "warning", "classes": tuple(outside),
                     "n_annotations": n, "message": f"{count_noun(n, 'annotation')} {'uses' if n == 1 else 'use'} labels that are not classes of the "
                     f"taxonomy: {outside[:10]}. Add them to the taxonomy or fix the labels."})
    for name in names:
        n = int(by_name.get(name, 0))
        if name in inner and n:
            rows.append({"kind": "label_on_inner_node", "severity": "warning", "classes": (name,), "n_annotations": n,
                         "message": f"{count_noun(n, 'annotation')} {'uses' if n == 1 else 'use'} '{name}', which has sub-classes; they roll up cleanly "
                         "but are a separate category at the finer levels. Ask for a sub-class or accept the "
                         "coarser label on purpose."})
    unused = [n for n in names if n not in inner and by_name.get(n, 0) == 0 and n not in gold]
    if unused:
        rows.append({"kind": "unused_class", "severity": "warning", "classes": tuple(unused), "n_annotations": 0,
                     "message": f"{count_noun(len(unused), 'leaf class')} {'was' if len(unused) == 1 else 'were'} "
                     "never used by an annotator or the gold set: "
                     f"{unused[:10]}. Collect examples of them or drop them from the taxonomy."})
    return rows
