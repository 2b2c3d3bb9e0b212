"""Regenerate the bundled sample data of Annotation QA.

Run from the repository root::

    python sample_data/make_samples.py [--out DIR] [--own-kernels]

It rewrites ``sample_data/digits/`` (a digit-recognition labeling pilot built from
scikit-learn's bundled handwritten digits, with PNG images and a small TorchScript
CNN) and ``sample_data/retail/`` (a synthetic retail-product pilot with a
hierarchical taxonomy and a multi-label tagging variant), then prints the numbers
the samples actually contain (see ``sample_data/README.md``). With ``--out DIR`` it writes
``DIR/digits/`` and ``DIR/retail/`` instead (the committed files are left alone), e.g. to check
that a regeneration reproduces them.

Everything is deterministic: numpy generators with fixed seeds, ``torch.manual_seed``,
deterministic torch algorithms, a single torch thread and, on x86-64, pinned CPU kernels
(``PINNED_KERNELS``). No network access is needed.
This script deliberately does not import the project's ``analytics`` package.

Why the kernels are pinned: training the CNN amplifies rounding differences. oneDNN, ATen and MKL
pick their kernels by the CPU (AVX2, AVX-512, ...); with the kernels this machine picks, a CPU
with AVX-512 trains weights up to 0.13 away from the committed ones and predictions up to 0.04
away (``tests/test_sample_data_determinism.py`` records the measurements). Pinned to AVX2 through
their environment variables, set here before torch is imported, every x86-64 CPU with AVX2 (with
or without AVX-512, Intel or AMD) writes the committed files byte for byte. Other architectures
(aarch64) have no such switch: there the model follows the local kernels, and the test compares it
with the tolerances it documents. ``--own-kernels`` leaves the kernel choice to the machine.
"""

from __future__ import annotations

import os
import platform
import sys

#: The CPU kernels the committed model was trained with (x86-64): oneDNN (convolutions), ATen's
#: vectorized ops and MKL (matrix products) at AVX2. Read by those libraries when torch loads, so
#: they are set before ``import torch`` and only when this file runs as the generator.
PINNED_KERNELS = {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2"}
X86_64 = platform.machine().lower() in {"x86_64", "amd64"}
if __name__ == "__main__" and X86_64 and "--own-kernels" not in sys.argv[1:]:
    os.environ.update(PINNED_KERNELS)

import argparse  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import sys
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from torch import nn  # noqa: E402

from analytics._atomic import atomic_target, write_bytes_atomic

sys.dont_write_bytecode = True  # keep sample_data/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    iso_utc, lognormal_durations, work_day_schedule, write_csv, write_yaml,
)
from _retail import make_retail, report_retail  # noqa: E402

HERE = Path(__file__).resolve().parent
DIGITS_DIR = HERE / "digits"
RETAIL_DIR = HERE / "retail"

SEED_DIGITS = 20260302
SEED_RETAIL = 20260316
SEED_TORCH = 0

DIGITS = [str(d) for d in range(10)]
UNKNOWN = "Unknown"
PER_CLASS_PER_ROUND = 25  # 10 classes x 25 x 2 rounds = 500 pilot items
GOLD_PER_CLASS_PER_ROUND = 3  # 60 golden items
ILLEGIBLE_PER_ROUND = (12, 13)  # 25 illegible items
MISSING_RATE = 0.08  # share of (non-golden item, annotator) pairs without a rating
ROUND_WEEKS = (date(2026, 3, 2), date(2026, 3, 9))  # Mondays of round 1 and round 2
IMAGE_SIZE = 32

# The specified confusions of ann_confuser, and visually plausible neighbours that
# every other error prefers over uniform noise.
PARTNER = {4: 9, 9: 4, 3: 8, 8: 3}
NEIGHBOURS = {
    0: [6, 8, 9], 1: [7, 4], 2: [7, 3], 3: [8, 5, 9], 4: [9, 1],
    5: [6, 3, 9], 6: [5, 0, 8], 7: [1, 2, 9], 8: [3, 9, 0], 9: [4, 7, 8],
}

TAXONOMY_DEFINITIONS = [
    "The digit zero, a single closed oval loop.",
    "The digit one, a single vertical stroke, optionally with a short flag or base.",
    "The digit two, an upper arc ending in a flat horizontal base.",
    "The digit three, two stacked open arcs opening to the left.",
    "The digit four, a vertical and a diagonal stroke joined by a bar; the top is often open.",
    "The digit five, a flat top bar, a short vertical stroke and an open lower belly.",
    "The digit six, a curved stem descending into a closed lower loop.",
    "The digit seven, a horizontal top bar with a long diagonal stroke.",
    "The digit eight, two stacked closed loops.",
    "The digit nine, a closed upper loop with a straight or curved descending tail.",
]


@dataclass(frozen=True)
class DigitAnnotator:
    """Simulated behaviour of one digits annotator (probabilities per annotation)."""

    annotator_id: str
    accuracy: float  # P(true digit) on a legible item (at the start of a round if drifting)
    unknown_share: float  # share of errors on legible items answered "Unknown" (unsure)
    neighbour_share: float  # share of wrong digits drawn from NEIGHBOURS, rest uniform
    unknown_on_illegible: tuple[float, float]  # P("Unknown") on illegible items, per round
    duration_median_s: float
    duration_sigma: float = 0.35
    duration_trend: float = 0.0  # relative change of the median duration over a round
    confusion: tuple[float, float] = (0.0, 0.0)  # P(partner label) for true 3/4/8/9, per round
    accuracy_end: float | None = None  # if set, accuracy drifts linearly to this value


ANNOTATORS = [
    DigitAnnotator("ann_expert", 0.98, 0.25, 0.8, (0.96, 0.96), 4.0),
    DigitAnnotator("ann_careful", 0.94, 0.30, 0.8, (0.55, 0.92), 7.0),
    DigitAnnotator("ann_confuser", 0.985, 0.10, 0.8, (0.45, 0.88), 4.5, confusion=(0.35, 0.10)),
    DigitAnnotator("ann_fast", 0.72, 0.03, 0.3, (0.25, 0.70), 1.5, duration_sigma=0.45),
    DigitAnnotator(
        "ann_drift", 0.96, 0.10, 0.8, (0.50, 0.85), 4.5, duration_trend=-0.4, accuracy_end=0.70
    ),
]


@dataclass(frozen=True)
class PilotItem:
    """One image of the digits pilot."""

    item_id: str
    source_index: int  # row in sklearn's load_digits()
    round: int
    true_digit: int
    illegible: bool
    gold: bool


def select_pilot_items(rng: np.random.Generator, targets: np.ndarray) -> list[PilotItem]:
    """Pick 500 pilot images (25 per digit per round), the golden set and the illegible ones.

    Per round and digit, the first 3 of the 25 images are golden; the illegible images
    are then drawn among the non-golden ones. Item order within a round is shuffled.
    """
    shuffled = {d: rng.permutation(np.flatnonzero(targets == d)) for d in range(10)}
    items: list[PilotItem] = []
    for rnd in (1, 2):
        lo = (rnd - 1) * PER_CLASS_PER_ROUND
        chosen = [
            (int(idx), d, k < GOLD_PER_CLASS_PER_ROUND)
            for d in range(10)
            for k, idx in enumerate(shuffled[d][lo : lo + PER_CLASS_PER_ROUND])
        ]
        non_gold = [i for i, (_, _, gold) in enumerate(chosen) if not gold]
        illegible = set(rng.choice(non_gold, ILLEGIBLE_PER_ROUND[rnd - 1], replace=False).tolist())
        for pos in rng.permutation(len(chosen)):
            idx, digit, gold = chosen[pos]
            item_id = f"d{len(items) + 1:04d}"
            items.append(PilotItem(item_id, idx, rnd, digit, pos in illegible, gold))
    return items


def render_digit(pixels: np.ndarray) -> np.ndarray:
    """8x8 sklearn digit (0..16, ink high) -> 32x32 uint8, dark ink on light, bilinear."""
    ink = np.round(pixels.reshape(8, 8) * (255.0 / 16.0)).astype(np.uint8)
    img = Image.fromarray(255 - ink).resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR)
    return np.asarray(img, dtype=np.uint8)


def load_png(path: Path) -> np.ndarray:
    """Read a PNG back as a uint8 grayscale array."""
    with Image.open(path) as img:
        return np.asarray(img.convert("L"), dtype=np.uint8)


def degrade(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Make an image illegible: a grey smudge over one random half plus strong pixel noise."""
    out = img.astype(np.float64)
    h = IMAGE_SIZE // 2
    half = [np.s_[:h, :], np.s_[h:, :], np.s_[:, :h], np.s_[:, h:]][int(rng.integers(4))]
    out[half] = rng.uniform(50, 110) + rng.normal(0, 25, out[half].shape)
    out += rng.normal(0, 70, out.shape)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


class DigitsCNN(nn.Module):
    """Tiny CNN: input (N, 1, 32, 32) float32 = PNG grey value / 255 (ink dark, 0..1).

    Output: (N, 10) logits for the classes "0".."9" in that order.
    """

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(32 * 8 * 8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = 1.0 - x  # PNG convention (dark ink on light) -> ink intensity, background 0
        return self.classifier(torch.flatten(self.features(x), 1))


def train_cnn(images: np.ndarray, labels: np.ndarray, epochs: int = 8) -> DigitsCNN:
    """Train DigitsCNN with Adam on uint8 32x32 images; ±2 px random shifts as augmentation."""
    torch.manual_seed(SEED_TORCH)
    gen = torch.Generator().manual_seed(SEED_TORCH)
    x_all = torch.from_numpy(images).float().div(255.0).unsqueeze(1)
    y_all = torch.from_numpy(labels).long()
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(x_all), generator=gen).split(32):
            dx, dy = torch.randint(-2, 3, (2,), generator=gen).tolist()
            padded = nn.functional.pad(x_all[batch], (2, 2, 2, 2), value=1.0)  # background
            x = padded[:, :, 2 + dy : 2 + dy + IMAGE_SIZE, 2 + dx : 2 + dx + IMAGE_SIZE]
            loss = nn.functional.cross_entropy(model(x), y_all[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


def predict_proba(model: nn.Module, images: np.ndarray) -> np.ndarray:
    """Softmax probabilities (float64) of the model for uint8 32x32 images."""
    with torch.no_grad():
        logits = model(torch.from_numpy(images).float().div(255.0).unsqueeze(1))
    return torch.softmax(logits.double(), dim=1).numpy()


def simulate_label(
    rng: np.random.Generator, ann: DigitAnnotator, item: PilotItem, progress: float
) -> str:
    """One simulated label; ``progress`` is 0..1 within the annotator's own round order."""
    true = item.true_digit
    others = [d for d in range(10) if d != true]
    if item.illegible:
        if rng.random() < ann.unknown_on_illegible[item.round - 1]:
            return UNKNOWN
        return str(true) if rng.random() < 0.3 else str(rng.choice(others))
    if true in PARTNER and rng.random() < ann.confusion[item.round - 1]:
        return str(PARTNER[true])
    acc = ann.accuracy
    if ann.accuracy_end is not None:
        acc += (ann.accuracy_end - ann.accuracy) * progress
    if rng.random() < acc:
        return str(true)
    if rng.random() < ann.unknown_share:
        return UNKNOWN
    if rng.random() < ann.neighbour_share:
        return str(rng.choice(NEIGHBOURS[true]))
    return str(rng.choice(others))


def missing_pairs(rng: np.random.Generator, items: list[PilotItem]) -> set[tuple[str, str]]:
    """(item, annotator) pairs without a rating: ~8 % outside the golden set, max 2 per item."""
    missing: set[tuple[str, str]] = set()
    for item in items:
        if item.gold:
            continue
        absent = [a.annotator_id for a in ANNOTATORS if rng.random() < MISSING_RATE]
        missing.update((item.item_id, a) for a in absent[:2])
    return missing


def simulate_annotations(rng: np.random.Generator, items: list[PilotItem]) -> list[list[object]]:
    """All annotation rows of both rounds, sorted by timestamp.

    Each annotator works one weekday per round (its own weekday, round 2 one week
    after round 1) through its items in its own random order.
    """
    missing = missing_pairs(rng, items)
    weekday = rng.permutation(len(ANNOTATORS))
    rows: list[tuple[str, str, str, str, int, str, str]] = []
    for rnd, monday in zip((1, 2), ROUND_WEEKS):
        round_items = [it for it in items if it.round == rnd]
        for a_idx, ann in enumerate(ANNOTATORS):
            todo = [it for it in round_items if (it.item_id, ann.annotator_id) not in missing]
            order = [todo[i] for i in rng.permutation(len(todo))]
            durations = lognormal_durations(
                rng, len(order), ann.duration_median_s, ann.duration_sigma, ann.duration_trend
            )
            day = monday + timedelta(days=int(weekday[a_idx]))
            stamps = work_day_schedule(rng, day, durations)
            for pos, (item, dur, ts) in enumerate(zip(order, durations, stamps)):
                label = simulate_label(rng, ann, item, pos / (len(order) - 1))
                rows.append((iso_utc(ts), ann.annotator_id, item.item_id, label, rnd,
                             f"{dur:.1f}", f"images/{item.item_id}.png"))
    rows.sort(key=lambda r: r[:3])
    return [[iid, aid, label, rnd, ts, dur, img] for ts, aid, iid, label, rnd, dur, img in rows]


def digits_taxonomy() -> dict:
    """taxonomy.yaml content: the ten digits plus the Unknown class."""
    classes: list[dict] = [
        {"name": name, "definition": text} for name, text in zip(DIGITS, TAXONOMY_DEFINITIONS)
    ]
    classes.append({
        "name": UNKNOWN,
        "definition": "illegible or ambiguous; use when less than 70% confident",
        "unknown": True,
    })
    return {"classes": classes}


def make_digits(out: Path) -> dict[str, float]:
    """Write the digits sample to ``out``; return the model accuracies."""
    rng = np.random.default_rng(SEED_DIGITS)
    data = load_digits()
    items = select_pilot_items(rng, data.target)

    if (out / "images").exists():
        shutil.rmtree(out / "images")
    (out / "images").mkdir(parents=True)
    pilot_imgs = []
    for item in items:
        img = render_digit(data.images[item.source_index])
        if item.illegible:
            img = degrade(img, rng)
        with atomic_target(out / "images" / f"{item.item_id}.png") as tmp:
            Image.fromarray(img).save(tmp, format="PNG", optimize=True)
        pilot_imgs.append(img)

    pilot_idx = {it.source_index for it in items}
    train_idx = np.array([i for i in range(len(data.target)) if i not in pilot_idx])
    train_imgs = np.stack([render_digit(data.images[i]) for i in train_idx])
    model = train_cnn(train_imgs, data.target[train_idx])
    with warnings.catch_warnings():  # torch.jit is deprecated in recent torch, still works
        warnings.simplefilter("ignore", DeprecationWarning)
        # TorchScript names the archive's records after the file ("digits_cnn/..."), so save under the final name
        # in a private folder, then publish the bytes atomically (a temp file name would rename the records)
        with tempfile.TemporaryDirectory(dir=out) as private:
            torch.jit.script(model).save(str(Path(private) / "digits_cnn.pt"))  # atomic: a private folder
            write_bytes_atomic(out / "digits_cnn.pt", (Path(private) / "digits_cnn.pt").read_bytes())

    # Predict on the PNGs exactly as saved (degraded ones included).
    saved = np.stack([load_png(out / "images" / f"{it.item_id}.png") for it in items])
    assert np.array_equal(saved, np.stack(pilot_imgs))
    proba = predict_proba(model, saved)
    write_csv(out / "predictions.csv", ["item_id", *DIGITS],
              [[it.item_id, *(f"{p:.6f}" for p in row)] for it, row in zip(items, proba)])

    write_csv(out / "annotations.csv",
              ["item_id", "annotator_id", "label", "round", "timestamp", "duration_s", "image"],
              simulate_annotations(rng, items))
    write_csv(out / "gold.csv", ["item_id", "gold_label"],
              [[it.item_id, it.true_digit] for it in items if it.gold])
    write_csv(out / "truth.csv", ["item_id", "true_label", "illegible"],
              [[it.item_id, it.true_digit, str(it.illegible).lower()] for it in items])
    write_yaml(out / "taxonomy.yaml", digits_taxonomy())

    truth = np.array([it.true_digit for it in items])
    legible = ~np.array([it.illegible for it in items])
    hit = proba.argmax(axis=1) == truth
    train_hit = predict_proba(model, train_imgs).argmax(axis=1) == data.target[train_idx]
    return {"legible": hit[legible].mean(), "illegible": hit[~legible].mean(),
            "train": train_hit.mean(), "n_train": float(len(train_idx))}


def report_digits(out: Path, model_acc: dict[str, float]) -> None:
    """Print what the digits sample actually contains."""
    ann = pd.read_csv(out / "annotations.csv", dtype=str)
    truth = pd.read_csv(out / "truth.csv", dtype=str)
    df = ann.merge(truth, on="item_id")
    df["correct"] = df["label"] == df["true_label"]
    leg, ill = df[df["illegible"] == "false"], df[df["illegible"] == "true"]
    per_item = ann.groupby("item_id").size()
    n_open = (len(truth) - len(pd.read_csv(out / "gold.csv"))) * len(ANNOTATORS)
    print(f"digits: {len(ann)} annotations, {ann.item_id.nunique()} items, "
          f"{int((truth.illegible == 'true').sum())} illegible, ratings per item "
          f"{per_item.min()}-{per_item.max()} (mean {per_item.mean():.2f}), "
          f"missing pairs {len(truth) * len(ANNOTATORS) - len(ann)} of {n_open} non-golden")
    print("  accuracy vs truth on legible items (all / round 1 / round 2) | "
          "Unknown on illegible (r1 / r2) | median duration")
    for a in ANNOTATORS:
        a_leg = leg[leg.annotator_id == a.annotator_id]
        a_ill = ill[ill.annotator_id == a.annotator_id]
        acc = [a_leg.correct.mean()] + [a_leg[a_leg["round"] == r].correct.mean() for r in "12"]
        unk = [(a_ill[a_ill["round"] == r].label == UNKNOWN).mean() for r in "12"]
        dur = ann[ann.annotator_id == a.annotator_id].duration_s.astype(float).median()
        print(f"  {a.annotator_id:13s} {acc[0]:.3f} / {acc[1]:.3f} / {acc[2]:.3f} | "
              f"{unk[0]:.2f} / {unk[1]:.2f} | {dur:.1f} s")
    conf = leg[(leg.annotator_id == "ann_confuser") & leg.true_label.isin(["3", "4", "8", "9"])]
    partner = conf.true_label.astype(int).map(PARTNER).astype(str)
    rates = [(conf.label == partner)[conf["round"] == r].mean() for r in "12"]
    print(f"  ann_confuser partner-label rate on true 3/4/8/9: round 1 {rates[0]:.2f}, "
          f"round 2 {rates[1]:.2f}")
    drift = leg[leg.annotator_id == "ann_drift"].sort_values("timestamp")
    thirds = []
    for _, grp in drift.groupby("round"):
        n = len(grp)
        thirds.append([grp.correct.iloc[k * n // 3 : (k + 1) * n // 3].mean() for k in range(3)])
    first, mid, last = np.mean(thirds, axis=0)
    print(f"  ann_drift accuracy by thirds of each round: {first:.3f} / {mid:.3f} / {last:.3f}")
    print(f"  CNN accuracy: legible pilot {model_acc['legible']:.3f}, illegible pilot "
          f"{model_acc['illegible']:.3f}, train ({model_acc['n_train']:.0f} images) "
          f"{model_acc['train']:.3f}")


def kernels_in_use() -> str:
    """One line saying whether this process trains with ``PINNED_KERNELS`` or with the machine's own kernels.

    Starts with ``kernels: pinned`` only when every pinned variable holds and ATen reports AVX2 (so torch
    was imported after they were set and the CPU has AVX2); tests/test_sample_data_determinism.py reads it.
    """
    capability = torch.backends.cpu.get_cpu_capability()
    if X86_64 and capability == "AVX2" and all(os.environ.get(k) == v for k, v in PINNED_KERNELS.items()):
        return "kernels: pinned (" + ", ".join(f"{k}={v}" for k, v in PINNED_KERNELS.items()) + ")"
    return (f"kernels: this machine's own ({platform.machine()}, ATen {capability}); the model and predictions.csv "
            "may differ from the committed ones (tests/test_sample_data_determinism.py compares them with tolerances)")


def main(argv: list[str] | None = None) -> None:
    """Regenerate both samples (into ``sample_data/`` or ``--out DIR``) and print their summary statistics."""
    parser = argparse.ArgumentParser(description="Regenerate the bundled sample data of Annotation QA.")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="write DIR/digits/ and DIR/retail/ instead of the folders beside this script")
    parser.add_argument("--own-kernels", action="store_true",
                        help="train with the CPU kernels this machine picks instead of PINNED_KERNELS (x86-64)")
    args = parser.parse_args(argv)
    digits_dir = DIGITS_DIR if args.out is None else args.out / "digits"
    retail_dir = RETAIL_DIR if args.out is None else args.out / "retail"
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True)
    t0 = time.perf_counter()
    digits_dir.mkdir(parents=True, exist_ok=True)
    retail_dir.mkdir(parents=True, exist_ok=True)
    model_acc = make_digits(digits_dir)
    make_retail(retail_dir, np.random.default_rng(SEED_RETAIL))
    report_digits(digits_dir, model_acc)
    report_retail(retail_dir)
    print(kernels_in_use())
    print(f"done in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
