"""Label values of Label Studio results, shared by every Label Studio reader (exports and the server API).

A classification result holds its labels under its type: ``choices`` (a list of choices), ``taxonomy``
(a list of paths) or ``rating`` (a number). Taxonomy paths become labels joined with ``" / "``
(``["Suspect", "Arrested"]`` → ``"Suspect / Arrested"``), or only the leaf with ``taxonomy_labels="leaf"``.
"""

from __future__ import annotations

from typing import Any, Literal

from ..exceptions import AnnotationSchemaError
from ._tools import as_list

__all__ = ["CLASSIFICATION_TYPES", "PATH_SEP", "TaxonomyLabels", "GroundTruth", "labels_from_value",
           "check_leaf_labels", "is_plain"]

#: Result types read as classification labels.
CLASSIFICATION_TYPES = frozenset({"choices", "taxonomy", "rating"})
PATH_SEP = " / "
TaxonomyLabels = Literal["path", "leaf"]
GroundTruth = Literal["gold", "annotation", "both"]


def is_plain(value: Any) -> bool:
    """A value that can be a label: a text or a number (not null, a list or an object)."""
    return isinstance(value, (str, int, float))


def labels_from_value(kind: str, value: dict[str, Any], taxonomy_labels: TaxonomyLabels) -> list[str]:
    """The labels held by one classification result value (``choices``/``taxonomy``/``rating``)."""
    if kind == "choices":
        return [str(c) for c in as_list(value.get("choices")) if is_plain(c)]
    if kind == "taxonomy":
        out = []
        for path in as_list(value.get("taxonomy")):
            parts = [str(p) for p in (path if isinstance(path, list) else [path]) if is_plain(p)]
            if parts:
                out.append(PATH_SEP.join(parts) if taxonomy_labels == "path" else parts[-1])
        return out
    rating = value.get("rating")
    return [str(rating)] if is_plain(rating) else []


def check_leaf_labels(paths_by_leaf: dict[str, set[str]], source: str) -> None:
    """Refuse ``taxonomy_labels='leaf'`` when one leaf name stands for several paths."""
    clashes = {leaf: sorted(paths) for leaf, paths in paths_by_leaf.items() if len(paths) > 1}
    if clashes:
        shown = "; ".join(f"'{leaf}': {', '.join(map(repr, p))}" for leaf, p in list(clashes.items())[:5])
        raise AnnotationSchemaError(
            f"taxonomy_labels='leaf' would merge different classes of '{source}' that share a leaf name ({shown}). "
            "Use taxonomy_labels='path' (the default) to keep full paths."
        )
