"""The guideline draft as Markdown for a wiki: the same content as the HTML document, text escaped for Markdown.

Every piece of text from the data goes through :func:`analytics.safety.escape_markdown` (Markdown control characters
backslash-escaped, HTML characters as entities, line breaks as spaces), so a label such as ``<script>`` or
``[x](javascript:…)`` shows as typed and cannot break a table. Images are linked by their path relative to the
Markdown file's folder (``image_base``), URL-quoted; without a folder, or for a missing or remote image, the picture
is left out and the cell says why.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..safety import escape_markdown as md
from ._guideline_document import document
from ._thumbnails import relative_image_link

if TYPE_CHECKING:
    from ..taxonomy.guideline import GuidelineCards

__all__ = ["render_guideline_markdown"]


def _image_cell(item: dict[str, Any], base: "str | os.PathLike[str] | None") -> str:
    if item["image"] is None:
        return ""
    link, reason = relative_image_link(item["image"], base)
    if link is None:
        return f"*{md(reason)}*"
    return f"![item {md(item['id'])}]({link})"


def _gallery(items: list[dict[str, Any]], base: Any, *, really: bool) -> list[str]:
    if not items:
        return ["*(none)*", ""]
    with_images = any(i["image"] is not None for i in items)
    head = ["item", "votes", "gold"] + (["really"] if really else []) + (["image"] if with_images else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i in items:
        cells = [md(i["id"]), md(i["votes"]), md(i["gold"] or "—")]
        if really:
            cells.append(f"**{md(i['really'])}**" if i["really"] else "—")
        if with_images:
            cells.append(_image_cell(i, base))
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def _suggestion(r: dict[str, Any]) -> list[str]:
    return [f"- **Suggested (edit or drop):** {md(r['rule'])}", f"  *Evidence:* {md(r['evidence'])}"]


def _rules_section(doc: dict[str, Any]) -> list[str]:
    out = ["## Rules the data suggests", ""]
    for r in doc["suggested"]:
        out += _suggestion(r)
    if not doc["suggested"]:
        out.append("*No rule passes its test on this data.*")
    out.append("")
    if doc["rules_reason"]:
        out += [f"Rules from gold: {md(doc['rules_reason'])}.", ""]
    if doc["untested"]:
        out += [md(doc["untested"]), ""]
    if doc["watch"]:
        out += ["### Patterns to watch (not evidence yet)", "",
                "| lone annotator: label against the others' | items | gold others / lone | status |", "|---|---|---|---|"]
        out += [f"| {md(w['pattern'])} | {w['n_items']} | {md(w['gold'])} | {md(w['status'])} |" for w in doc["watch"]]
        out.append("")
    out += ["### Where “if unsure, use Unknown” applies", ""]
    if doc["unknown_reason"]:
        out += [f"*Cannot be measured:* {md(doc['unknown_reason'])}.", ""]
    else:
        out += ["| class | items | with an Unknown vote | share (95% CI) | status |", "|---|---|---|---|---|"]
        out += [f"| {md(u['category'])} | {u['n_items']} | {u['with_unknown']} | {md(u['share'])} | {md(u['status'])} |"
                for u in doc["unknown_rows"]]
        out.append("")
    out += ["### How this draft was made", ""] + [f"- {md(m)}" for m in doc["methods"]]
    return out + ["", md(doc["min_items_reason"]), ""]


def _card(c: dict[str, Any], base: Any) -> list[str]:
    out = [f"## {md(c['name'])}" + (" (Unknown / Other)" if c["is_unknown"] else ""), ""]
    if c["path"]:
        out += [f"*{md(c['path'])} › {md(c['name'])}*", ""]
    if c["gap"]:
        out += [f"> **Definition missing.** Write what “{md(c['name'])}” is and what it is not — the incorrect "
                "examples and borderline pairs below show where people disagree.", ""]
    else:
        out += [f"> **Definition.** {md(c['definition'])}", ""]
    if c["taxonomy_examples"]:
        out += ["Examples in the taxonomy: " + "; ".join(md(e) for e in c["taxonomy_examples"]), ""]
    out += [md(c["facts"]), ""]
    if not c["enough"]:
        return out + [f"*{md(c['too_few_reason'])}*", ""]
    out += ["### Correct", "", md(c["correct_note"]), ""] + _gallery(c["correct"], base, really=False)
    out += [f"### Incorrect: given “{md(c['name'])}”, really something else", "", md(c["incorrect_note"]), ""]
    out += _gallery(c["incorrect"], base, really=True)
    out += ["### Borderline", ""]
    for g in c["galleries"]:
        note = md(g["caption"]) + (f" What gold says: {md(g['gold_note'])}." if g["gold_note"] else "")
        out += [f"#### {md(g['title'])}", "", note, ""] + _gallery(g["examples"], base, really=False)
    if c["no_pairs"]:
        out += ["*No confused pair involves this class.*", ""]
    if c["more_pairs"]:
        out += [md(c["more_pairs"]), ""]
    for r in c["rules"]:
        out += _suggestion(r) + [""]
    if c["unknown"]:
        out += [f"Unknown nearby: {md(c['unknown'])}", ""]
    return out


def render_guideline_markdown(cards: "GuidelineCards", *, image_base: "str | os.PathLike[str] | None" = None,
                              created: datetime | None = None) -> str:
    """The Markdown document of :func:`analytics.guideline_cards`.

    Parameters
    ----------
    cards : GuidelineCards
    image_base : path, optional
        The folder the Markdown file will live in: images are linked relative to it. None leaves them out (the cell
        says so), e.g. for a download that carries no image files.
    created : datetime, optional
        The date printed on the draft (default: now, UTC).

    Examples
    --------
    >>> from analytics import load_annotations, guideline_cards
    >>> retail = load_annotations("sample_data/retail/annotations.csv", taxonomy="sample_data/retail/taxonomy.yaml")
    >>> text = render_guideline_markdown(guideline_cards(retail))
    >>> text.splitlines()[0]
    '# Annotation guideline draft\\\\: annotations\\\\.csv'
    """
    doc = document(cards, created=created)
    out = [f"# {md(doc['title'])}", "", f"*{md(doc['meta'])}*", "",
           "> A draft drawn from the data: definitions come from the taxonomy, examples and borderline galleries from "
           "the annotations, rules from tests against gold. Nothing here is settled — edit before adopting.", "",
           md(doc["sentence"]), "", "**Classes:** " + " · ".join(md(c["name"]) for c in doc["cards"]), ""]
    out += _rules_section(doc)
    for c in doc["cards"]:
        out += _card(c, image_base)
    return "\n".join(out).rstrip() + "\n"
