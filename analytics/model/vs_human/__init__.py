"""Model versus people: where a model's predictions and the annotators' consensus disagree, and why.

:func:`model_vs_human` (an annotation set) and :func:`model_vs_human_arrays` (arrays) live in
:mod:`~analytics.model.vs_human.api`; the private modules hold the streamed kernels (``_kernels``, ``_stream``),
the shared core (``_core``), the result tables (``_results``) and the model-as-annotator tables (``_annotators``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public names of this package's modules, imported on first use (PEP 562).
_LAZY: dict[str, str] = {
    "ModelVsHuman": ".api",
    "model_vs_human": ".api",
    "model_vs_human_arrays": ".api",
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
    from .api import model_vs_human, model_vs_human_arrays, ModelVsHuman

__all__ = [
    "ModelVsHuman",
    "model_vs_human",
    "model_vs_human_arrays",
]
