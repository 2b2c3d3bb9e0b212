"""The model: batch scoring of images with a torch model (CPU or GPU), safe model loading and image inputs, the model
versus the annotators (:func:`model_vs_human`, in :mod:`analytics.model.vs_human`) and near-duplicate images.

torch is imported only when a function that needs it runs: importing this package stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public names of this package's modules, imported on first use (PEP 562).
_LAZY: dict[str, str] = {
    "embed_images": ".scoring",
    "image_paths": ".scoring",
    "image_transform": ".scoring",
    "predictions_frame": ".scoring",
    "score_images": ".scoring",
    "NearDuplicateReview": ".near_duplicates",
    "difference_hash": ".near_duplicates",
    "find_near_duplicates": ".near_duplicates",
    "review_near_duplicates": ".near_duplicates",
    "near_duplicates_for": ".near_duplicates",
    "ModelVsHuman": ".vs_human.api",
    "model_vs_human": ".vs_human.api",
    "model_vs_human_arrays": ".vs_human.api",
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
    from .scoring import embed_images, image_paths, image_transform, predictions_frame, score_images
    from .near_duplicates import (
        difference_hash,
        find_near_duplicates,
        near_duplicates_for,
        NearDuplicateReview,
        review_near_duplicates,
    )
    from .vs_human.api import model_vs_human, model_vs_human_arrays, ModelVsHuman

__all__ = [
    "embed_images",
    "image_paths",
    "image_transform",
    "predictions_frame",
    "score_images",
    "NearDuplicateReview",
    "difference_hash",
    "find_near_duplicates",
    "review_near_duplicates",
    "near_duplicates_for",
    "ModelVsHuman",
    "model_vs_human",
    "model_vs_human_arrays",
]
