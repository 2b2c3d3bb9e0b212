"""Label values of Label Studio results, shared by the full-JSON reader (:mod:`analytics.io.labelstudio`) and the
JSON_MIN/CSV reader (:mod:`analytics.io._labelstudio_min`).

A ``choices`` value holds its choices, a ``taxonomy`` value its paths (joined with :data:`PATH_SEP`, or the leaf
names with ``taxonomy_labels="leaf"``), a ``rating`` value its number; only texts and numbers can be labels.
"""

from __future__ import annotations

from typing import Any, Literal

from ..exceptions import AnnotationSchemaError
from ._tools import as_list

__all__ = ["PATH_SEP", "TaxonomyLabels", "labels_from_value", "plain", "check_leaf_labels"]

TaxonomyLabels = Literal["path", "leaf"]
#: Separator of the elements of a taxonomy path in a label (``"Suspect / Arrested"``).
PATH_SEP = " / "


def labels_from_value(kind: str, value: dict[str, Any], taxonomy_labels: TaxonomyLabels) -> list[str]:
    """The labels held by one classification result value (``choices``/``taxonomy``/``rating``)."""
    if kind == "choices":
        return [str(c) for c in as_list(value.get("choices")) if plain(c)]
    if kind == "taxonomy":
        out = []
        for path in as_list(value.get("taxonomy")):
            parts = [str(p) for p in (path if isinstance(path, list) else [path]) if plain(p)]
            if parts:
                out.append(PATH_SEP.join(parts) if taxonomy_labels == "path" else parts[-1])
        return out
    rating = value.get("rating")
    return [str(rating)] if plain(rating) else []


def plain(value: Any) -> bool:
    """A value that can be a label: a text or a number (not null, a list or an object)."""
    return isinstance(value, (str, int, float))


def check_leaf_labels(paths_by_leaf: dict[str, set[str]], source: str) -> None:
    """Refuse ``taxonomy_labels='leaf'`` when one leaf name stands for several paths."""
    clashes = {leaf: sorted(paths) for leaf, paths in paths_by_leaf.items() if len(paths) > 1}
    if clashes:
        shown = "; ".join(f"'{leaf}': {', '.join(map(repr, p))}" for leaf, p in list(clashes.items())[:5])
        raise AnnotationSchemaError(
            f"taxonomy_labels='leaf' would merge different classes of '{source}' that share a leaf name ({shown}). "
            "Use taxonomy_labels='path' (the default) to keep full paths."
        )
