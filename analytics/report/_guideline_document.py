"""The guideline document as plain text: every number formatted, nothing escaped (each renderer escapes for its format).

Shared by the HTML (:mod:`analytics.report.guideline_html`) and Markdown (:mod:`analytics.report.guideline_markdown`)
renderers, so both say the same things.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .._wording import count_noun

if TYPE_CHECKING:
    from ..taxonomy.guideline import ExampleItem, GuidelineCard, GuidelineCards

__all__ = ["document", "MAX_WATCH_ROWS", "alpha_change"]

#: Untested or not-significant lone-dissent patterns listed in the document (the result holds them all).
MAX_WATCH_ROWS = 8


def _num(value: float, fmt: str, undefined: str = "undefined") -> str:
    return undefined if value is None or not math.isfinite(float(value)) else format(float(value), fmt)


def alpha_change(score: float) -> str:
    """The hotspot score as text: ``+0.007``; under half a thousandth either way "less than 0.001" (never ``-0.000``)."""
    if score is None or not math.isfinite(float(score)):
        return "an undefined amount"
    return "less than 0.001" if abs(float(score)) < 0.0005 else format(float(score), "+.3f")


def _item(item: "ExampleItem") -> dict[str, Any]:
    really = None
    if item.reference is not None:
        really = f"{item.reference} ({item.reference_source})"
    return {"id": item.item_id, "votes": item.votes_text, "gold": item.gold, "really": really, "image": item.image}


def _gallery(g: Any, n_pairs: int) -> dict[str, Any]:
    verb = "raise" if g.score > 0 else "change"
    score = alpha_change(g.score)
    return {
        "title": f"{g.class_a} ↔ {g.class_b}", "other": g.other,
        "caption": (f"Rank {g.rank} of {n_pairs} confused pairs: merging them would {verb} Krippendorff's alpha by "
                    f"{score}; both labels were given to {count_noun(g.n_items, 'item')}."),
        "gold_note": g.gold_note, "examples": [_item(i) for i in g.items]}


def _card(card: "GuidelineCard", index: int, n_pairs: int, cards: "GuidelineCards") -> dict[str, Any]:
    facts = (f"{count_noun(card.n_items, 'item')} with this consensus · {count_noun(card.n_ratings, 'rating')} of this class · Fleiss' kappa of this "
             f"class against the rest {_num(card.kappa, '.2f')}")
    more = card.n_confused_pairs - len(card.borderline)
    return {
        "name": card.name, "anchor": f"class-{index}", "path": " › ".join(card.path), "definition": card.definition,
        "gap": card.definition_gap, "taxonomy_examples": list(card.taxonomy_examples), "is_unknown": card.is_unknown,
        "facts": facts, "enough": card.enough_items, "too_few_reason": card.too_few_reason,
        "correct": [_item(i) for i in card.correct],
        "correct_note": (f"{len(card.correct)} of {count_noun(card.n_correct_candidates, 'item')} on which every annotator "
                         f"(and gold, where present) says '{card.name}'."),
        "incorrect": [_item(i) for i in card.incorrect],
        "incorrect_note": (f"{len(card.incorrect)} of {count_noun(card.n_incorrect_candidates, 'item')} given '{card.name}' "
                           "whose gold or clear consensus is another class."),
        "galleries": [_gallery(g, n_pairs) for g in card.borderline],
        "more_pairs": (f"{count_noun(more, 'more confused pair')} {'involves' if more == 1 else 'involve'} '{card.name}' (fewer disagreements, or below "
                       f"max_pairs={cards.max_pairs})." if more > 0 and card.enough_items else None),
        "no_pairs": card.enough_items and card.n_confused_pairs == 0,
        "rules": [{"rule": r.rule, "evidence": r.evidence} for r in card.rules],
        "unknown": card.unknown_neighbourhood,
    }


def _watch(cards: "GuidelineCards") -> list[dict[str, Any]]:
    rows = cards.rules[cards.rules["status"].isin(["not_significant", "too_little_gold"])] if len(cards.rules) else []
    out = []
    for r in (rows.head(MAX_WATCH_ROWS).to_dict("records") if len(rows) else []):
        out.append({"pattern": f"{r['annotator'] or 'one annotator'}: '{r['given']}' against '{r['others']}'",
                    "n_items": f"{r['n_items']:,}", "gold": f"{r['gold_others']} / {r['gold_given']}",
                    "status": str(r["status"]).replace("_", " ")})
    return out


def _unknown_rows(cards: "GuidelineCards") -> list[dict[str, Any]]:
    table = cards.unknown_neighbourhoods
    out = []
    for r in table.to_dict("records") if len(table) and "share" in table.columns else []:
        share = "—" if r["status"] == "too_few_items" else (
            f"{r['share']:.0%} ({_num(r['ci_low'], '.0%')}–{_num(r['ci_high'], '.0%')})")
        out.append({"category": r["category"], "n_items": f"{r['n_items']:,}", "with_unknown": f"{r['n_items_with_unknown']:,}",
                    "share": share, "status": str(r["status"]).replace("_", " ")})
    return out


def document(cards: "GuidelineCards", *, created: datetime | None = None) -> dict[str, Any]:
    """The document's content (plain text) for :func:`render_guideline_html` / :func:`render_guideline_markdown`."""
    created = created or datetime.now(timezone.utc)
    n_pairs = cards.n_confused_pairs
    suggested = []
    seen = set()
    for c in cards.cards:
        for r in c.rules:
            if r.rule not in seen:
                seen.add(r.rule)
                suggested.append({"rule": r.rule, "evidence": r.evidence, "classes": ", ".join(r.classes)})
    n_untested = int(cards.rules["status"].isin(["too_little_gold", "no_gold"]).sum()) if len(cards.rules) else 0
    return {
        "title": f"Annotation guideline draft: {cards.source}",
        "meta": (f"Drafted from the data on {created:%Y-%m-%d %H:%M} UTC · {cards.n_items:,} items · "
                 f"{cards.n_annotators:,} annotators · {cards.n_gold_items:,} gold items"),
        "sentence": cards.sentence, "methods": list(cards.methods), "min_items_reason": cards.min_items_reason,
        "suggested": suggested, "rules_reason": cards.rules_reason, "unknown_reason": cards.unknown_reason,
        "watch": _watch(cards),
        "untested": (f"{count_noun(n_untested, 'lone-dissent pattern')} could not be tested for lack of gold." if n_untested
                     else None),
        "unknown_rows": _unknown_rows(cards),
        "cards": [_card(c, k, n_pairs, cards) for k, c in enumerate(cards.cards)],
    }
