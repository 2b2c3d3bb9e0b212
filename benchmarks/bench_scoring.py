"""Scoring throughput: batched ``score_images`` against a per-item loop, and the data pipeline's overhead.

(a) The digits sample CNN (TorchScript) on the 500 pilot PNGs and on a larger synthetic set:
    ``score_images`` against the obvious per-item loop (one ``model(x[None])`` per image), from files
    and from an in-memory array. Target: batched ≥ 5× faster.
(b) A ResNet-18-like network (plain torch, ~11M parameters; torchvision is not a dependency) on
    synthetic images: images/s of ``score_images`` fed from host memory (uint8 array → pinned → device)
    and from image files (DataLoader workers decode), against the same model fed tensors already
    resident on the device, and against the bare model loop. The ratios are the pipeline's overhead.

Prints one JSON object per line. Examples::

    python benchmarks/bench_scoring.py --device cpu --small      # smoke test (seconds)
    python benchmarks/bench_scoring.py --device cpu              # CPU figures for benchmarks/README.md
    python benchmarks/bench_scoring.py --device cuda             # on a GPU machine
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analytics import load_annotations  # noqa: E402
from analytics._atomic import atomic_target  # noqa: E402
from analytics.model._loading import optimized_for_inference  # noqa: E402
from analytics.model.scoring import image_paths, score_images  # noqa: E402

DIGITS = REPO / "sample_data" / "digits"


def emit(**record: Any) -> None:
    print(json.dumps(record), flush=True)


def best_of(repeat: int, fn: Callable[[], Any], *, warmup: bool = True) -> float:
    """Fastest wall time of ``repeat`` runs (after one warm-up run unless ``warmup=False``)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


# -- (a) the digits CNN: batched vs per item ---------------------------------------------------------
def load_digits_model() -> torch.jit.ScriptModule:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.load(str(DIGITS / "digits_cnn.pt")).eval()


def per_item_files(model: torch.nn.Module, paths: list[str]) -> np.ndarray:
    from PIL import Image

    rows = []
    with torch.inference_mode():
        for path in paths:
            with Image.open(path) as img:
                x = torch.from_numpy(np.asarray(img.convert("L"), dtype=np.float32) / 255.0)
            rows.append(torch.softmax(model(x[None, None]).double(), dim=1)[0].numpy())
    return np.stack(rows)


def per_item_array(model: torch.nn.Module, pixels: np.ndarray) -> np.ndarray:
    rows = []
    with torch.inference_mode():
        for img in pixels:
            x = torch.from_numpy(img.astype(np.float32) / 255.0)
            rows.append(torch.softmax(model(x[None, None]).double(), dim=1)[0].numpy())
    return np.stack(rows)


def bench_digits(args: argparse.Namespace) -> None:
    from PIL import Image

    model = load_digits_model()
    paths = image_paths(load_annotations(str(DIGITS / "annotations.csv")), root=DIGITS).tolist()
    if args.small:
        paths = paths[:100]
    pixels = np.stack([np.asarray(Image.open(p).convert("L")) for p in paths])
    rng = np.random.default_rng(0)
    n_synth = 2_000 if args.small else 10_000
    synthetic = pixels[rng.integers(0, len(pixels), n_synth)]
    synthetic = np.clip(synthetic.astype(int) + rng.integers(-20, 21, synthetic.shape), 0, 255).astype(np.uint8)

    def batched(images: Any) -> Callable[[], np.ndarray]:
        return lambda: score_images(model, images, batch_size=args.batch_size, device="cpu")

    # Two per-item baselines: the model as torch.jit.load returns it, and the same model after the
    # freeze + optimize_for_inference that score_images applies; the speed-up is against the faster.
    optimized = optimized_for_inference(model)
    cases = [("digits_files", paths, per_item_files), ("digits_array", pixels, per_item_array),
             ("synthetic_array", synthetic, per_item_array)]
    for name, images, loop in cases:
        n = len(images)
        batch = batched(images)
        diff = float(np.abs(loop(model, images) - batch()).max())  # also the warm-up of both
        loop(optimized, images)
        t_loop = best_of(args.repeat if n <= 1000 else 1, lambda: loop(model, images), warmup=False)
        t_loop_opt = best_of(args.repeat if n <= 1000 else 1, lambda: loop(optimized, images), warmup=False)
        t_batch = best_of(args.repeat, batch, warmup=False)
        baseline = min(t_loop, t_loop_opt)
        emit(bench="digits_cnn_cpu", case=name, n_images=n, batch_size=args.batch_size,
             per_item_s=round(t_loop, 4), per_item_optimized_s=round(t_loop_opt, 4), batched_s=round(t_batch, 4),
             per_item_images_per_s=round(n / baseline, 1), batched_images_per_s=round(n / t_batch, 1),
             speedup=round(baseline / t_batch, 2), target_speedup=5.0, max_abs_diff=diff,
             torch_threads=torch.get_num_threads())


# -- (b) ResNet-18-like: pipeline vs resident tensors ----------------------------------------------------
class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.down is None else self.down(x)))


class ResNet18Like(nn.Module):
    """ResNet-18 (He et al. 2016, doi:10.1109/CVPR.2016.90): 7×7 stem, 4 stages of 2 basic blocks, GAP, FC."""

    def __init__(self, n_classes: int = 1000) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        layers, cin = [], 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def write_jpegs(pixels: np.ndarray, folder: Path) -> list[str]:
    from PIL import Image

    paths = []
    for k, img in enumerate(pixels):
        path = folder / f"img{k:06d}.jpg"
        with atomic_target(path) as tmp:
            Image.fromarray(img.transpose(1, 2, 0)).save(tmp, format="JPEG", quality=90)
        paths.append(str(path))
    return paths


def bench_resnet(args: argparse.Namespace, device: torch.device) -> None:
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cudnn.benchmark = True
    n, size = args.resnet_images, args.resnet_size
    torch.manual_seed(0)
    model = ResNet18Like().eval()
    n_params = sum(p.numel() for p in model.parameters())
    rng = np.random.default_rng(1)
    # smooth-ish synthetic photos: low-resolution noise upsampled, so JPEG sizes are realistic
    low = rng.integers(0, 256, size=(n, 3, size // 8, size // 8), dtype=np.uint8)
    host = np.ascontiguousarray(low.repeat(8, axis=2).repeat(8, axis=3))
    precision = args.precision
    common = dict(batch_size=args.batch_size, device=str(device), precision=precision)
    resident = torch.from_numpy(host).to(device)
    workers = args.num_workers if args.num_workers is not None else min(8, os.cpu_count() or 1)

    def bare_model_loop() -> None:  # the model alone, on float tensors already on the device
        x_all = resident.float().div_(255.0)
        ctx = torch.autocast(device.type, dtype=torch.bfloat16) if (cuda and precision != "fp32") else None
        with torch.inference_mode():
            for i in range(0, n, args.batch_size):
                if ctx is None:
                    model(x_all[i:i + args.batch_size])
                else:
                    with ctx:
                        model(x_all[i:i + args.batch_size])
        if cuda:
            torch.cuda.synchronize()

    model.to(device)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_jpegs(host[: args.resnet_files], Path(tmp)) if args.resnet_files else []
        timings = {
            "resident_tensor": best_of(args.repeat, lambda: score_images(model, resident, **common)),
            "host_uint8_array": best_of(args.repeat, lambda: score_images(model, host, **common)),
            "bare_model_loop": best_of(args.repeat, bare_model_loop),
        }
        if paths:
            t_files = best_of(args.repeat, lambda: score_images(model, paths, num_workers=workers, **common))
    base = n / timings["resident_tensor"]
    for name, seconds in timings.items():
        emit(bench="resnet18_like", case=name, device=str(device), precision=precision, n_images=n,
             image_size=size, batch_size=args.batch_size, params=n_params, seconds=round(seconds, 4),
             images_per_s=round(n / seconds, 1), ratio_to_resident=round((n / seconds) / base, 3))
    if paths:
        emit(bench="resnet18_like", case="jpeg_files", device=str(device), precision=precision,
             n_images=len(paths), image_size=size, batch_size=args.batch_size, num_workers=workers,
             params=n_params, seconds=round(t_files, 4), images_per_s=round(len(paths) / t_files, 1),
             ratio_to_resident=round((len(paths) / t_files) / base, 3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    parser.add_argument("--small", action="store_true", help="tiny sizes: a smoke test that runs in seconds")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (best is reported)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])
    parser.add_argument("--num-workers", type=int, default=None, help="DataLoader workers for the file case")
    parser.add_argument("--resnet-images", type=int, default=None)
    parser.add_argument("--resnet-size", type=int, default=None)
    parser.add_argument("--resnet-files", type=int, default=None, help="JPEG files for the file case (0: skip)")
    parser.add_argument("--skip-digits", action="store_true")
    args = parser.parse_args()
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    cuda = device.type == "cuda"
    if cuda:  # (images, pixels, files) for the ResNet case
        n, size, files = (256, 64, 64) if args.small else (8192, 224, 4096)
    else:
        n, size, files = (16, 64, 16) if args.small else (256, 112, 128)
    args.resnet_images = args.resnet_images or n
    args.resnet_size = args.resnet_size or size
    args.resnet_files = files if args.resnet_files is None else args.resnet_files
    if args.small:
        args.repeat = min(args.repeat, 1)
    emit(bench="environment", torch=torch.__version__, device=str(device),
         gpu=torch.cuda.get_device_name(device) if cuda else None, cpu_count=os.cpu_count(),
         torch_threads=torch.get_num_threads(), small=args.small)
    if not args.skip_digits:
        bench_digits(args)
    bench_resnet(args, device)


if __name__ == "__main__":
    main()
