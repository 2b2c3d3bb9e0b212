"""The bundled sample pilots, loaded in one call (for the dashboard, the docs and quick experiments)."""

from __future__ import annotations

from typing import Any

from ._schema import AnnotationSet
from .exceptions import InvalidParameterError

__all__ = ["sample_names", "sample_files", "load_sample"]


def _registry() -> dict[str, dict[str, Any]]:
    try:
        from sample_data import SAMPLES
    except ImportError:  # pragma: no cover - only when installed without the samples
        raise InvalidParameterError(
            "The bundled samples are not installed; install the project from its repository (pip install -e .)."
        ) from None
    return SAMPLES


def sample_names() -> list[str]:
    """Names of the bundled samples (``"digits"``, ``"retail"``, ``"retail-tags"``)."""
    return list(_registry())


def sample_files(name: str) -> dict[str, Any]:
    """Files and load options of one sample (paths are absolute; missing attachments are None)."""
    registry = _registry()
    if name not in registry:
        raise InvalidParameterError(f"Unknown sample {name!r}; available: {', '.join(registry)}.")
    return dict(registry[name])


def load_sample(name: str = "digits") -> AnnotationSet:
    """Load a bundled sample with its gold labels, predictions and taxonomy attached.

    Examples
    --------
    >>> aset = load_sample("digits")
    >>> aset.n_items, aset.n_annotators, aset.has_gold, aset.has_predictions
    (500, 5, True, True)
    """
    from .io import load_annotations

    files = sample_files(name)
    return load_annotations(files["annotations"], gold=files["gold"], predictions=files["predictions"],
                            taxonomy=files["taxonomy"], **files["options"])
