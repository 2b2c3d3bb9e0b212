"""The result types of :func:`analytics.taxonomy.guideline.guideline_cards` (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from ..exceptions import InvalidParameterError
from ..results import ResultMixin
from ._guideline_examples import ExampleItem

__all__ = ["ExampleItem", "BorderlineGallery", "RuleSuggestion", "GuidelineCard", "GuidelineCards"]


@dataclass(frozen=True)
class BorderlineGallery:
    """The most evenly split items of one confused pair that involves the card's class.

    Attributes
    ----------
    class_a, class_b : str
        The pair, in category order; ``other`` is the one that is not the card's class.
    rank : int
        The pair's rank among all confused pairs (1 = costs agreement most).
    score : float
        Change of Krippendorff's nominal alpha if the two classes were merged (the hotspot score).
    n_items : int
        Items on which both classes were used.
    gold_verdict, gold_note : str or None
        What gold says about the pair (:data:`analytics.taxonomy.confusion.GOLD_VERDICTS`).
    items : tuple of ExampleItem
        Most evenly split first, with their votes.
    """

    class_a: str
    class_b: str
    other: str
    rank: int
    score: float
    n_items: int
    gold_verdict: str | None
    gold_note: str | None
    items: tuple[ExampleItem, ...]


@dataclass(frozen=True)
class RuleSuggestion:
    """A rule the data suggests for a card: a suggestion with its evidence, never a settled rule.

    Attributes
    ----------
    kind : {"lone_dissent", "unknown_neighbourhood"}
    classes : tuple of str
        The classes the rule is about (given and others; or the class and Unknown).
    annotator : str or None
        The lone annotator of a lone-dissent rule (None when anonymous or for Unknown rules).
    rule : str
        The suggested wording.
    evidence : str
        Counts, interval and test.
    p_value : float
    example_items : tuple of str
    """

    kind: Literal["lone_dissent", "unknown_neighbourhood"]
    classes: tuple[str, ...]
    annotator: str | None
    rule: str
    evidence: str
    p_value: float
    example_items: tuple[str, ...]


@dataclass(frozen=True)
class GuidelineCard:
    """One class of the guideline.

    Attributes
    ----------
    name : str
    definition : str or None
        From the taxonomy; None is a gap the author must fill (``definition_gap``).
    definition_gap : bool
    path : tuple of str
        The class's ancestors in the taxonomy, top first.
    taxonomy_examples : tuple of str
        The taxonomy's written examples of the class.
    is_unknown : bool
        The Unknown/Other safety valve.
    n_items : int
        Items whose consensus is this class.
    n_ratings : int
        Ratings of this class.
    kappa : float
        The class's Fleiss kappa (one class against the rest); NaN when undefined.
    enough_items : bool
        ``n_items >= min_items``; otherwise ``too_few_reason`` says why no examples are shown.
    too_few_reason : str or None
    correct, incorrect : tuple of ExampleItem
        Correct examples, and items often given this class that are something else (``reference``).
    n_correct_candidates, n_incorrect_candidates : int
        How many items qualified.
    borderline : tuple of BorderlineGallery
        Confused pairs involving this class, costliest first (at most ``max_pairs``).
    n_confused_pairs : int
        Confused pairs involving this class in all.
    rules : tuple of RuleSuggestion
    unknown_neighbourhood : str or None
        How often this class's items drew an Unknown vote, compared with the others (None without an Unknown class).
    """

    name: str
    definition: str | None
    definition_gap: bool
    path: tuple[str, ...]
    taxonomy_examples: tuple[str, ...]
    is_unknown: bool
    n_items: int
    n_ratings: int
    kappa: float
    enough_items: bool
    too_few_reason: str | None
    correct: tuple[ExampleItem, ...]
    n_correct_candidates: int
    incorrect: tuple[ExampleItem, ...]
    n_incorrect_candidates: int
    borderline: tuple[BorderlineGallery, ...]
    n_confused_pairs: int
    rules: tuple[RuleSuggestion, ...]
    unknown_neighbourhood: str | None


@dataclass(frozen=True, eq=False)
class GuidelineCards(ResultMixin):
    """The draft guideline: one card per class, the suggested rules, and how everything was chosen.

    Attributes
    ----------
    cards : tuple of GuidelineCard
        In category order.
    rules : pandas.DataFrame
        Every lone-dissent pattern with its test (:data:`~analytics.taxonomy._guideline_rules.RULE_COLUMNS`),
        suggestions first.
    unknown_neighbourhoods : pandas.DataFrame
        Per class, its items' Unknown share and test (:data:`~analytics.taxonomy._guideline_rules.UNKNOWN_COLUMNS`).
    rules_reason, unknown_reason : str or None
        Why no rule of that kind could be tested (no gold, anonymous annotators, no Unknown class), and what to do.
    variety : {"embeddings", "probabilities", "random"}
        How correct examples were spread over the class.
    consensus : str
    source : str
        Where the annotations came from.
    n_items, n_annotators, n_gold_items : int
    n_confused_pairs : int
        Class pairs with at least one disagreement (the ranks of the borderline galleries count among them).
    n_examples, min_items, max_pairs, seed : int
    confidence_level : float
    min_items_reason : str
        Why classes below ``min_items`` show no examples.
    methods : tuple of str
        How each part was chosen, in words (for the document).
    sentence : str
    """

    cards: tuple[GuidelineCard, ...]
    rules: pd.DataFrame
    unknown_neighbourhoods: pd.DataFrame
    rules_reason: str | None
    unknown_reason: str | None
    variety: str
    consensus: str
    source: str
    n_items: int
    n_annotators: int
    n_gold_items: int
    n_confused_pairs: int
    n_examples: int
    min_items: int
    max_pairs: int
    seed: int
    confidence_level: float
    min_items_reason: str
    methods: tuple[str, ...]
    sentence: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.cards)

    def card(self, name: str) -> GuidelineCard:
        """The card of class ``name``."""
        for c in self.cards:
            if c.name == name:
                return c
        raise InvalidParameterError(f"No card for class {name!r}; classes are {list(self.names)[:20]}.")

    @property
    def suggested_rules(self) -> pd.DataFrame:
        """The lone-dissent patterns whose test passed (``status == "suggested"``)."""
        return self.rules[self.rules["status"] == "suggested"].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """One row per class: ``name, definition_gap, n_items, kappa, enough_items, n_correct, n_incorrect,
        n_borderline_pairs, n_rules``."""
        return pd.DataFrame([{
            "name": c.name, "definition_gap": c.definition_gap, "n_items": c.n_items, "kappa": c.kappa,
            "enough_items": c.enough_items, "n_correct": len(c.correct), "n_incorrect": len(c.incorrect),
            "n_borderline_pairs": len(c.borderline), "n_rules": len(c.rules)} for c in self.cards])
