"""score_images / embed_images on CPU: batching, inputs, transforms, progress, OOM back-off, validation."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from _scoring_helpers import make_tiny_cnn, per_item_reference
from analytics import AnnotationFileError, AnnotationSchemaError, InvalidParameterError, ModelError
from analytics.model.scoring import embed_images, image_transform, predictions_frame, score_images

MODEL = make_tiny_cnn()
PIXELS = np.random.default_rng(7).integers(0, 256, size=(37, 12, 12), dtype=np.uint8)
REFERENCE = per_item_reference(MODEL, PIXELS)


# -- batched == per item -------------------------------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(batch_size=st.integers(min_value=1, max_value=64))
def test_batched_equals_per_item_for_any_batch_size(batch_size):
    probs = score_images(MODEL, PIXELS, batch_size=batch_size, device="cpu")
    assert probs.shape == (37, 5) and probs.dtype == np.float64
    np.testing.assert_allclose(probs, REFERENCE, rtol=0, atol=1e-6)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize("batch_size", [1, 5, 64])
def test_file_paths_give_the_same_probabilities(png_paths, batch_size):
    probs = score_images(MODEL, png_paths, batch_size=batch_size, device="cpu")
    np.testing.assert_allclose(probs, REFERENCE, rtol=0, atol=1e-6)


def test_float_arrays_tensors_and_channel_axis():
    floats = PIXELS.astype(np.float32) / 255.0
    for images in (floats, floats[:, None], torch.from_numpy(floats), torch.from_numpy(PIXELS)):
        np.testing.assert_allclose(score_images(MODEL, images, batch_size=8, device="cpu"), REFERENCE, atol=1e-6)


def test_torch_dataset_with_targets():
    class Pairs(torch.utils.data.Dataset):
        def __len__(self):
            return len(PIXELS)

        def __getitem__(self, i):
            return torch.from_numpy(PIXELS[i]), i % 3  # (image, target) like torchvision datasets

    np.testing.assert_allclose(score_images(MODEL, Pairs(), batch_size=10, device="cpu"), REFERENCE, atol=1e-6)


def test_dataset_of_pil_images_uses_the_default_transform():
    class Pil(torch.utils.data.Dataset):
        def __len__(self):
            return len(PIXELS)

        def __getitem__(self, i):
            return Image.fromarray(PIXELS[i])

    np.testing.assert_allclose(score_images(MODEL, Pil(), batch_size=16, device="cpu"), REFERENCE, atol=1e-6)


def test_worker_processes_keep_the_order(png_paths):
    probs = score_images(MODEL, png_paths, batch_size=4, device="cpu", num_workers=2)
    np.testing.assert_allclose(probs, REFERENCE, atol=1e-6)


# -- transforms ----------------------------------------------------------------------------------------
def test_batch_transform_callable_on_arrays():
    probs = score_images(MODEL, PIXELS, device="cpu", transform=lambda x: 1.0 - x)
    expected = per_item_reference(MODEL, 255 - PIXELS)
    np.testing.assert_allclose(probs, expected, atol=1e-6)


def test_per_item_callable_on_files(png_paths):
    def flip(img):  # a PIL image in, an array out: mirror left-right
        return np.asarray(img, dtype=np.float32)[None, :, ::-1].copy() / 255.0

    probs = score_images(MODEL, png_paths, device="cpu", transform=flip)
    np.testing.assert_allclose(probs, per_item_reference(MODEL, PIXELS[:, :, ::-1]), atol=1e-6)


def test_normalization_and_resize_on_arrays_and_files(png_paths):
    t = image_transform(size=12, mean=[0.5], std=[0.25])
    with torch.no_grad():
        x = (torch.from_numpy(PIXELS).float()[:, None] / 255.0 - 0.5) / 0.25
        expected = torch.softmax(MODEL(x).double(), dim=1).numpy()
    np.testing.assert_allclose(score_images(MODEL, PIXELS, device="cpu", transform=t), expected, atol=1e-6)
    np.testing.assert_allclose(score_images(MODEL, png_paths, device="cpu", transform=t), expected, atol=1e-6)


def test_grayscale_conversion_of_rgb_files(tmp_path):
    rgb = np.random.default_rng(3).integers(0, 256, size=(6, 12, 12, 3), dtype=np.uint8)
    paths = []
    for k, img in enumerate(rgb):
        paths.append(str(tmp_path / f"c{k}.png"))
        Image.fromarray(img).save(paths[-1])
    grey = np.stack([np.asarray(Image.fromarray(img).convert("L")) for img in rgb])  # PIL's luma
    probs = score_images(MODEL, paths, device="cpu", transform=image_transform(grayscale=True))
    np.testing.assert_allclose(probs, per_item_reference(MODEL, grey), atol=1e-6)
    # the same conversion done per batch on an (N, 3, H, W) array agrees up to PIL's rounding to uint8
    on_batch = score_images(MODEL, rgb.transpose(0, 3, 1, 2), device="cpu", transform=image_transform(grayscale=True))
    np.testing.assert_allclose(on_batch, probs, atol=5e-3)


# -- outputs, precision, progress, model state ------------------------------------------------------
def test_probability_outputs_pass_through():
    model = torch.nn.Sequential(MODEL, torch.nn.Softmax(dim=1))
    probs = score_images(model, PIXELS, device="cpu", outputs="probabilities")
    np.testing.assert_allclose(probs, REFERENCE, atol=1e-6)
    with pytest.raises(ModelError, match="look like logits"):
        score_images(MODEL, PIXELS, device="cpu", outputs="probabilities")


def test_bf16_on_cpu_is_close_to_fp32():
    probs = score_images(MODEL, PIXELS, device="cpu", precision="bf16")
    np.testing.assert_allclose(probs, REFERENCE, atol=3e-2)
    assert not np.allclose(probs, REFERENCE, atol=1e-9, rtol=0)  # autocast really ran in bfloat16


def test_progress_callback_reports_every_batch():
    calls = []
    score_images(MODEL, PIXELS, batch_size=10, device="cpu", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 37), (10, 37), (20, 37), (30, 37), (37, 37)]


def test_training_flag_is_restored():
    model = make_tiny_cnn().train()
    score_images(model, PIXELS, device="cpu")
    assert model.training


# -- out-of-memory back-off ----------------------------------------------------------------------------
class FakeOOM(torch.nn.Module):
    """Raises an out-of-memory error for batches larger than ``limit`` (as CUDA would)."""

    def __init__(self, inner, limit, error):
        super().__init__()
        self.inner, self.limit, self.error, self.sizes = inner, limit, error, []

    def forward(self, x):
        self.sizes.append(len(x))
        if len(x) > self.limit:
            raise self.error
        return self.inner(x)


@pytest.mark.parametrize("error", [torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
                                   RuntimeError("DefaultCPUAllocator: not enough memory: you tried to allocate; "
                                                "out of memory")])
def test_out_of_memory_halves_the_batch_and_retries(error, caplog):
    model = FakeOOM(MODEL, limit=7, error=error)
    with caplog.at_level(logging.WARNING, logger="analytics.model.scoring"):
        probs = score_images(model, PIXELS, batch_size=32, device="cpu")
    np.testing.assert_allclose(probs, REFERENCE, atol=1e-6)
    assert model.sizes == [32, 16, 8] + [4] * 9 + [1]  # 32 → 16 → 8 fail, then 4-image batches to the end
    assert [r.getMessage() for r in caplog.records].count(
        "Out of memory on cpu at item 0; retrying with batch_size=4.") == 1


def test_out_of_memory_mid_run_resumes_where_it_failed():
    class LaterOOM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            if self.calls == 2:
                raise torch.OutOfMemoryError("CUDA out of memory")
            return MODEL(x)

    probs = score_images(LaterOOM(), PIXELS, batch_size=16, device="cpu")
    np.testing.assert_allclose(probs, REFERENCE, atol=1e-6)


def test_out_of_memory_with_batch_size_one_is_an_error():
    model = FakeOOM(MODEL, limit=0, error=torch.OutOfMemoryError("CUDA out of memory"))
    with pytest.raises(ModelError, match="even with batch_size=1"):
        score_images(model, PIXELS, batch_size=4, device="cpu")


def test_other_runtime_errors_are_not_retried():
    model = FakeOOM(MODEL, limit=0, error=RuntimeError("mat1 and mat2 shapes cannot be multiplied"))
    with pytest.raises(ModelError, match="shapes cannot be multiplied"):
        score_images(model, PIXELS, batch_size=4, device="cpu")
    assert model.sizes == [4]


# -- embeddings ----------------------------------------------------------------------------------------
def test_embeddings_are_the_input_of_the_last_linear_layer():
    emb = embed_images(MODEL, PIXELS, batch_size=9, device="cpu")
    with torch.no_grad():
        x = torch.from_numpy(PIXELS).float()[:, None] / 255.0
        expected = torch.relu(MODEL.hidden(torch.flatten(MODEL.features(x), 1))).numpy()
    assert emb.shape == (37, 16) and emb.dtype == np.float32
    np.testing.assert_allclose(emb, expected, atol=1e-6)
    named = embed_images(MODEL, PIXELS, layer="features", device="cpu")
    with torch.no_grad():
        np.testing.assert_allclose(named, torch.flatten(MODEL.features(x), 1).numpy(), atol=1e-6)


def test_torchscript_embeddings_match_the_module(tmp_path):
    path = tmp_path / "tiny.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit is deprecated in recent torch
        torch.jit.script(MODEL).save(str(path))
    np.testing.assert_allclose(embed_images(str(path), PIXELS, device="cpu"),
                               embed_images(MODEL, PIXELS, device="cpu"), atol=1e-6)
    with pytest.raises(InvalidParameterError, match="layer= needs an nn.Module"):
        embed_images(str(path), PIXELS, device="cpu", layer="features")


def test_embedding_layer_errors():
    with pytest.raises(InvalidParameterError, match="no layer 'nope'.*features"):
        embed_images(MODEL, PIXELS, device="cpu", layer="nope")
    conv_only = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten())
    with pytest.raises(ModelError, match="no nn.Linear"):
        embed_images(conv_only, PIXELS, device="cpu")


# -- validation ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    ({"batch_size": 0}, "batch_size"), ({"batch_size": 2.5}, "batch_size"), ({"batch_size": True}, "batch_size"),
    ({"num_workers": -1}, "num_workers"), ({"precision": "fp16"}, "precision"), ({"outputs": "scores"}, "outputs"),
    ({"device": "tpu"}, "device"), ({"progress": "yes"}, "progress"),
])
def test_invalid_options(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        score_images(MODEL, PIXELS, **{"device": "cpu", **kwargs})


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown without CUDA")
def test_cuda_requested_without_cuda():
    with pytest.raises(InvalidParameterError, match="no CUDA device"):
        score_images(MODEL, PIXELS, device="cuda")


@pytest.mark.parametrize("images, error, match", [
    (np.zeros(5), InvalidParameterError, r"\(N, H, W\)"),
    (np.zeros((0, 12, 12)), InvalidParameterError, "empty"),
    ([], InvalidParameterError, "No images"),
    ("one.png", InvalidParameterError, "single path"),
    ([1, 2], InvalidParameterError, "holds a int"),
    ({"a": 1}, InvalidParameterError, "got dict"),
    (["does/not/exist.png"], AnnotationFileError, "does/not/exist.png"),
])
def test_invalid_images(images, error, match):
    with pytest.raises(error, match=match):
        score_images(MODEL, images, device="cpu")


def test_unreadable_and_mismatched_images(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    with pytest.raises(AnnotationFileError, match="Cannot read image .*bad.png"):
        score_images(MODEL, [str(bad)], device="cpu")
    small, large = tmp_path / "s.png", tmp_path / "l.png"
    Image.fromarray(PIXELS[0]).save(small)
    Image.fromarray(np.zeros((13, 12), np.uint8)).save(large)
    with pytest.raises(AnnotationSchemaError, match="different shapes.*--input-size"):
        score_images(MODEL, [str(small), str(large)], device="cpu")


def test_model_failures_are_explained():
    with pytest.raises(ModelError, match=r"batch of shape \(37, 3, 12, 12\)"):
        score_images(MODEL, np.repeat(PIXELS[:, None], 3, axis=1), device="cpu")
    with pytest.raises(ModelError, match="returned .* for a batch of 37"):
        score_images(torch.nn.Identity(), PIXELS, device="cpu")


def test_predictions_frame_validation():
    probs = score_images(MODEL, PIXELS[:3], device="cpu")
    frame = predictions_frame(probs, ["a", "b", "c"], classes=list("vwxyz"))
    assert frame.columns.tolist() == ["item_id", *"vwxyz"] and frame["item_id"].tolist() == ["a", "b", "c"]
    with pytest.raises(InvalidParameterError, match="2 class names"):
        predictions_frame(probs, ["a", "b", "c"], classes=["v", "w"])
    with pytest.raises(InvalidParameterError, match="3 item ids"):
        predictions_frame(probs[:2], ["a", "b", "c"])
    with pytest.raises(InvalidParameterError, match="repeated: a"):
        predictions_frame(probs, ["a", "b", "a"])


def test_import_analytics_does_not_import_torch():
    code = ("import sys, analytics, analytics.model.scoring, analytics.model.near_duplicates, analytics.cli; "
            "print('torch' in sys.modules, 'PIL' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.split() == ["False", "False"]


def test_image_paths_from_an_annotation_set(tmp_path):
    import pandas as pd

    from analytics import load_annotations
    from analytics.model.scoring import image_paths

    def aset(images):
        return load_annotations(pd.DataFrame({"item_id": ["b", "a", "a"], "annotator_id": ["u", "u", "v"],
                                              "label": ["x", "y", "y"], "image": images}))

    paths = image_paths(aset(["img/b.png", "a.png", "a.png"]), root=tmp_path)
    assert paths.to_dict() == {"a": str(tmp_path / "a.png"), "b": str(tmp_path / "img" / "b.png")}
    assert paths.index.tolist() == ["a", "b"]  # item code order
    # issue 21: an absolute path has no folder to be checked against in a DataFrame: refused when loading
    refused = aset(["img/b.png", "/abs/a.png", "/abs/a.png"])
    assert refused.report.skipped_by_reason.to_dict() == {"image_refused": 2}
    with pytest.raises(AnnotationSchemaError, match="1 item has no image .*: a"):
        image_paths(refused, root=tmp_path)
    with pytest.raises(AnnotationSchemaError, match="more than one image: 'a'"):
        image_paths(aset(["b.png", "a1.png", "a2.png"]))
    with pytest.raises(AnnotationSchemaError, match="1 item has no image .*: b"):
        image_paths(aset([None, "a.png", "a.png"]))
    with pytest.raises(AnnotationSchemaError, match="no 'picture' column"):
        image_paths(aset(["b.png", "a.png", "a.png"]), column="picture")


def test_prefetch_thread_keeps_order_propagates_errors_and_stops_early():
    import threading

    from analytics.model._images import prefetch

    assert list(prefetch(iter(range(10)), prepare=lambda b: b * 2)) == [2 * k for k in range(10)]

    def failing():
        yield 1
        raise AnnotationFileError("Cannot read image 'x.png'")

    got = []
    with pytest.raises(AnnotationFileError, match="x.png"):
        for item in prefetch(failing(), prepare=lambda b: b):
            got.append(item)
    assert got == [1]
    produced = []
    stream = prefetch(iter(range(1000)), prepare=lambda b: produced.append(b) or b, depth=2)
    assert next(stream) == 0
    stream.close()  # the consumer gives up (as the OOM back-off does): the thread ends
    assert not any(t.name == "aqa-prefetch" and t.is_alive() for t in threading.enumerate())
    assert len(produced) < 10


def test_out_of_memory_in_the_batch_transform_also_backs_off():
    def transform(x):
        if len(x) > 10:
            raise torch.OutOfMemoryError("CUDA out of memory while converting")
        return x

    probs = score_images(MODEL, PIXELS, batch_size=37, device="cpu", transform=transform)
    np.testing.assert_allclose(probs, REFERENCE, atol=1e-6)
