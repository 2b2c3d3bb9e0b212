"""Batch scoring of images with a torch model, on GPU when there is one (CPU fallback).

:func:`score_images` turns a model and a set of images into an items × classes probability array
(:func:`predictions_frame` makes it the predictions table the rest of the library reads);
:func:`embed_images` returns penultimate-layer embeddings for near-duplicate search
(:mod:`analytics.model.near_duplicates`).

torch (and PIL) are imported inside the functions: ``import analytics`` does not load them.

How a run goes
--------------
1. The model is resolved (:mod:`analytics.model._loading`): a TorchScript file (``torch.jit.load``), an
   ``nn.Module``, or a state dict with ``model_factory``. State-dict files are only ever read with
   ``torch.load(weights_only=True)``.
2. The images become batches (:mod:`analytics.model._images`): file paths and datasets go through a
   ``DataLoader`` (``num_workers`` processes, ``pin_memory`` on CUDA); arrays and tensors are sliced
   into views, with no per-item Python work.
3. Each batch moves to the device (``non_blocking``), ``uint8`` pixels become ``float32 / 255``, the
   batch step of the transform runs, and the model runs under ``torch.inference_mode()`` and, on CUDA
   with ``precision="auto"`` or ``"bf16"``, ``torch.autocast(dtype=torch.bfloat16)``.
4. Softmax is taken in float64; results are copied into one preallocated (pinned) host buffer.
5. On out-of-memory the batch size is halved and the failed batch retried (down to 1), then the run
   continues with the smaller size; a warning is logged.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any, Callable, Literal, Sequence

import numpy as np
import pandas as pd

from ._images import ImageTransform, image_paths, image_transform, make_source
from .._progress import ProgressBar, ProgressCallback, resolve_progress
from .._wording import count_noun
from ..exceptions import InvalidParameterError, ModelError

if TYPE_CHECKING:
    import torch

__all__ = [
    "score_images",
    "embed_images",
    "predictions_frame",
    "image_transform",
    "image_paths",
    "ImageTransform",
    "ProgressBar",
    "resolve_device",
]

logger = logging.getLogger(__name__)

Device = Literal["auto", "cpu", "cuda"]
Precision = Literal["auto", "fp32", "bf16"]
Outputs = Literal["logits", "probabilities"]


def score_images(
    model: Any,
    images: Any,
    *,
    batch_size: int = 256,
    device: Device | str = "auto",
    num_workers: int = 0,
    precision: Precision = "auto",
    outputs: Outputs = "logits",
    transform: Callable | ImageTransform | None = None,
    progress: ProgressCallback | bool | None = None,
    model_factory: Callable[[], Any] | None = None,
) -> np.ndarray:
    r"""Class probabilities of a model on a set of images, in batches.

    With ``outputs="logits"`` (the default) the model's outputs :math:`z` become probabilities by the
    softmax :math:`p_{ic} = e^{z_{ic}} / \sum_k e^{z_{ik}}`, computed in float64.

    Parameters
    ----------
    model : path, torch.nn.Module or mapping
        A TorchScript file (``torch.jit.load``), an ``nn.Module`` (moved to ``device`` in place, put in
        eval mode for the run and restored to its training flag afterwards), or a state dict (a file
        read with ``torch.load(weights_only=True)``, or a mapping) together with ``model_factory``.
    images : list of paths, numpy.ndarray, torch.Tensor or torch.utils.data.Dataset
        Image files (opened with PIL); an array or tensor of shape ``(N, H, W)`` or ``(N, C, H, W)``
        (``uint8`` pixels are divided by 255, floats are used as they are); or a map-style dataset whose
        items are images or ``(image, target)`` pairs.
    batch_size : int
        Images per batch (halved automatically on out-of-memory).
    device : {"auto", "cpu", "cuda"} or "cuda:N"
        ``"auto"``: the first CUDA device when torch sees one, else the CPU.
    num_workers : int
        DataLoader worker processes for file paths and datasets (arrays are sliced in-process).
    precision : {"auto", "fp32", "bf16"}
        ``"auto"``: bfloat16 autocast on CUDA devices that support it, float32 on the CPU. ``"bf16"``
        forces bfloat16 autocast (also on the CPU); ``"fp32"`` disables autocast.
    outputs : {"logits", "probabilities"}
        What the model returns; probabilities are passed through (and checked to lie in [0, 1]).
    transform : ImageTransform or callable, optional
        Preprocessing. An :class:`ImageTransform` (:func:`image_transform`) works for every input. Any
        other callable is applied to each item (a PIL image, or the dataset's item) for file paths and
        datasets, and to each float batch ``(B, C, H, W)`` on the device for arrays and tensors.
        Default: ``image_transform()`` (grey images stay grey, others become RGB; no resize; /255).
    progress : callable, bool or None
        ``progress(done, total)`` after every batch; ``True`` draws a :class:`ProgressBar` on stderr.
    model_factory : callable, optional
        Builds the untrained ``nn.Module`` a state dict is loaded into.

    Returns
    -------
    numpy.ndarray
        ``(n_images, n_classes)`` float64 probabilities, rows in input order.

    Raises
    ------
    ModelError
        The model cannot be loaded (missing, not TorchScript, unsafe pickle refused, weights do not fit)
        or fails on the images (wrong input shape or channels), returns the wrong shape, or returns NaN or
        infinite values for some image (the message lists them).
    InvalidParameterError, AnnotationFileError, AnnotationSchemaError
        Invalid options, missing or unreadable image files, images of different shapes.

    References
    ----------
    Peterson, J. C., Battleday, R. M., Griffiths, T. L., & Russakovsky, O. (2019). Human uncertainty makes
    classification more robust. ICCV 2019, 9617–9626. https://doi.org/10.1109/ICCV.2019.00971
    (model probabilities compared with human label distributions, as :mod:`analytics.model.vs_human` does).

    Examples
    --------
    >>> import torch
    >>> from analytics.model.scoring import score_images
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
    >>> probs = score_images(model, torch.rand(5, 1, 2, 2), batch_size=2, device="cpu")
    >>> probs.shape, bool(abs(probs.sum(axis=1) - 1).max() < 1e-12)
    ((5, 3), True)
    """
    _check_choice("outputs", outputs, ("logits", "probabilities"))
    import torch

    from ._loading import optimized_for_inference

    def head(net: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
        # TorchScript: frozen, conv-bn folded, weights pre-packed; the model as loaded if that fails to run
        nets = list(dict.fromkeys([optimized_for_inference(net), net]))

        def forward(x: torch.Tensor) -> Any:
            while True:
                try:
                    return nets[0](x)
                except RuntimeError as exc:
                    if len(nets) == 1 or _is_oom(exc):
                        raise
                    logger.debug("The optimized TorchScript model failed (%s); running it as loaded.", exc)
                    nets.pop(0)

        def run(x: torch.Tensor) -> torch.Tensor:
            out = forward(x)
            if not isinstance(out, torch.Tensor) or out.dim() != 2 or out.shape[0] != x.shape[0]:
                shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                raise ModelError(
                    f"The model returned {shape} for a batch of {x.shape[0]} images; scoring needs one "
                    "(batch, classes) tensor of logits or probabilities."
                )
            with torch.autocast(device_type=x.device.type, enabled=False):  # softmax in float64, never bf16
                out = out.double()
                return torch.softmax(out, dim=1) if outputs == "logits" else out
        return run

    probs = _run(model, images, head, batch_size=batch_size, device=device, num_workers=num_workers,
                 precision=precision, transform=transform, progress=progress, model_factory=model_factory)
    _check_finite(probs, images, "probabilities")
    if outputs == "probabilities":
        finite = probs[np.isfinite(probs)]
        if finite.size and (finite.min() < -1e-6 or finite.max() > 1 + 1e-6):
            raise ModelError(
                f"outputs='probabilities' but the model returned values in [{finite.min():.3g}, {finite.max():.3g}]: "
                "these look like logits; use outputs='logits' (the default) to apply a softmax."
            )
    return probs


def embed_images(
    model: Any,
    images: Any,
    *,
    layer: str | None = None,
    batch_size: int = 256,
    device: Device | str = "auto",
    num_workers: int = 0,
    precision: Precision = "auto",
    transform: Callable | ImageTransform | None = None,
    progress: ProgressCallback | bool | None = None,
    model_factory: Callable[[], Any] | None = None,
) -> np.ndarray:
    """Penultimate-layer embeddings of images, for near-duplicate search.

    The embedding of an image is, by default, the **input of the model's last** ``nn.Linear`` (in
    ``named_modules()`` registration order), i.e. the features the classifier head reads — for a
    ResNet the pooled 512-vector, for the digits CNN the flattened 2048 conv features. With
    ``layer="name"`` it is the **output** of that submodule instead. Both are captured with a forward
    hook and flattened to ``(N, D)``. TorchScript models do not support hooks: their forward graph is
    cut before the last ``aten::linear`` instead (``layer=`` is then not available).

    Parameters are those of :func:`score_images`, plus ``layer``.

    Returns
    -------
    numpy.ndarray
        ``(n_images, D)`` float32 embeddings, rows in input order.

    References
    ----------
    Babenko, A., Slesarev, A., Chigorin, A., & Lempitsky, V. (2014). Neural codes for image retrieval.
    ECCV 2014, 584–599. https://doi.org/10.1007/978-3-319-10590-1_38 (activations of a classifier's top
    layers as image descriptors compared by cosine similarity).

    Examples
    --------
    >>> import torch
    >>> from analytics.model.scoring import embed_images
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
    >>> embed_images(model, torch.rand(5, 1, 2, 2), device="cpu").shape
    (5, 6)
    """
    import torch

    from ._loading import penultimate_extractor

    def head(net: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
        extract = penultimate_extractor(net, layer)
        return lambda x: extract(x).float()

    embeddings = _run(model, images, head, batch_size=batch_size, device=device, num_workers=num_workers,
                      precision=precision, transform=transform, progress=progress, model_factory=model_factory)
    _check_finite(embeddings, images, "embeddings")
    return embeddings


def _check_finite(values: np.ndarray, images: Any, what: str) -> None:
    """Refuse NaN or infinite model outputs: written out they would be empty cells that look like a result."""
    bad = ~np.isfinite(values).all(axis=1) if values.ndim == 2 else ~np.isfinite(values)
    if not bad.any():
        return
    rows = np.flatnonzero(bad)
    names = [str(images[i]) for i in rows[:3]] if isinstance(images, (list, tuple)) else []
    where = ", ".join(f"#{i}" for i in rows[:5]) + (" …" if len(rows) > 5 else "")
    example = f" (e.g. {', '.join(repr(n) for n in names)})" if names else ""
    raise ModelError(
        f"The model returned NaN or infinite values for {len(rows):,} of {count_noun(len(values), 'image')}: {where}{example}, "
        f"so their {what} are undefined and nothing was written. The model is broken for these inputs: check its "
        "weights, and the input size, channels and normalization it expects (image_transform(size=..., "
        "grayscale=..., mean=..., std=...); aqa score --input-size, --grayscale/--rgb, --mean/--std).")


def predictions_frame(probabilities: np.ndarray, item_ids: Sequence[Any], *,
                      classes: Sequence[str] | None = None) -> pd.DataFrame:
    """The predictions table (``item_id`` + one probability column per class) of scored images.

    It is what :func:`analytics.load_predictions` and ``load_annotations(predictions=...)`` read.

    Examples
    --------
    >>> import numpy as np
    >>> predictions_frame(np.array([[0.9, 0.1], [0.2, 0.8]]), ["a", "b"], classes=["cat", "dog"]).columns.tolist()
    ['item_id', 'cat', 'dog']
    """
    probs = np.asarray(probabilities, dtype=float)
    ids = [str(i) for i in item_ids]
    if probs.ndim != 2 or probs.shape[0] != len(ids):
        raise InvalidParameterError(
            f"probabilities have shape {probs.shape} but there are {len(ids)} item ids; expected ({len(ids)}, n_classes)."
        )
    names = [str(c) for c in classes] if classes is not None else [str(k) for k in range(probs.shape[1])]
    if len(names) != probs.shape[1]:
        raise InvalidParameterError(
            f"{len(names)} class names were given ({', '.join(names[:12])}) but the model has {probs.shape[1]} outputs."
        )
    if len(set(names)) != len(names):
        raise InvalidParameterError(f"Class names must be distinct; got {names}.")
    dup = pd.Index(ids)[pd.Index(ids).duplicated()].unique()
    if len(dup):
        raise InvalidParameterError(f"Item ids must be distinct; repeated: {', '.join(dup[:5])}.")
    frame = pd.DataFrame(probs, columns=names)
    frame.insert(0, "item_id", ids)
    return frame


def resolve_device(device: str = "auto") -> "torch.device":
    """The torch device for ``device``: ``"auto"`` is CUDA when available, else CPU.

    Examples
    --------
    >>> resolve_device("cpu").type
    'cpu'
    """
    import torch

    if not isinstance(device, str) or not (device in ("auto", "cpu", "cuda") or device.startswith("cuda:")):
        raise InvalidParameterError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {device!r}.")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidParameterError(
            f"device={device!r} but torch sees no CUDA device (torch.cuda.is_available() is False); "
            "use device='auto' or 'cpu'."
        )
    return torch.device(device)


# -- the batch loop -----------------------------------------------------------------------------------
def _check_choice(name: str, value: Any, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise InvalidParameterError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}.")


def _validate(batch_size: Any, num_workers: Any, precision: Any) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise InvalidParameterError(f"batch_size must be a positive integer; got {batch_size!r}.")
    if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
        raise InvalidParameterError(f"num_workers must be a non-negative integer; got {num_workers!r}.")
    _check_choice("precision", precision, ("auto", "fp32", "bf16"))


def _autocast(dev: "torch.device", precision: str) -> Any:
    import torch

    if precision == "fp32" or (precision == "auto" and dev.type != "cuda"):
        return contextlib.nullcontext()
    if precision == "auto" and not torch.cuda.is_bf16_supported():
        return contextlib.nullcontext()
    return torch.autocast(device_type=dev.type, dtype=torch.bfloat16)


def _is_oom(exc: BaseException) -> bool:
    import torch

    oom = getattr(torch, "OutOfMemoryError", None) or torch.cuda.OutOfMemoryError
    return isinstance(exc, oom) or (isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower())


def _run(model: Any, images: Any, head: Callable, *, batch_size: int, device: str, num_workers: int,
         precision: str, transform: Any, progress: Any, model_factory: Any) -> np.ndarray:
    """Resolve model, device and images, then run ``head(module)`` over all batches with OOM back-off."""
    import torch

    from ._loading import resolve_model

    _validate(batch_size, num_workers, precision)
    dev = resolve_device(device)
    report = resolve_progress(progress)
    net = resolve_model(model, model_factory=model_factory)
    cuda = dev.type == "cuda"
    source = make_source(images, transform=transform, num_workers=int(num_workers), pin_memory=cuda)
    was_training = net.training
    net.to(dev).eval()
    try:
        fn = head(net)
        with torch.inference_mode():
            return _loop(fn, source, dev, int(batch_size), _autocast(dev, precision), report)
    finally:
        net.train(was_training)


def _loop(fn: Callable, source: Any, dev: "torch.device", batch_size: int, autocast: Any,
          report: ProgressCallback | None) -> np.ndarray:
    import torch

    cuda = dev.type == "cuda"
    n, pos, out = source.n, 0, None
    if report is not None:
        report(0, n)
    while pos < n:
        failure = None
        try:
            for batch in source.batches(pos, batch_size):
                y = _forward(fn, batch, dev, source.batch_transform, autocast)
                if out is None:
                    out = torch.empty((n, *y.shape[1:]), dtype=y.dtype, pin_memory=cuda)
                out[pos:pos + len(y)].copy_(y, non_blocking=cuda)
                pos += len(y)
                if report is not None:
                    report(pos, n)
        except _OutOfMemory as exc:
            failure = str(exc)
        if failure is None:
            continue
        # Here the exception and its traceback (which held the failed batch's activations) are gone.
        if batch_size == 1:
            raise ModelError(f"Out of memory on {dev} even with batch_size=1: {failure}")
        batch_size = max(1, batch_size // 2)
        if cuda:
            torch.cuda.empty_cache()
        logger.warning("Out of memory on %s at item %d; retrying with batch_size=%d.", dev, pos, batch_size)
    if cuda:
        torch.cuda.synchronize(dev)
    return out.numpy()


def _forward(fn: Callable, batch: "torch.Tensor", dev: "torch.device", transform: Callable | None,
             autocast: Any) -> "torch.Tensor":
    """Move one batch to the device (pinned, non-blocking), scale and transform it, run ``fn``."""
    import torch

    try:
        if dev.type == "cuda" and not batch.is_cuda and not batch.is_pinned():
            batch = batch.pin_memory()
        x = batch.to(dev, non_blocking=True)
        x = x.float().div_(255.0) if x.dtype == torch.uint8 else x
        if transform is not None:
            x = transform(x)
    except RuntimeError as exc:
        if _is_oom(exc):
            raise _OutOfMemory(str(exc).strip().splitlines()[0]) from None
        raise
    with autocast:
        return _call(fn, x)


class _OutOfMemory(Exception):
    """Internal: a batch ran out of memory (the loop halves the batch size and retries)."""


def _call(fn: Callable, x: "torch.Tensor") -> "torch.Tensor":
    try:
        return fn(x)
    except ModelError:
        raise
    except RuntimeError as exc:
        if _is_oom(exc):
            raise _OutOfMemory(str(exc).strip().splitlines()[0]) from None  # drop the traceback
        lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
        last = lines[-1] if lines else type(exc).__name__  # TorchScript puts the actual error last
        raise ModelError(
            f"The model failed on a batch of shape {tuple(x.shape)} ({x.dtype}): {last}. Check the input size "
            "and channels the model expects (image_transform(size=..., grayscale=...); aqa score --input-size, "
            "--grayscale/--rgb)."
        ) from exc
