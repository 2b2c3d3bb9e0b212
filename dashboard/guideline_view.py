"""One guideline card on a page (the Confusion & taxonomy page): definition, correct, incorrect and borderline
examples, suggested rules. Every text from the data is shown through :func:`analytics.safety.escape_markdown`.

Pictures are the item's image reference as the annotation set holds it, drawn by :func:`picture` — the one place
here that turns a reference into pixels: a thumbnail the server makes (:func:`analytics.report._thumbnails.thumbnail`,
which never downloads anything), or a placeholder saying why there is none; never an exception.
"""

from __future__ import annotations

import base64
from typing import Any

import streamlit as st

from analytics.report._guideline_document import alpha_change
from analytics.report._thumbnails import thumbnail
from analytics._wording import count_noun
from analytics.safety import escape_markdown

__all__ = ["show_card", "picture", "draft"]

_WIDTH = 96
_COLUMNS = 6


def draft(aset: Any) -> tuple[Any, bytes, bytes]:
    """``(cards, html, markdown)``: :func:`analytics.guideline_cards` of the set and the draft as downloads (HTML with
    the thumbnails embedded; Markdown without images, since no image files travel with a download). Cached by
    :func:`dashboard.services.guideline`, the one caller."""
    from analytics import guideline_cards, render_guideline_html, render_guideline_markdown

    cards = guideline_cards(aset)
    return cards, render_guideline_html(cards).encode(), render_guideline_markdown(cards).encode()


def picture(reference: str | None) -> str:
    """Draw one item's thumbnail, or a placeholder with the reason; returns ``"image"``, ``"placeholder"`` or ``"none"``."""
    if reference is None:
        return "none"
    thumb = thumbnail(reference, size=2 * _WIDTH)
    if thumb.data_uri is not None:
        st.image(base64.b64decode(thumb.data_uri.split(",", 1)[1]), width=_WIDTH)
        return "image"
    st.caption(":material/hide_image: " + escape_markdown(f"{thumb.reason}" + (f" — {thumb.name}" if thumb.name else "")))
    return "placeholder"


def _caption(item: Any) -> str:
    parts = [f"**{escape_markdown(item.item_id)}**", escape_markdown(item.votes_text)]
    if item.gold is not None:
        parts.append("gold: " + escape_markdown(item.gold))
    if item.reference is not None:
        parts.append(f"**really: {escape_markdown(item.reference)}** ({item.reference_source})")
    return "  \n".join(parts)


def _gallery(items: tuple, empty: str) -> None:
    if not items:
        st.caption(empty)
        return
    grid = st.columns(_COLUMNS)
    for k, item in enumerate(items):
        with grid[k % _COLUMNS]:
            picture(item.image)
            st.caption(_caption(item))


def _suggestion(rule: Any) -> None:
    with st.container(border=True):
        st.markdown(":orange[**Suggested rule — edit or drop before adopting.**] " + escape_markdown(rule.rule))
        st.caption("Evidence: " + escape_markdown(rule.evidence))


def show_card(card: Any, n_pairs: int) -> None:
    """The card of one class (``n_pairs``: confused pairs in all, for the galleries' ranks)."""
    st.subheader(escape_markdown(card.name) + (" (Unknown / Other)" if card.is_unknown else ""))
    if card.path:
        st.caption(escape_markdown(" › ".join(card.path + (card.name,))))
    if card.definition_gap:
        st.warning("**Definition missing.** Write what " + escape_markdown(card.name) + " is and what it is not: the "
                   "incorrect examples and borderline pairs below show where people disagree.")
    else:
        st.markdown("**Definition.** " + escape_markdown(card.definition))
    if card.taxonomy_examples:
        st.caption("Examples in the taxonomy: " + escape_markdown("; ".join(card.taxonomy_examples)))
    kappa = "undefined" if card.kappa != card.kappa else f"{card.kappa:.2f}"
    st.caption(f"{count_noun(card.n_items, 'item')} with this consensus · {count_noun(card.n_ratings, 'rating')} of this class · Fleiss' "
               f"kappa of this class against the rest {kappa}")
    if not card.enough_items:
        st.info(escape_markdown(card.too_few_reason))
        return
    st.markdown(f"**Correct** — {len(card.correct)} of {count_noun(card.n_correct_candidates, 'item')} every annotator (and "
                "gold, where present) gives this class")
    _gallery(card.correct, "No item has every annotator agreeing on this class.")
    st.markdown(f"**Incorrect** — {len(card.incorrect)} of {count_noun(card.n_incorrect_candidates, 'item')} given this class "
                "whose gold or clear consensus is another class")
    _gallery(card.incorrect, "No item given this class is clearly something else.")
    for g in card.borderline:
        change = alpha_change(g.score)
        st.markdown(f"**Borderline: {escape_markdown(g.class_a)} ↔ {escape_markdown(g.class_b)}** — rank {g.rank} of "
                    f"{n_pairs} confused pairs; merging them would change Krippendorff's alpha by {change}")
        if g.gold_note:
            st.caption("What gold says: " + escape_markdown(g.gold_note))
        _gallery(g.items, "No split item.")
    if not card.borderline:
        st.caption("No confused pair involves this class.")
    for rule in card.rules:
        _suggestion(rule)
    if card.unknown_neighbourhood:
        st.caption("Unknown nearby: " + escape_markdown(card.unknown_neighbourhood))
