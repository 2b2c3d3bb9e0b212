"""CPU and CUDA give the same results (skipped without a CUDA device)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from _scoring_helpers import DIGITS, make_tiny_cnn
from analytics import load_annotations
from analytics.model.scoring import embed_images, image_paths, score_images

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]

MODEL = str(DIGITS / "digits_cnn.pt")


@pytest.fixture(scope="module")
def digit_paths() -> list[str]:
    return image_paths(load_annotations(str(DIGITS / "annotations.csv")), root=DIGITS).tolist()


def test_cuda_fp32_equals_cpu_on_the_digits(digit_paths):
    cpu = score_images(MODEL, digit_paths, device="cpu")
    cuda = score_images(MODEL, digit_paths, device="cuda", precision="fp32", num_workers=2)
    np.testing.assert_allclose(cuda, cpu, rtol=0, atol=1e-5)
    np.testing.assert_allclose(embed_images(MODEL, digit_paths, device="cuda", precision="fp32"),
                               embed_images(MODEL, digit_paths, device="cpu"), rtol=1e-4, atol=1e-4)


def test_cuda_bf16_agrees_with_cpu_on_the_digits(digit_paths):
    cpu = score_images(MODEL, digit_paths, device="cpu")
    auto = score_images(MODEL, digit_paths, device="cuda")  # bf16 autocast where supported
    assert np.abs(auto - cpu).max() < 0.05
    assert (auto.argmax(axis=1) == cpu.argmax(axis=1)).mean() > 0.99


def test_cuda_module_arrays_and_embeddings_equal_cpu():
    model = make_tiny_cnn()
    pixels = np.random.default_rng(0).integers(0, 256, size=(300, 12, 12), dtype=np.uint8)
    cpu = score_images(model, pixels, device="cpu", batch_size=64)
    np.testing.assert_allclose(score_images(model, pixels, device="cuda", precision="fp32", batch_size=64), cpu,
                               atol=1e-5)
    resident = torch.from_numpy(pixels).cuda()  # already on the device: sliced there, no transfer
    np.testing.assert_allclose(score_images(model, resident, device="cuda", precision="fp32"), cpu, atol=1e-5)
    np.testing.assert_allclose(embed_images(model.cpu(), pixels, device="cuda", precision="fp32"),
                               embed_images(model.cpu(), pixels, device="cpu"), atol=1e-4)
