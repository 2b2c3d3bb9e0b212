"""The taxonomy: which classes are ambiguous, and what to change? Confusion hotspots between annotators, hierarchy-aware
agreement and the taxonomy check, what-if merges and splits, one diagnosis per class pair, ranked redesign
recommendations, the Unknown/Other share, class balance, round-over-round comparison and the guideline cards drafted
from them — next to the taxonomy model itself (:class:`Taxonomy`, :func:`load_taxonomy`, defined in
:mod:`analytics._taxonomy_model`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The taxonomy model lives in the core (the data contract needs it and it imports no analysis); offered here
# so that ``from analytics.taxonomy import Taxonomy, load_taxonomy`` keeps working.
from .._taxonomy_model import (
    TaxonomyClass,
    Taxonomy,
    TaxonomyProblem,
    load_taxonomy,
    taxonomy_problems,
    parse_classes,
    read_taxonomy_file,
)

#: Public names of this package's modules, imported on first use (PEP 562).
_LAZY: dict[str, str] = {
    "ConfusionMatrix": ".confusion",
    "confusion_hotspots": ".confusion",
    "confusion_matrix_between_annotators": ".confusion",
    "TaxonomyCheck": ".hierarchy",
    "agreement_by_level": ".hierarchy",
    "check_taxonomy": ".hierarchy",
    "rollup_annotations": ".hierarchy",
    "SimulationResult": ".simulate",
    "SimulationSide": ".simulate",
    "simulate_merge": ".simulate",
    "simulate_split": ".simulate",
    "UnknownShare": ".unknown",
    "unknown_share": ".unknown",
    "ClassBalance": ".imbalance",
    "class_balance": ".imbalance",
    "RoundComparison": ".rounds",
    "compare_rounds": ".rounds",
    "Recommendation": ".recommend",
    "TaxonomyRecommendations": ".recommend",
    "recommend_taxonomy_changes": ".recommend",
    "PairDiagnoses": ".pairs",
    "diagnose_class_pairs": ".pairs",
    "GuidelineCard": ".guideline",
    "GuidelineCards": ".guideline",
    "guideline_cards": ".guideline",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # static analysers see the eager imports
    from .confusion import confusion_hotspots, confusion_matrix_between_annotators, ConfusionMatrix
    from .hierarchy import agreement_by_level, check_taxonomy, rollup_annotations, TaxonomyCheck
    from .simulate import simulate_merge, simulate_split, SimulationResult, SimulationSide
    from .unknown import unknown_share, UnknownShare
    from .imbalance import class_balance, ClassBalance
    from .rounds import compare_rounds, RoundComparison
    from .recommend import recommend_taxonomy_changes, Recommendation, TaxonomyRecommendations
    from .pairs import diagnose_class_pairs, PairDiagnoses
    from .guideline import guideline_cards, GuidelineCard, GuidelineCards

__all__ = [
    "TaxonomyClass",
    "Taxonomy",
    "TaxonomyProblem",
    "load_taxonomy",
    "taxonomy_problems",
    "parse_classes",
    "read_taxonomy_file",
    "ConfusionMatrix",
    "confusion_hotspots",
    "confusion_matrix_between_annotators",
    "TaxonomyCheck",
    "agreement_by_level",
    "check_taxonomy",
    "rollup_annotations",
    "SimulationResult",
    "SimulationSide",
    "simulate_merge",
    "simulate_split",
    "UnknownShare",
    "unknown_share",
    "ClassBalance",
    "class_balance",
    "RoundComparison",
    "compare_rounds",
    "Recommendation",
    "TaxonomyRecommendations",
    "recommend_taxonomy_changes",
    "PairDiagnoses",
    "diagnose_class_pairs",
    "GuidelineCard",
    "GuidelineCards",
    "guideline_cards",
]
