"""Bundled sample pilots (see README.md); regenerate them with ``python sample_data/make_samples.py``."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

#: name → files and load options of each bundled sample.
SAMPLES: dict[str, dict] = {
    "digits": {
        "title": "Digits pilot (500 handwritten digits, 5 annotators, 2 rounds)",
        "annotations": HERE / "digits" / "annotations.csv",
        "gold": HERE / "digits" / "gold.csv",
        "predictions": HERE / "digits" / "predictions.csv",
        "taxonomy": HERE / "digits" / "taxonomy.yaml",
        "model": HERE / "digits" / "digits_cnn.pt",
        "options": {},
    },
    "retail": {
        "title": "Retail products (300 items, 3 annotators, 3-level taxonomy)",
        "annotations": HERE / "retail" / "annotations.csv",
        "gold": HERE / "retail" / "gold.csv",
        "predictions": None,
        "taxonomy": HERE / "retail" / "taxonomy.yaml",
        "model": None,
        "options": {},
    },
    "retail-tags": {
        "title": "Retail product tags (multi-label: colour, pattern, style)",
        "annotations": HERE / "retail" / "tags.csv",
        "gold": None,
        "predictions": None,
        "taxonomy": None,
        "model": None,
        "options": {"multilabel": True},
    },
}
