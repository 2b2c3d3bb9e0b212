r"""From the analysis to the guideline: one card per class with its definition and correct, incorrect and borderline
examples, plus the rules the data suggests.

A guideline author documents each class with a clear definition, examples of correct and incorrect labels, and
explicit rules for the borderline cases (a visual library of where the line is drawn). :func:`guideline_cards`
drafts all of that from a pilot: the definition comes from the taxonomy (a marked gap where there is none), the
examples from the annotations (:mod:`analytics.taxonomy._guideline_examples`), the borderline galleries from the
confusion hotspots — ordered by the hotspot score, the exact gain of Krippendorff's alpha if the pair were merged
(:mod:`analytics.taxonomy.confusion`) — and the suggested rules from tests against gold and of the Unknown share
(:mod:`analytics.taxonomy._guideline_rules`). Everything is a draft for the author to edit.

:func:`analytics.report.guideline_html.render_guideline_html` and
:func:`analytics.report.guideline_markdown.render_guideline_markdown` turn the cards into a printable document.

References
----------
Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. https://repository.upenn.edu/asc_papers/43

Gonzalez, T. F. (1985). Clustering to minimize the maximum intercluster distance. Theoretical Computer Science 38,
293–306. https://doi.org/10.1016/0304-3975(85)90224-5

Tarone, R. E. (1990). A modified Bonferroni method for discrete data. Biometrics 46(2), 515–522.
https://doi.org/10.2307/2532084
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._reshape import require_in_memory
from .._wording import count_noun
from ..agreement._results import check_confidence_level
from ..exceptions import InvalidParameterError
from ._guideline_examples import ExampleItem, correct_examples, example_item, incorrect_examples, item_view
from ._guideline_results import BorderlineGallery, GuidelineCard, GuidelineCards, RuleSuggestion
from ._guideline_rules import RULE_COLUMNS, lone_dissent_rules, unknown_neighbourhoods
from .confusion import _per_class_kappa, hotspot_table, units

if TYPE_CHECKING:
    from .._schema import AnnotationSet
    from .._taxonomy_model import Taxonomy
    from ._guideline_examples import ItemView

__all__ = ["ExampleItem", "BorderlineGallery", "RuleSuggestion", "GuidelineCard", "GuidelineCards", "guideline_cards"]


def _check(n_examples: Any, min_items: Any, max_pairs: Any, consensus: Any, seed: Any, min_others: Any) -> None:
    for name, value, low in (("n_examples", n_examples, 0), ("min_items", min_items, 1), ("max_pairs", max_pairs, 0),
                             ("seed", seed, 0), ("min_others", min_others, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise InvalidParameterError(f"{name}= must be an integer ≥ {low}; got {value!r}.")
    if consensus not in ("majority_vote", "dawid_skene"):
        raise InvalidParameterError(f"consensus= must be 'majority_vote' or 'dawid_skene'; got {consensus!r}.")


def _taxonomy(aset: "AnnotationSet", taxonomy: Any) -> "Taxonomy | None":
    if taxonomy is None:
        return aset.taxonomy
    from .._taxonomy_model import load_taxonomy

    return load_taxonomy(taxonomy)


def _min_items_reason(min_items: int, confidence_level: float) -> str:
    n = max(min_items - 1, 1)
    upper = float(stats.beta.ppf(1 - (1 - confidence_level) / 2, 1, n))
    return (f"A class needs at least {min_items} consensus items before its card shows examples and rules (the "
            f"threshold class_balance uses before a per-class kappa counts as evidence). With {count_noun(n, 'item')}, even a "
            f"class without a single confusion has an error rate whose {confidence_level:.0%} Clopper–Pearson "
            f"interval reaches {upper:.0%}, so its examples would show chance more than the class.")


def _galleries(view: "ItemView", hot: pd.DataFrame, name: str, max_pairs: int) -> tuple[tuple, int]:
    mine = hot[(hot["class_a"] == name) | (hot["class_b"] == name)]
    out = []
    for rank, row in zip(mine.index[:max_pairs], mine.head(max_pairs).to_dict("records")):
        items = tuple(example_item(view, view.code_of(i)) for i in row["example_items"])
        score = float(row["score"]) if np.isfinite(row["score"]) else float("nan")
        out.append(BorderlineGallery(
            class_a=str(row["class_a"]), class_b=str(row["class_b"]),
            other=str(row["class_b"] if row["class_a"] == name else row["class_a"]), rank=int(rank) + 1,
            score=score, n_items=int(row["n_items"]), gold_verdict=row["gold_verdict"], gold_note=row["gold_note"],
            items=items))
    return tuple(out), len(mine)


def _card_rules(name: str, rules: pd.DataFrame, unknown: pd.DataFrame) -> tuple[RuleSuggestion, ...]:
    out = []
    for r in rules[(rules["status"] == "suggested") & ((rules["given"] == name) | (rules["others"] == name))
                   ].to_dict("records"):
        p = r["p_others"] if r["direction"] == "others" else r["p_given"]
        out.append(RuleSuggestion("lone_dissent", (r["given"], r["others"]), r["annotator"], r["rule"], r["evidence"],
                                  float(p), tuple(r["example_items"])))
    for r in unknown[(unknown["status"] == "applies") & (unknown["category"] == name)].to_dict("records"):
        out.append(RuleSuggestion("unknown_neighbourhood", (name,), None, r["rule"], r["evidence"],
                                  float(r["p_adjusted"]), tuple(r["example_items"])))
    return tuple(out)


def _methods(variety: str, consensus: str, n_examples: int, seed: int) -> tuple[str, ...]:
    spread = {
        "embeddings": "spread over the class by farthest-point (k-center) selection on the image embeddings given "
                      "(cosine distance), starting from the most typical item",
        "probabilities": "spread over the class by farthest-point (k-center) selection on the model's class "
                         "probabilities (Hellinger distance), starting from the most typical item",
        "random": f"a random sample (seed {seed}) of the items that qualify: there are no image embeddings or model "
                  "probabilities to spread them over the class",
    }[variety]
    vote = "majority vote" if consensus == "majority_vote" else "Dawid–Skene"
    return (
        f"Correct examples: up to {n_examples} items that every annotator (at least two) labelled with the class and "
        f"whose gold label, where there is one, agrees; {spread}.",
        f"Incorrect examples: items given the class at least once whose gold label — or, without gold, a consensus "
        f"({vote}) holding more than half the votes — is another class; gold-backed and most often mislabelled "
        "first, taking each confused class in turn.",
        "Borderline galleries: for each confused pair involving the class, the most evenly split items with their "
        "votes; pairs ordered by how much they cost agreement (the gain of Krippendorff's alpha if they were merged).",
        "Suggested rules: lone-dissent patterns tested against gold (exact binomial tests, Tarone's correction for "
        "the many patterns) and classes around which Unknown is used more than elsewhere (Fisher exact tests, Holm). "
        "They are suggestions: edit or drop them.",
    )


def guideline_cards(
    annotations: Any,
    *,
    taxonomy: Any = None,
    n_examples: int = 6,
    embeddings: Any = None,
    consensus: Literal["majority_vote", "dawid_skene"] = "majority_vote",
    min_items: int = 10,
    max_pairs: int = 4,
    min_others: int = 2,
    confidence_level: float = 0.95,
    seed: int = 0,
) -> GuidelineCards:
    r"""Draft guideline cards: for every class its definition, correct, incorrect and borderline examples, and rules.

    For each category of the set (the taxonomy's leaves and the inner classes used as labels):

    * the **definition** from the taxonomy, or a marked gap (``definition_gap``) where there is none;
    * **correct examples**: items every annotator and gold agree on, spread over the class's variety by farthest-point
      selection when ``embeddings`` are given or model probabilities are attached, else a seeded random sample;
    * **incorrect examples**: items given the class whose gold (else a more-than-half consensus) is another class,
      with what they really are;
    * a **borderline gallery** for each confused pair involving the class (at most ``max_pairs``): the most evenly split
      items with their votes, pairs ordered by the hotspot score
      :math:`\Delta\alpha_{ab}` (the exact change of Krippendorff's alpha if *a* and *b* were merged);
    * **suggested rules**: lone-dissent patterns where gold sides significantly with the others (or with the lone
      annotator), and whether "if unsure, use Unknown" applies around the class.

    Classes with fewer than ``min_items`` consensus items get no examples or rules; ``too_few_reason`` says so and
    why (``GuidelineCards.min_items_reason``).

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        Single-label annotations, in memory; gold, predictions, taxonomy and images are used when attached.
    taxonomy : path, mapping or Taxonomy, optional
        Where definitions come from (default: the set's taxonomy).
    n_examples : int
        Items per gallery (correct, incorrect, and each borderline pair).
    embeddings : array or DataFrame, optional
        Image embeddings (e.g. :func:`analytics.embed_images`): items × dimensions in item order, or a DataFrame
        indexed by item id (or with an ``item_id`` column), one row per item.
    consensus : {"majority_vote", "dawid_skene"}
        The consensus used where an item has no gold (and to count a class's items).
    min_items : int
        Consensus items a class needs before its card shows examples (default 10, as :func:`class_balance`).
    max_pairs : int
        Borderline galleries per card.
    min_others : int
        Lone-dissent rules: the other ratings an item needs (all of one class) for one dissent to be "lone".
    confidence_level : float
        Of the intervals; ``1 - confidence_level`` is the family-wise level of the rule tests.
    seed : int
        Of the random sample of correct examples when there is no variety space.

    Returns
    -------
    GuidelineCards

    References
    ----------
    Krippendorff (2011), https://repository.upenn.edu/asc_papers/43; Gonzalez (1985),
    https://doi.org/10.1016/0304-3975(85)90224-5; Tarone (1990), https://doi.org/10.2307/2532084

    Examples
    --------
    >>> from analytics import load_annotations
    >>> retail = load_annotations("sample_data/retail/annotations.csv", gold="sample_data/retail/gold.csv",
    ...                           taxonomy="sample_data/retail/taxonomy.yaml")
    >>> cards = guideline_cards(retail)
    >>> shirt = cards.card("Shirt")
    >>> shirt.definition
    'Woven top with a collar and a full button front, usually structured fabric.'
    >>> shirt.borderline[0].other, len(shirt.borderline[0].items)
    ('Blouse', 6)
    """
    check_confidence_level(confidence_level)
    _check(n_examples, min_items, max_pairs, consensus, seed, min_others)
    aset = _as_set(annotations)
    require_in_memory(aset, "guideline_cards", because="it shows individual items")
    unit_set = units(aset, "guideline_cards")
    tax = _taxonomy(aset, taxonomy)
    view = item_view(unit_set, aset, consensus=consensus, embeddings=embeddings)
    hot = hotspot_table(unit_set, top=None, n_examples=n_examples)
    u = unit_set.categories.index(aset.unknown_label) if aset.unknown_label in unit_set.categories else -1
    rules, rules_reason = _rules(view, unit_set, min_others, confidence_level, n_examples)
    unknown, unknown_reason = (unknown_neighbourhoods(view, u, min_items=min_items, confidence_level=confidence_level,
                                                      n_examples=n_examples), None) if u >= 0 else (
        pd.DataFrame(columns=["category", "status", "evidence"]),
        "the set has no Unknown/Other class: flag one with 'unknown: true' in the taxonomy so annotators can say "
        "they are unsure, and its use can be read per class")
    kappa = _per_class_kappa(unit_set)
    n_cons = np.bincount(view.consensus[view.consensus >= 0], minlength=len(view.categories))
    n_rat = np.asarray(view.counts.sum(axis=0)).ravel()
    reason = _min_items_reason(int(min_items), confidence_level)
    cards = []
    for c, name in enumerate(view.categories):
        entry = tax[name] if tax is not None and name in tax else None
        enough = bool(n_cons[c] >= min_items)
        correct, n_ok = correct_examples(view, c, n_examples, seed) if enough else ([], 0)
        wrong, n_wrong = incorrect_examples(view, c, n_examples) if enough else ([], 0)
        galleries, n_pairs = _galleries(view, hot, name, max_pairs) if enough else ((), int(
            ((hot["class_a"] == name) | (hot["class_b"] == name)).sum()))
        neighbourhood = None
        if u >= 0 and c != u and len(unknown):  # said only where someone reached for Unknown
            match = unknown[(unknown["category"] == name) & (unknown["n_items_with_unknown"] > 0)]
            neighbourhood = str(match["evidence"].iloc[0]) if len(match) else None
        cards.append(GuidelineCard(
            name=name, definition=entry.definition if entry is not None and entry.definition else None,
            definition_gap=not (entry is not None and entry.definition),
            path=tax.ancestors(name) if entry is not None else (), is_unknown=c == u,
            taxonomy_examples=tuple(entry.examples) if entry is not None else (),
            n_items=int(n_cons[c]), n_ratings=int(n_rat[c]), kappa=float(kappa[c]), enough_items=enough,
            too_few_reason=None if enough else (
                f"Only {count_noun(int(n_cons[c]), 'item')} {'has' if int(n_cons[c]) == 1 else 'have'} '{name}' as consensus (need {min_items}): no examples or rules "
                "are shown, because they would show chance more than the class. Collect more items of this class."),
            correct=tuple(example_item(view, i) for i in correct), n_correct_candidates=int(n_ok),
            incorrect=tuple(example_item(view, i, reference=True) for i in wrong), n_incorrect_candidates=int(n_wrong),
            borderline=galleries, n_confused_pairs=int(n_pairs),
            rules=_card_rules(name, rules, unknown) if enough else (), unknown_neighbourhood=neighbourhood))
    return _result(aset, tuple(cards), rules, unknown, rules_reason, unknown_reason, view.variety, consensus,
                   int(n_examples), int(min_items), int(max_pairs), int(seed), confidence_level, reason, len(hot))


def _as_set(annotations: Any) -> "AnnotationSet":
    from ..agreement._input import require_annotation_set

    return require_annotation_set(annotations)


def _rules(view: "ItemView", unit_set: "AnnotationSet", min_others: int, confidence_level: float,
           n_examples: int) -> tuple[pd.DataFrame, str | None]:
    if not unit_set.annotators_known:
        return pd.DataFrame(columns=RULE_COLUMNS), (
            "the annotators are anonymous (a counts table): a lone-dissent rule is about one annotator reading a class "
            "differently from the others, so it needs annotator ids (load the annotations with one row per rating)")
    table = lone_dissent_rules(view, unit_set, min_others=min_others, confidence_level=confidence_level,
                               n_examples=n_examples)
    if not (view.gold >= 0).any():
        return table, ("no gold labels are attached: a rule candidate needs gold on the items where one annotator "
                       "disagrees with all the others (attach a golden set with gold=)")
    if table.empty:
        return table, (f"no item has one dissenting rating against at least {min_others} others that all agree, "
                       "so there is no lone-dissent pattern to test")
    if not (table["status"].isin(["suggested", "not_significant"])).any():
        most = int((table["gold_others"] + table["gold_given"]).max())
        level = float(table["level"].iloc[0])
        return table, (f"every lone-dissent pattern has too little gold to test: at most {count_noun(most, 'gold item')} per "
                       f"pattern, and a test at level {level:.2g} needs at least "
                       f"{int(np.ceil(np.log2(1 / level)))}; add gold items where one annotator disagrees with the "
                       "others")
    return table, None


def _result(aset: "AnnotationSet", cards: tuple, rules: pd.DataFrame, unknown: pd.DataFrame, rules_reason: str | None,
            unknown_reason: str | None, variety: str, consensus: str, n_examples: int, min_items: int,
            max_pairs: int, seed: int, confidence_level: float, reason: str, n_pairs: int) -> GuidelineCards:
    few = sum(not c.enough_items for c in cards)
    gaps = sum(c.definition_gap for c in cards)
    n_rules = int((rules["status"] == "suggested").sum()) if len(rules) else 0
    n_unknown = int((unknown["status"] == "applies").sum()) if len(unknown) else 0
    sentence = (f"{count_noun(len(cards), 'class card')} from {count_noun(aset.n_items, 'item')}: {gaps} without a "
                f"definition, {few} with too few items to show examples (fewer than {min_items}); "
                f"{count_noun(n_rules, 'suggested rule')} from gold and {count_noun(n_unknown, 'class')} where 'if "
                "unsure, use Unknown' applies.")
    return GuidelineCards(
        cards=cards, rules=rules, unknown_neighbourhoods=unknown, rules_reason=rules_reason,
        unknown_reason=unknown_reason, variety=variety, consensus=consensus, source=str(aset.report.source),
        n_items=int(aset.n_items), n_annotators=int(aset.n_annotators),
        n_gold_items=0 if aset.gold is None else int(len(aset.gold)), n_confused_pairs=n_pairs, n_examples=n_examples, min_items=min_items,
        max_pairs=max_pairs, seed=seed, confidence_level=confidence_level, min_items_reason=reason,
        methods=_methods(variety, consensus, n_examples, seed), sentence=sentence)
