"""``scipy.sparse`` imported on first use.

Importing SciPy's sparse package costs about 0.15 s (with numpy 2 its array-API layer also imports
``numpy.f2py`` and ``numpy.testing``), a tenth of a whole ``aqa check`` on a million annotations, and a set
whose count tables are dense never needs it. Modules import ``sparse`` from here instead of from SciPy; it
behaves as the module itself, and ``sparse.issparse`` answers for numpy arrays without importing it.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

__all__ = ["sparse"]


class _LazySparse:
    """``scipy.sparse``, imported at the first attribute that needs it."""

    @staticmethod
    def issparse(value: Any) -> bool:
        return not isinstance(value, np.ndarray) and importlib.import_module("scipy.sparse").issparse(value)

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module("scipy.sparse"), name)


sparse: Any = _LazySparse()
