"""CPU and CUDA give the same disagreement analytics (skipped without a CUDA device)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from analytics import load_annotations, model_vs_human, model_vs_human_arrays  # noqa: E402
from tests.conftest import SAMPLES  # noqa: E402

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]

DIGITS = SAMPLES / "digits"
SCALARS = ("soft_label_cross_entropy", "soft_label_kl", "human_entropy", "expected_calibration_error",
           "expected_calibration_error_gold", "low_confidence_share", "n_confident_disagreements", "n_low_confidence")
TABLES = ("per_class", "confident_disagreements", "low_confidence_items", "reliability", "human_confusion",
          "model_confusion", "confusion_pairs", "by_level", "kappa_by_annotator", "kappa_matrix")


def assert_same(cpu, cuda):
    assert cuda.device.startswith("cuda") and cpu.device == "cpu"
    for name in ("accuracy_vs_consensus", "kappa_vs_consensus", "accuracy_vs_gold", "kappa_vs_gold"):
        np.testing.assert_allclose(getattr(cuda, name).value, getattr(cpu, name).value, rtol=1e-12, equal_nan=True)
    for name in SCALARS:
        np.testing.assert_allclose(getattr(cuda, name), getattr(cpu, name), rtol=1e-10, atol=1e-12, equal_nan=True)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(cuda, name), getattr(cpu, name), rtol=1e-10, atol=1e-12)


def test_cuda_equals_cpu_on_random_arrays():
    rng = np.random.default_rng(0)
    n, q = 200_003, 7
    probs = rng.dirichlet(np.full(q, 0.5), size=n)
    counts = rng.integers(0, 4, size=(n, q))
    gold = np.where(rng.random(n) < 0.3, rng.integers(0, q, n), -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cpu = model_vs_human_arrays(probs, counts, gold_codes=gold, device="cpu", batch_size=50_000)
        cuda = model_vs_human_arrays(probs, counts, gold_codes=gold, device="cuda", batch_size=50_000)
    assert_same(cpu, cuda)


def test_cuda_equals_cpu_on_the_digits():
    aset = load_annotations(DIGITS / "annotations.csv", gold=DIGITS / "gold.csv",
                            predictions=DIGITS / "predictions.csv", taxonomy=DIGITS / "taxonomy.yaml")
    assert_same(model_vs_human(aset, device="cpu"), model_vs_human(aset, device="cuda"))
