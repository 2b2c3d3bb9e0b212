"""Fixtures for the scoring tests: a small seeded CNN, images as arrays and as PNG files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
from PIL import Image  # noqa: E402

from _scoring_helpers import TinyCNN, make_tiny_cnn  # noqa: E402


@pytest.fixture
def tiny_cnn() -> TinyCNN:
    return make_tiny_cnn()


@pytest.fixture(scope="module")
def pixels() -> np.ndarray:
    """37 random grey 12×12 images (uint8)."""
    return np.random.default_rng(7).integers(0, 256, size=(37, 12, 12), dtype=np.uint8)


@pytest.fixture
def png_paths(tmp_path: Path, pixels: np.ndarray) -> list[str]:
    paths = []
    for k, img in enumerate(pixels):
        path = tmp_path / f"img{k:03d}.png"
        Image.fromarray(img).save(path)
        paths.append(str(path))
    return paths
