"""``aqa score``: run a model over the pilot's images and write a predictions table."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path
from typing import Any, Callable

from .._wording import count_noun
from ..exceptions import AnnotationQAError, AnnotationSchemaError, InvalidParameterError
from ._inputs import fail

EXAMPLES = """examples:
  aqa score sample_data/digits/digits_cnn.pt --annotations sample_data/digits/annotations.csv \\
      --grayscale --input-size 32 --out predictions.csv
  aqa score model.pt images/ --input-size 224 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 \\
      --classes cat,dog,bird --out predictions.csv
  aqa score weights.pt images/*.jpg --model-factory mypackage.models:build --out predictions.csv

The predictions table has item_id plus one probability column per class; load it with
'aqa validate annotations.csv --predictions predictions.csv' or analytics.load_predictions.
"""

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"})


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="score images with a torch model and write predictions",
                       description="Run a TorchScript model (or a state dict with --model-factory) over images in "
                                   "batches, on a GPU when there is one, and write item_id plus one probability "
                                   "column per class. Exit code 0 on success, 2 on invalid input.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", metavar="MODEL", help="TorchScript file, or a state-dict file with --model-factory")
    p.add_argument("images", nargs="*", metavar="IMAGES",
                   help="image files or folders (item id = file name without extension)")
    p.add_argument("--out", required=True, metavar="FILE", help="predictions CSV to write")
    src = p.add_argument_group("images from an annotations table")
    src.add_argument("--annotations", metavar="FILE",
                     help="take item ids and image paths from this annotations table instead of IMAGES")
    src.add_argument("--image-column", default=None, metavar="COLUMN",
                     help="column holding the image path (default: 'image' or a recognised alias)")
    src.add_argument("--image-root", "--root", dest="image_root", metavar="DIR",
                     help="folder the image paths start from and must lie in (default: the annotations file's "
                          "folder); paths outside it are refused")
    pre = p.add_argument_group("preprocessing")
    pre.add_argument("--input-size", metavar="N|H,W", help="resize images to N×N or H×W pixels")
    mode = pre.add_mutually_exclusive_group()
    mode.add_argument("--grayscale", dest="grayscale", action="store_const", const=True, default=None,
                      help="one grey channel (default: grey images stay grey, others become RGB)")
    mode.add_argument("--rgb", dest="grayscale", action="store_const", const=False, help="three RGB channels")
    pre.add_argument("--mean", metavar="M[,M,M]", help="per-channel mean subtracted after scaling to [0, 1]")
    pre.add_argument("--std", metavar="S[,S,S]", help="per-channel standard deviation divided by")
    run_g = p.add_argument_group("model and run")
    run_g.add_argument("--classes", metavar="A,B,...", help="class names of the model's outputs, in order "
                       "(default: 0, 1, …)")
    run_g.add_argument("--outputs", choices=["logits", "probabilities"], default="logits",
                       help="what the model returns (default: logits, softmax applied)")
    run_g.add_argument("--model-factory", metavar="MODULE:FUNCTION",
                       help="for a state dict: the function building the untrained nn.Module")
    run_g.add_argument("--batch-size", type=int, default=256, help="images per batch (default 256; halved on "
                       "out-of-memory)")
    run_g.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    run_g.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto",
                       help="auto: bf16 autocast on CUDA, fp32 on CPU")
    run_g.add_argument("--num-workers", type=int, default=0, help="image-decoding worker processes (default 0)")
    run_g.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..model.scoring import ProgressBar, image_transform, predictions_frame, score_images

    try:
        item_ids, paths = _images_from_args(args)
        transform = image_transform(size=_ints(args.input_size, "--input-size"), grayscale=args.grayscale,
                                    mean=_floats(args.mean, "--mean"), std=_floats(args.std, "--std"))
        classes = [c.strip() for c in args.classes.split(",")] if args.classes else None
        factory = _factory(args.model_factory) if args.model_factory else None
        start = time.perf_counter()
        probs = score_images(args.model, paths, batch_size=args.batch_size, device=args.device,
                             num_workers=args.num_workers, precision=args.precision, outputs=args.outputs,
                             transform=transform, model_factory=factory,
                             progress=None if args.quiet else ProgressBar(delay=1.0))
        elapsed = time.perf_counter() - start
        frame = predictions_frame(probs, item_ids, classes=classes)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        from ..safety import safe_csv

        safe_csv(frame, out, float_format="%.7g")  # item ids are untrusted text (CSV injection)
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    rate = len(frame) / elapsed if elapsed > 0 else float("inf")
    print(f"Scored {len(frame):,} images in {elapsed:.1f} s ({rate:,.0f} images/s); wrote {out} "
          f"({len(frame):,} rows, {probs.shape[1]} classes: {', '.join(frame.columns[1:11])}"
          f"{', …' if probs.shape[1] > 10 else ''}).")
    return 0


def _images_from_args(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """(item ids, image paths) from --annotations or from IMAGES."""
    if args.annotations and args.images:
        raise InvalidParameterError("Give either IMAGES or --annotations, not both.")
    if args.annotations:
        from ..io import load_annotations
        from ..model.scoring import image_paths

        root = Path(args.image_root) if args.image_root else Path(args.annotations).resolve().parent
        aset = load_annotations(args.annotations, image=args.image_column, image_root=root)
        refused = aset.report.skipped[aset.report.skipped["reason"] == "image_refused"]
        if len(refused):
            shown = "; ".join(f"{aset.report.unit} {r.row}: {r.detail}" for r in refused.head(5).itertuples())
            raise AnnotationSchemaError(
                f"{count_noun(len(refused), 'image reference')} of '{args.annotations}' "
                f"{'was' if len(refused) == 1 else 'were'} refused ({shown}"
                f"{' …' if len(refused) > 5 else ''}). aqa reads images only inside the image root {root}: move the "
                "images there, fix the paths, or name the folder that holds them with --image-root DIR.")
        series = image_paths(aset, root=root)
        return [str(i) for i in series.index], series.tolist()
    if not args.images:
        raise InvalidParameterError("No images: give image files or folders, or --annotations FILE.")
    paths: list[Path] = []
    for entry in map(Path, args.images):
        if entry.is_dir():
            found = sorted(p for p in entry.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise InvalidParameterError(f"Folder '{entry}' holds no image files ({', '.join(sorted(IMAGE_SUFFIXES))}).")
            paths.extend(found)
        else:
            paths.append(entry)
    ids = [p.stem for p in paths]
    seen: dict[str, Path] = {}
    for item, path in zip(ids, paths):
        if item in seen:
            raise InvalidParameterError(
                f"Two images have the item id '{item}' ({seen[item]}, {path}); item ids are file names without "
                "extension. Rename them, or list item ids and images in a table and use --annotations."
            )
        seen[item] = path
    return ids, [str(p) for p in paths]


def _split(text: str | None, flag: str, cast: Callable[[str], Any]) -> list[Any] | None:
    if text is None:
        return None
    try:
        return [cast(v) for v in text.replace("x", ",").split(",") if v.strip()]
    except ValueError:
        raise InvalidParameterError(f"{flag} expects comma-separated numbers; got '{text}'.") from None


def _ints(text: str | None, flag: str) -> Any:
    values = _split(text, flag, int)
    if values is None:
        return None
    if len(values) not in (1, 2):
        raise InvalidParameterError(f"{flag} expects N or H,W; got '{text}'.")
    return values[0] if len(values) == 1 else tuple(values)


def _floats(text: str | None, flag: str) -> list[float] | None:
    return _split(text, flag, float)


def _factory(spec: str) -> Callable[[], Any]:
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise InvalidParameterError(f"--model-factory expects MODULE:FUNCTION, e.g. mypackage.models:build; got '{spec}'.")
    sys.path.insert(0, str(Path.cwd()))
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise InvalidParameterError(f"Cannot import --model-factory '{spec}': {exc}.") from None
    finally:
        sys.path.pop(0)
    if not callable(obj):
        raise InvalidParameterError(f"--model-factory '{spec}' is not callable.")
    return obj
