"""Helpers shared by the scoring tests (imported by their conftest and test modules)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

DIGITS = Path(__file__).resolve().parents[2] / "sample_data" / "digits"


class TinyCNN(torch.nn.Module):
    """Conv → ReLU → pool → Linear → ReLU → Linear: 1×12×12 input, 5 logits."""

    def __init__(self) -> None:
        super().__init__()
        self.features = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
        self.hidden = torch.nn.Linear(4 * 6 * 6, 16)
        self.head = torch.nn.Linear(16, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.hidden(torch.flatten(self.features(x), 1)))
        return self.head(h)


def make_tiny_cnn(seed: int = 0) -> TinyCNN:
    torch.manual_seed(seed)
    return TinyCNN().eval()


def per_item_reference(model: torch.nn.Module, pixels: np.ndarray) -> np.ndarray:
    """The obvious loop: one image at a time, float64 softmax."""
    rows = []
    with torch.no_grad():
        for img in pixels:
            x = torch.from_numpy(img.astype(np.float32) / 255.0)[None, None]
            rows.append(torch.softmax(model(x).double(), dim=1)[0].numpy())
    return np.stack(rows)
