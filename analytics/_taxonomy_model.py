"""The class taxonomy: names, definitions, the parent–child hierarchy and the Unknown/Other class.

File format (YAML or JSON)::

    ordinal: false            # optional: true when the class order is an ordinal scale
    classes:
      - name: Apparel
        definition: Clothing worn on the body.
      - name: Tops
        parent: Apparel
      - name: Shirt
        parent: Tops
        definition: Collared, buttoned front.
        examples: ["oxford shirt"]
      - name: Other
        unknown: true       # the Unknown/Other safety valve

Labels may be leaf or inner classes. Level 1 is the top of the hierarchy; deeper levels count up.

This module is part of the core (the data contract needs the taxonomy) and imports no analysis. The analyses of
annotations against a taxonomy — :func:`rollup_annotations`, :func:`agreement_by_level` and :func:`check_taxonomy`
(with :class:`TaxonomyCheck`) — live in :mod:`analytics.taxonomy.hierarchy`; the package :mod:`analytics.taxonomy`
offers them next to :class:`Taxonomy` and :func:`load_taxonomy` (loaded on first use).
"""

from __future__ import annotations

import difflib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from .exceptions import AnnotationFileError, InvalidParameterError, TaxonomyError
from ._json import check_json_depth, data_depth, loads
from .limits import Limits, check_text_lengths, current_limits, limit_message, use_limits

__all__ = ["TaxonomyClass", "Taxonomy", "TaxonomyProblem", "load_taxonomy", "taxonomy_problems", "parse_classes",
           "read_taxonomy_file"]


@dataclass(frozen=True)
class TaxonomyClass:
    """One class of the taxonomy."""

    name: str
    parent: str | None = None
    definition: str | None = None
    examples: tuple[str, ...] = ()
    unknown: bool = False


@dataclass(frozen=True)
class Taxonomy:
    """A validated class taxonomy (see the module docstring for the file format).

    Attributes
    ----------
    classes : tuple of TaxonomyClass
        In file order, which is also the category order of annotation sets that use it.
    ordinal : bool
        Whether the class order is an ordinal scale (used by weighted coefficients).
    warnings : tuple of str
        Problems that do not prevent use (no Unknown/Other class, …).
    """

    classes: tuple[TaxonomyClass, ...]
    ordinal: bool = False
    warnings: tuple[str, ...] = ()
    _by_name: dict[str, TaxonomyClass] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.classes})

    # -- structure ---------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """Class names in file order."""
        return tuple(c.name for c in self.classes)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> TaxonomyClass:
        return self._by_name[name]

    def parent_of(self, name: str) -> str | None:
        """The parent class name (``None`` at the top level)."""
        return self._by_name[name].parent

    def children_of(self, name: str | None) -> tuple[str, ...]:
        """Direct children of ``name`` (``None``: the top-level classes), in file order."""
        return tuple(c.name for c in self.classes if c.parent == name)

    def ancestors(self, name: str) -> tuple[str, ...]:
        """``name``'s ancestors from the top level down, excluding ``name`` itself."""
        chain: list[str] = []
        parent = self._by_name[name].parent
        while parent is not None:
            chain.append(parent)
            parent = self._by_name[parent].parent
        return tuple(reversed(chain))

    def level_of(self, name: str) -> int:
        """Depth of a class: 1 for top-level classes, 2 for their children, …"""
        return len(self.ancestors(name)) + 1

    @property
    def depth(self) -> int:
        """Number of levels of the hierarchy (1 for a flat class list)."""
        return max((self.level_of(n) for n in self.names), default=0)

    @property
    def leaves(self) -> tuple[str, ...]:
        """Classes without children, in file order."""
        parents = {c.parent for c in self.classes}
        return tuple(n for n in self.names if n not in parents)

    @property
    def is_hierarchical(self) -> bool:
        return self.depth > 1

    @property
    def unknown_class(self) -> str | None:
        """The class flagged ``unknown: true`` (the Unknown/Other safety valve), if any."""
        return next((c.name for c in self.classes if c.unknown), None)

    def rollup(self, level: int) -> dict[str, str]:
        """Map every class to its ancestor at ``level`` (classes above ``level`` map to themselves)."""
        out = {}
        for name in self.names:
            path = self.ancestors(name) + (name,)
            out[name] = path[min(level, len(path)) - 1]
        return out

    def suggest(self, label: str, n: int = 3) -> list[str]:
        """Class names close to ``label`` (for error messages)."""
        lower = {name.casefold(): name for name in self.names}
        close = difflib.get_close_matches(label.casefold(), list(lower), n=n, cutoff=0.6)
        return [lower[c] for c in close]

    def to_dict(self) -> dict[str, Any]:
        """The taxonomy in its file format."""
        classes = []
        for c in self.classes:
            entry: dict[str, Any] = {"name": c.name}
            if c.parent is not None:
                entry["parent"] = c.parent
            if c.definition:
                entry["definition"] = c.definition
            if c.examples:
                entry["examples"] = list(c.examples)
            if c.unknown:
                entry["unknown"] = True
            classes.append(entry)
        return {"ordinal": self.ordinal, "classes": classes}

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "taxonomy") -> "Taxonomy":
        """Build and validate a taxonomy from its parsed file content."""
        if isinstance(data, list):
            data = {"classes": data}
        if not isinstance(data, Mapping) or "classes" not in data:
            raise TaxonomyError(
                f"{source}: a taxonomy needs a top-level 'classes' list, e.g. "
                "{'classes': [{'name': 'Car'}, {'name': 'Sedan', 'parent': 'Car'}]}."
            )
        raw = data["classes"]
        if not isinstance(raw, list) or not raw:
            raise TaxonomyError(f"{source}: 'classes' must be a non-empty list of classes.")
        limits = current_limits()
        if len(raw) > limits.max_categories:
            raise TaxonomyError(limit_message("max_categories", len(raw), f"{source} declares too many classes",
                                              limits))
        classes = parse_classes(data, source)
        check_text_lengths([c.name for c in classes], what="class name")
        ordinal = _flag(data.get("ordinal", False), "'ordinal'", source)
        return cls(tuple(classes), ordinal=ordinal, warnings=tuple(_check(classes, source)))

    @classmethod
    def from_names(cls, names: Iterable[str], *, ordinal: bool = False) -> "Taxonomy":
        """A flat taxonomy from a list of class names."""
        return cls.from_dict({"ordinal": ordinal, "classes": [{"name": n} for n in names]})


def parse_classes(data: Mapping[str, Any], source: str = "taxonomy") -> list[TaxonomyClass]:
    """The classes of parsed taxonomy content, each checked on its own (no structural checks)."""
    return [_parse_class(entry, i, source) for i, entry in enumerate(data["classes"])]


def _parse_class(entry: Any, index: int, source: str) -> TaxonomyClass:
    where = f"{source}: class #{index + 1}"
    if isinstance(entry, str):
        entry = {"name": entry}
    if not isinstance(entry, Mapping):
        raise TaxonomyError(f"{where} must be a mapping with at least 'name', got {type(entry).__name__}.")
    name = entry.get("name")
    if name is None or not str(name).strip():
        raise TaxonomyError(f"{where} has no 'name'.")
    unknown_keys = set(entry) - {"name", "parent", "definition", "examples", "unknown", "description"}
    if unknown_keys:
        raise TaxonomyError(
            f"{where} ('{name}') has unknown key{'s' if len(unknown_keys) != 1 else ''} {sorted(unknown_keys)}; allowed: name, parent, definition, "
            "examples, unknown."
        )
    examples = entry.get("examples") or ()
    if isinstance(examples, (str, int, float)):
        examples = (examples,)
    if not isinstance(examples, (list, tuple)) or any(isinstance(e, (list, dict)) for e in examples):
        raise TaxonomyError(f"{where} ('{name}'): 'examples' must be a list of texts.")
    for key in ("name", "parent", "definition", "description"):
        if isinstance(entry.get(key), (list, dict)):
            raise TaxonomyError(f"{where}: '{key}' must be a text, got a {type(entry[key]).__name__}.")
    parent = entry.get("parent")
    definition = entry.get("definition") or entry.get("description")
    return TaxonomyClass(
        name=str(name).strip(),
        parent=None if parent is None or str(parent).strip() == "" else str(parent).strip(),
        definition=None if definition is None else str(definition),
        examples=tuple(str(e) for e in examples),
        unknown=_flag(entry.get("unknown", False), f"'unknown' of {where}", source),
    )


def _flag(value: Any, what: str, source: str) -> bool:
    """A yes/no setting: a boolean (YAML ``true``/``false``/``yes``/``no``), or absent."""
    if value is None or isinstance(value, bool):
        return bool(value)
    raise TaxonomyError(f"{source}: {what} must be true or false, got {value!r}.")


@dataclass(frozen=True)
class TaxonomyProblem:
    """One problem of a taxonomy: ``kind`` (e.g. ``"cycle"``), ``severity`` (``"error"`` or ``"warning"``),
    the classes involved and a message that says how to fix it."""

    kind: str
    severity: str
    classes: tuple[str, ...]
    message: str


def taxonomy_problems(classes: list[TaxonomyClass], source: str = "taxonomy") -> list[TaxonomyProblem]:
    """Every structural problem of a class list, without raising (errors first, in checking order).

    Errors: ``duplicate_name`` (also names differing only in case), ``orphan`` (parent not defined),
    ``cycle``, ``several_unknown``. Warnings: ``missing_unknown``.
    """
    out: list[TaxonomyProblem] = []
    counts = Counter(c.name for c in classes)
    dup = sorted(n for n, k in counts.items() if k > 1)
    if dup:
        out.append(TaxonomyProblem("duplicate_name", "error", tuple(dup),
                                   f"{source}: duplicate class name{'s' if len(dup) != 1 else ''} {dup}; every class needs a unique name."))
    folded = Counter(c.name.casefold() for c in classes)
    near_dup = sorted({c.name for c in classes if folded[c.name.casefold()] > 1} - set(dup))
    if near_dup:
        out.append(TaxonomyProblem("duplicate_name", "error", tuple(near_dup),
                                   f"{source}: class names differing only in case {near_dup}; rename one of each."))
    names = {c.name for c in classes}
    orphans = sorted((c.name, c.parent) for c in classes if c.parent is not None and c.parent not in names)
    if orphans:
        detail = ", ".join(f"'{n}' → parent '{p}'" for n, p in orphans)
        out.append(TaxonomyProblem(
            "orphan", "error", tuple(n for n, _ in orphans),
            f"{source}: {'a parent class is' if len(orphans) == 1 else 'parent classes are'} not defined: {detail}. "
            "Add the parent classes or fix the names."))
    parent = {c.name: c.parent for c in classes}
    reported: set[frozenset[str]] = set()
    for c in classes:
        seen = [c.name]
        node = parent.get(c.name)
        while node is not None and node in parent:
            if node in seen:
                loop = seen[seen.index(node):]
                if frozenset(loop) not in reported:
                    reported.add(frozenset(loop))
                    cycle = " → ".join(loop + [node])
                    out.append(TaxonomyProblem(
                        "cycle", "error", tuple(loop),
                        f"{source}: the hierarchy has a cycle: {cycle}. A class cannot be its own ancestor."))
                break
            seen.append(node)
            node = parent[node]
    unknown = [c.name for c in classes if c.unknown]
    if not unknown:
        out.append(TaxonomyProblem(
            "missing_unknown", "warning", (),
            f"{source}: no class is flagged 'unknown: true'. Annotators need an Unknown/Other class for items "
            "they cannot place (confidence below 70%); add one so its share can be monitored."))
    elif len(unknown) > 1:
        out.append(TaxonomyProblem("several_unknown", "error", tuple(unknown),
                                   f"{source}: several classes are flagged unknown: {unknown}; flag exactly one."))
    return out


def _check(classes: list[TaxonomyClass], source: str) -> list[str]:
    """Raise on the first structural error; return warnings for the rest."""
    problems = taxonomy_problems(classes, source)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise TaxonomyError(errors[0].message)
    return [p.message for p in problems]


def load_taxonomy(source: "str | os.PathLike[str] | Mapping[str, Any] | Taxonomy", *,
                  limits: Limits | None = None) -> Taxonomy:
    """Load a taxonomy from a YAML/JSON file, a parsed mapping, or return a :class:`Taxonomy` as is.

    YAML is read with a safe loader: tags that build Python objects (``!!python/object`` …) are
    refused, and so are aliases to lists or mappings (``*anchor``), which can expand into billions of
    nodes ("billion laughs"); aliases to plain texts are allowed.

    Parameters
    ----------
    source : path, mapping or Taxonomy
    limits : analytics.limits.Limits, optional
        File size, nesting depth, number of classes and class-name length (default: from the environment).

    Returns
    -------
    Taxonomy

    Raises
    ------
    AnnotationFileError
        The file is missing, not valid YAML/JSON, uses refused YAML features, or is above a limit.
    TaxonomyError
        Duplicate names, undefined parents (orphans), cycles, several Unknown classes.

    Examples
    --------
    >>> tax = load_taxonomy({"classes": [{"name": "Car"}, {"name": "Sedan", "parent": "Car"},
    ...                                  {"name": "Other", "unknown": True}]})
    >>> tax.ancestors("Sedan"), tax.unknown_class
    (('Car',), 'Other')
    """
    if isinstance(source, Taxonomy):
        return source
    with use_limits(limits):
        if isinstance(source, Mapping) or isinstance(source, list):
            return Taxonomy.from_dict(source)  # type: ignore[arg-type]
        data, name = read_taxonomy_file(source)
        return Taxonomy.from_dict(data, source=name)


def read_taxonomy_file(source: "str | os.PathLike[str]") -> tuple[Any, str]:
    """The parsed content of a YAML/JSON taxonomy file (not validated) and the file's name.

    Reads with the safe loader and the current limits (see :func:`load_taxonomy`).
    """
    if not isinstance(source, (str, os.PathLike)):
        raise InvalidParameterError(f"taxonomy= must be a file path, a mapping or a Taxonomy, got "
                                    f"{type(source).__name__}.")
    path = Path(source)
    if not path.is_file():
        raise AnnotationFileError(f"Taxonomy file not found: '{path}'.")
    return _read_file(path, current_limits()), path.name


class _AliasRefused(Exception):
    pass


class _SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses aliases to lists and mappings (exponential expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            anchor = self.peek_event().anchor
            if isinstance(self.anchors.get(anchor), (yaml.SequenceNode, yaml.MappingNode)):
                raise _AliasRefused(anchor)
        return super().compose_node(parent, index)


def _read_file(path: Path, limits: Limits) -> Any:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise AnnotationFileError(limit_message("max_file_bytes", size, f"Taxonomy file '{path.name}' is too large",
                                                limits))
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    where = f"Taxonomy file '{path.name}'"
    try:
        if path.suffix.lower() == ".json":
            data = loads(text, where=where, limits=limits)
        else:
            check_json_depth(text, where=where, limits=limits)  # flow-style [ ] { } nesting, before parsing
            data = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as exc:
        raise AnnotationFileError(f"Cannot parse taxonomy file '{path}': {exc}".splitlines()[0]) from None
    except yaml.constructor.ConstructorError as exc:
        raise AnnotationFileError(
            f"{where} uses a YAML tag that builds objects ({exc.problem}); it is refused for safety. A taxonomy "
            "holds only mappings, lists, texts, numbers and true/false."
        ) from None
    except yaml.YAMLError as exc:
        raise AnnotationFileError(f"Cannot parse taxonomy file '{path}': {exc}".splitlines()[0]) from None
    except _AliasRefused as exc:
        raise AnnotationFileError(
            f"{where} refers back to the list or mapping anchored as '&{exc}' (a YAML alias '*{exc}'); such aliases "
            "are refused because they can expand into billions of nodes. Write the classes out in full."
        ) from None
    except RecursionError:
        raise AnnotationFileError(limit_message("max_json_depth", "more than 900", f"{where} nests too deeply",
                                                limits)) from None
    depth = data_depth(data, limits.max_json_depth)
    if depth > limits.max_json_depth:
        raise AnnotationFileError(limit_message("max_json_depth", depth, f"{where} nests too deeply", limits))
    return data
