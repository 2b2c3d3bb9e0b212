"""Counts in words: "1 class", "6 classes" — never "6 class(es)" in a sentence a person reads."""

from __future__ import annotations

__all__ = ["count_noun", "beside_target"]

_IRREGULAR = {"class": "classes", "leaf class": "leaf classes", "parent class": "parent classes", "item": "items",
              "annotation": "annotations", "row": "rows", "annotator": "annotators"}


def count_noun(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` with the noun in the right number, thousands separated.

    Examples
    --------
    >>> count_noun(1, "class"), count_noun(6, "class"), count_noun(12000, "item")
    ('1 class', '6 classes', '12,000 items')
    """
    word = singular if n == 1 else (plural or _IRREGULAR.get(singular, singular + "s"))
    return f"{n:,} {word}"


def beside_target(x: float, target: float) -> str:
    """``x`` with the fewest decimals (2 to 5, else 6) that keep it on its side of ``target``: a bound of 0.797 below a
    0.80 target reads "0.797", not "0.80"."""
    for digits in (2, 3, 4, 5):
        text = f"{x:.{digits}f}"
        if (float(text) < target) == (x < target) and float(text) != target:
            return text
    return f"{x:.6f}"
