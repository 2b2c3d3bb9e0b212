r"""Rules the data suggests for a guideline, each with its evidence and a test (see :func:`guideline_cards`).

**Lone-dissent rules.** An item whose ratings are one *X* (by annotator *A*) and at least ``min_others`` *Y* (every
other rating) shows the pattern *(A, X, Y)*. Among such items with a gold label *X* or *Y*, let :math:`k_Y` be those
whose gold is *Y* and :math:`n = k_X + k_Y`. Two one-sided exact binomial tests against an even split,
:math:`p_Y = P(\mathrm{Bin}(n, \tfrac12) \ge k_Y)` ("the others are right": a rule "*Y*, not *X*, for such items")
and :math:`p_X` ("*A* is right": the *Y* reading is the misconception). Many patterns are looked at, and most have
too few gold items for any test to reach the level: with :math:`n` items the smallest attainable p-value is
:math:`2^{-n}`. Tarone's modified Bonferroni procedure counts only the hypotheses that can be rejected: with
:math:`m(K)` hypotheses whose smallest attainable p-value is at most :math:`\alpha/K`, take the smallest *K* with
:math:`m(K) \le K` and reject those with :math:`p \le \alpha/K`, :math:`\alpha = 1 -` ``confidence_level``. The
family-wise error rate stays at most :math:`\alpha`. Intervals are Clopper–Pearson. The rule is about one
annotator reading a class differently from the others, so it needs annotator ids: pooled over anonymous raters, a
lone dissent is mostly a slip and "the majority is right" is no guideline rule.

**Unknown neighbourhoods.** Each item's class is the plurality of its ratings other than Unknown (none on a tie).
For every class *C*, the items of *C* on which someone said Unknown are compared with those of every other class in
a one-sided Fisher exact test (items, not ratings, so that the ratings of one item do not count as independent);
Holm's step-down keeps the family-wise error rate at :math:`\alpha`. Where the test rejects, Unknown is used around
*C* more than elsewhere, so "if unsure, use Unknown" belongs in *C*'s card; gold on those items says whether they
could have been decided.

Both are suggestions for the author, never settled rules; ``benchmarks/bench_guideline_rules.py`` checks by
simulation with a known answer that they appear when planted and seldom otherwise.

References
----------
Tarone, R. E. (1990). A modified Bonferroni method for discrete data. Biometrics 46(2), 515–522.
https://doi.org/10.2307/2532084

Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of Statistics 6(2),
65–70. https://www.jstor.org/stable/4615733

Clopper, C. J., & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated in the case of the
binomial. Biometrika 26(4), 404–413. https://doi.org/10.1093/biomet/26.4.404
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint
from .._wording import count_noun

if TYPE_CHECKING:
    from .._schema import AnnotationSet
    from ._guideline_examples import ItemView

__all__ = ["RULE_COLUMNS", "UNKNOWN_COLUMNS", "RULE_STATUS", "UNKNOWN_STATUS", "lone_dissent_patterns",
           "lone_dissent_rules", "tarone_level", "unknown_neighbourhoods"]

#: Columns of ``GuidelineCards.rules``.
RULE_COLUMNS = ["annotator", "given", "others", "n_items", "n_gold", "gold_others", "gold_given", "gold_elsewhere",
                "share_others", "ci_low", "ci_high", "p_others", "p_given", "level", "direction", "status", "rule",
                "evidence", "example_items"]
#: Values of the ``status`` column of ``GuidelineCards.rules``.
RULE_STATUS = ("suggested", "not_significant", "too_little_gold", "no_gold")
#: Columns of ``GuidelineCards.unknown_neighbourhoods``.
UNKNOWN_COLUMNS = ["category", "n_items", "n_items_with_unknown", "share", "ci_low", "ci_high", "share_elsewhere",
                   "p_value", "p_adjusted", "status", "gold_category", "gold_unknown", "gold_other", "rule",
                   "evidence", "example_items"]
#: Values of the ``status`` column of ``GuidelineCards.unknown_neighbourhoods``.
UNKNOWN_STATUS = ("applies", "not_elevated", "too_few_items")


def _cp(k: np.ndarray, n: np.ndarray, confidence_level: float) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.full(len(n), np.nan), np.full(len(n), np.nan)
    ok = n > 0
    if ok.any():
        lo[ok], hi[ok] = proportion_confint(k[ok], n[ok], alpha=1 - confidence_level, method="beta")
    return lo, hi


def tarone_level(n: np.ndarray, alpha: float) -> tuple[float, int]:
    r"""Tarone's per-test level for exact binomial tests on ``n`` trials each (two hypotheses per entry).

    Returns ``(alpha / K, K)`` with *K* the smallest count such that at most *K* hypotheses have a smallest
    attainable p-value :math:`2^{-n} \le \alpha/K`.
    """
    min_p = np.repeat(np.power(0.5, np.asarray(n, dtype=np.float64)), 2)
    min_p = np.sort(min_p[np.asarray(np.repeat(n, 2)) > 0])
    for k in range(1, len(min_p) + 1):
        if int(np.searchsorted(min_p, alpha / k, side="right")) <= k:
            return alpha / k, k
    return alpha, 1


def lone_dissent_patterns(view: "ItemView", units: "AnnotationSet", min_others: int) -> pd.DataFrame:
    """Units rated once *X* and otherwise only *Y* (at least ``min_others`` times): ``unit, annotator, given, others``."""
    counts = view.counts
    counts.eliminate_zeros()
    nnz = np.diff(counts.indptr)
    two = np.flatnonzero(nnz == 2)
    start = counts.indptr[two]
    a_code, b_code = counts.indices[start], counts.indices[start + 1]
    a_n, b_n = counts.data[start], counts.data[start + 1]
    lone_a = (a_n == 1) & (b_n >= min_others)
    lone_b = (b_n == 1) & (a_n >= min_others) & ~lone_a
    keep = lone_a | lone_b
    unit = two[keep]
    given = np.where(lone_a, a_code, b_code)[keep]
    others = np.where(lone_a, b_code, a_code)[keep]
    annotator = np.full(len(unit), -1, dtype=np.int64)
    if units.annotators_known and len(unit):
        lone_of = np.full(units.n_items, -1, dtype=np.int64)
        lone_of[unit] = given
        rows = np.flatnonzero(lone_of[units.item_codes] == units.label_codes)
        annotator_of = np.full(units.n_items, -1, dtype=np.int64)
        annotator_of[units.item_codes[rows]] = units.annotator_codes[rows]
        annotator = annotator_of[unit]
    return pd.DataFrame({"unit": unit, "annotator": annotator, "given": given, "others": others})


def _rule_texts(who: str, x: str, y: str, row: dict, level: float, k: int, cl: float) -> tuple[str | None, str]:
    base = (f"{who} said '{x}' and every other annotator '{y}' on {count_noun(int(row['n_items']), 'item')}; "
            f"{row['n_gold']} have gold")
    n = row["gold_others"] + row["gold_given"]
    if row["n_gold"] == 0:
        return None, base + ": cannot be tested without gold on such items (add some to the golden set)."
    tail = (f": '{y}' on {row['gold_others']}, '{x}' on {row['gold_given']}"
            + (f", another class on {row['gold_elsewhere']}" if row["gold_elsewhere"] else ""))
    if n == 0:
        return None, base + tail + "."
    interval = f"{row['share_others']:.0%} '{y}', {cl:.0%} CI {row['ci_low']:.0%}–{row['ci_high']:.0%}"
    if row["status"] == "too_little_gold":
        need = max(1, math.ceil(math.log2(1.0 / level)))
        return None, (base + tail + f" ({interval}); a test at level {level:.2g} needs at least {need} gold items "
                      f"with '{x}' or '{y}'.")
    test = (f"one-sided exact binomial test against an even split p = "
            f"{row['p_others'] if row['direction'] != 'annotator' else row['p_given']:.2g}, level {level:.2g} "
            f"(Tarone, {k} testable hypotheses)")
    if row["status"] == "not_significant":
        return None, base + tail + f" ({interval}); not different from an even split at level {level:.2g}."
    if row["direction"] == "others":
        rule = (f"'{y}', not '{x}': items that {who} reads as '{x}' but the others as '{y}' are '{y}'. State what "
                f"makes them '{y}' and show them in the {x}/{y} borderline gallery.")
    else:
        rule = (f"'{x}', not '{y}': items that most annotators read as '{y}' but {who} as '{x}' are '{x}'. The "
                f"'{y}' definition may be pulling them in; state where '{x}' ends and '{y}' begins.")
    return rule, base + tail + f" ({interval}; {test})."


def lone_dissent_rules(view: "ItemView", units: "AnnotationSet", *, min_others: int = 2,
                       confidence_level: float = 0.95, n_examples: int = 6) -> pd.DataFrame:
    """Rule candidates from lone dissent, tested against gold (see the module docstring); columns :data:`RULE_COLUMNS`."""
    found = lone_dissent_patterns(view, units, min_others)
    if found.empty:
        return pd.DataFrame(columns=RULE_COLUMNS)
    gold = view.gold[found["unit"].to_numpy()]
    found["has_gold"] = gold >= 0
    found["gold_others"] = gold == found["others"].to_numpy()
    found["gold_given"] = gold == found["given"].to_numpy()
    found["gold_elsewhere"] = found["has_gold"] & ~found["gold_others"] & ~found["gold_given"]
    found["item"] = view.ids[found["unit"].to_numpy()]
    grouped = found.groupby(["annotator", "given", "others"], sort=True)
    table = grouped.agg(n_items=("unit", "size"), n_gold=("has_gold", "sum"), gold_others=("gold_others", "sum"),
                        gold_given=("gold_given", "sum"), gold_elsewhere=("gold_elsewhere", "sum")).reset_index()
    table["example_items"] = [tuple(v[:n_examples]) for v in grouped["item"].agg(list)]
    k_y = table["gold_others"].to_numpy(dtype=np.int64)
    k_x = table["gold_given"].to_numpy(dtype=np.int64)
    n = k_x + k_y
    alpha = 1.0 - confidence_level
    level, k_testable = tarone_level(n, alpha)
    p_y = np.where(n > 0, stats.binom.sf(k_y - 1, n, 0.5), np.nan)
    p_x = np.where(n > 0, stats.binom.sf(k_x - 1, n, 0.5), np.nan)
    testable = (n > 0) & (np.power(0.5, n.astype(float)) <= level)
    lo, hi = _cp(k_y, n, confidence_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share_others"] = np.where(n > 0, k_y / np.maximum(n, 1), np.nan)
    table["ci_low"], table["ci_high"], table["p_others"], table["p_given"] = lo, hi, p_y, p_x
    table["level"] = level
    direction = np.where(testable & (p_y <= level), "others", np.where(testable & (p_x <= level), "annotator", None))
    table["direction"] = direction
    table["status"] = np.where(direction != None, "suggested",  # noqa: E711 - elementwise
                               np.where(table["n_gold"] == 0, "no_gold",
                                        np.where(testable, "not_significant", "too_little_gold")))
    cats = view.categories
    ann_ids = np.asarray(units.annotator_ids, dtype=object) if units.annotators_known else np.array([], dtype=object)
    names = [str(ann_ids[a]) if a >= 0 else None for a in table["annotator"]]
    table["annotator"] = names
    table["given"] = [cats[c] for c in table["given"]]
    table["others"] = [cats[c] for c in table["others"]]
    rules, evidence = [], []
    for row in table.to_dict("records"):
        who = f"annotator '{row['annotator']}'" if row["annotator"] is not None else "one annotator"
        r, e = _rule_texts(who, row["given"], row["others"], row, level, k_testable, confidence_level)
        rules.append(r)
        evidence.append(e)
    table["rule"], table["evidence"] = rules, evidence
    rank = table["status"].map({s: i for i, s in enumerate(RULE_STATUS)})
    best_p = np.fmin(table["p_others"].to_numpy(dtype=float), table["p_given"].to_numpy(dtype=float))
    order = np.lexsort((-table["n_items"].to_numpy(), -table["n_gold"].to_numpy(), np.nan_to_num(best_p, nan=2.0),
                        rank.to_numpy()))
    return table.iloc[order].reset_index(drop=True)[RULE_COLUMNS]


def _known_plurality(view: "ItemView", u: int) -> np.ndarray:
    """Each unit's plurality class among its ratings other than ``u`` (-1 on a tie or without such ratings)."""
    from scipy import sparse

    mask = np.ones(view.counts.shape[1])
    mask[u] = 0
    known = sparse.csr_matrix(view.counts @ sparse.diags(mask))
    known.eliminate_zeros()
    n = known.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    top = np.asarray(known.max(axis=1).toarray()).ravel()
    rows = np.repeat(np.arange(n), np.diff(known.indptr))
    n_top = np.bincount(rows, weights=(known.data == top[rows]), minlength=n)
    arg = np.asarray(known.argmax(axis=1)).ravel()
    return np.where((top > 0) & (n_top == 1), arg, -1).astype(np.int64)


def unknown_neighbourhoods(view: "ItemView", u: int, *, min_items: int, confidence_level: float = 0.95,
                           n_examples: int = 6) -> pd.DataFrame:
    """Where Unknown is used more than elsewhere, per class (see the module docstring); columns :data:`UNKNOWN_COLUMNS`."""
    cats = view.categories
    counts = view.counts
    cls = _known_plurality(view, u)
    unk = np.asarray(counts[:, [u]].toarray()).ravel()
    has = cls >= 0
    codes = [c for c in range(len(cats)) if c != u]
    n_c = np.bincount(cls[has], minlength=len(cats))
    x_c = np.bincount(cls[has], weights=(unk[has] > 0), minlength=len(cats)).astype(np.int64)
    total_n, total_x = int(n_c[codes].sum()), int(x_c[codes].sum())
    rows = []
    for c in codes:
        n, x = int(n_c[c]), int(x_c[c])
        rest_n, rest_x = total_n - n, total_x - x
        p = np.nan
        if n >= min_items and rest_n > 0:
            p = float(stats.fisher_exact([[x, n - x], [rest_x, rest_n - rest_x]], alternative="greater")[1])
        sel = np.flatnonzero((cls == c) & (unk > 0))
        g = view.gold[sel]
        sel = sel[np.lexsort((sel, -unk[sel]))]
        rows.append({"category": cats[c], "n_items": n, "n_items_with_unknown": x,
                     "share_elsewhere": rest_x / rest_n if rest_n else np.nan, "p_value": p,
                     "gold_category": int((g == c).sum()), "gold_unknown": int((g == u).sum()),
                     "gold_other": int(((g >= 0) & (g != c) & (g != u)).sum()),
                     "example_items": tuple(view.ids[sel[:n_examples]])})
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=UNKNOWN_COLUMNS)
    k, n = table["n_items_with_unknown"].to_numpy(), table["n_items"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share"] = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    table["ci_low"], table["ci_high"] = _cp(k, n, confidence_level)
    tested = table["p_value"].notna().to_numpy()
    adjusted = np.full(len(table), np.nan)
    if tested.any():
        adjusted[tested] = multipletests(table.loc[tested, "p_value"], alpha=1 - confidence_level, method="holm")[1]
    table["p_adjusted"] = adjusted
    table["status"] = np.where(~tested, "too_few_items",
                               np.where(adjusted <= 1 - confidence_level, "applies", "not_elevated"))
    texts = [_unknown_texts(r, cats[u], min_items, confidence_level) for r in table.to_dict("records")]
    table["rule"], table["evidence"] = [t[0] for t in texts], [t[1] for t in texts]
    order = np.lexsort((table.index.to_numpy(), -table["share"].fillna(-1).to_numpy(),
                        table["status"].map({s: i for i, s in enumerate(UNKNOWN_STATUS)}).to_numpy()))
    return table.iloc[order].reset_index(drop=True)[UNKNOWN_COLUMNS]


def _unknown_texts(r: dict, unknown: str, min_items: int, cl: float) -> tuple[str | None, str]:
    c = r["category"]
    items = count_noun(int(r["n_items"]), f"'{c}' item")
    base = f"{r['n_items_with_unknown']} of {items} drew an '{unknown}' vote"
    if r["status"] == "too_few_items":
        return None, base + f": too few items to compare (need {min_items})."
    share = (f" ({r['share']:.0%}, {cl:.0%} CI {r['ci_low']:.0%}–{r['ci_high']:.0%}), against "
             f"{r['share_elsewhere']:.0%} of the other classes' items; one-sided Fisher exact test p = "
             f"{r['p_value']:.2g}, Holm-adjusted {r['p_adjusted']:.2g}")
    gold_n = r["gold_category"] + r["gold_unknown"] + r["gold_other"]
    gold = ""
    if gold_n:
        gold = (f". Gold on those items: '{c}' {r['gold_category']}, '{unknown}' {r['gold_unknown']}"
                + (f", another class {r['gold_other']}" if r["gold_other"] else ""))
    if r["status"] != "applies":
        return None, base + share + gold + "."
    rule = f"If unsure whether an item is '{c}', use '{unknown}'."
    if gold_n and r["gold_category"] > r["gold_unknown"]:
        rule += (f" (Gold decides most such items as '{c}': show them as borderline examples too, so that fewer "
                 f"need '{unknown}'.)")
    return rule, base + share + gold + "."
