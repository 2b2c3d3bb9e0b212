"""Image inputs for scoring: file paths, arrays/tensors and torch datasets, and their preprocessing.

Everything that touches torch or PIL imports it inside functions, so ``import analytics`` stays light.

Two stages, so that per-item Python work happens only where it cannot be avoided (decoding files):

* **per item** (in the DataLoader, possibly in worker processes): a file is opened with PIL and turned
  into a ``uint8`` array ``(C, H, W)`` by an :class:`ImageTransform` (or by a user callable);
* **per batch** (on the scoring device): ``uint8`` batches become ``float32 / 255`` and the
  :class:`ImageTransform` batch step (channel conversion, resize, normalization) runs on the whole
  tensor. In-memory arrays and tensors only go through this stage: they are sliced, never looped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from ..exceptions import AnnotationFileError, AnnotationSchemaError, InvalidParameterError
from .._wording import count_noun

if TYPE_CHECKING:
    import torch

    from .._schema import AnnotationSet

__all__ = ["ImageTransform", "image_transform", "image_paths", "make_source", "Source", "prefetch"]

_GREY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "F", "P;L"})


@dataclass(frozen=True)
class ImageTransform:
    """Standard preprocessing: channel conversion, resize, scaling to [0, 1] and normalization.

    Build one with :func:`image_transform`. It works for every kind of input: PIL images (from file
    paths or datasets) are converted and resized per item with PIL; arrays and tensors are converted
    per batch on the device (``torch.nn.functional.interpolate``, bilinear with antialiasing, which
    is close to but not bit-identical with PIL's bilinear resize).
    """

    size: tuple[int, int] | None = None
    grayscale: bool | None = None
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None

    def __call__(self, image: Any) -> np.ndarray:
        """PIL image → ``uint8`` array ``(C, H, W)`` (scaling and normalization happen per batch)."""
        from PIL import Image

        if not isinstance(image, Image.Image):
            raise InvalidParameterError(
                f"ImageTransform expects a PIL image per item, got {type(image).__name__}; "
                "arrays and tensors are transformed per batch instead."
            )
        grey = self.grayscale if self.grayscale is not None else image.mode in _GREY_MODES
        image = image.convert("L" if grey else "RGB")
        if self.size is not None and image.size != (self.size[1], self.size[0]):
            image = image.resize((self.size[1], self.size[0]), Image.Resampling.BILINEAR)
        arr = np.array(image, dtype=np.uint8)  # a writable copy (torch warns on read-only arrays)
        return arr[None] if arr.ndim == 2 else np.ascontiguousarray(arr.transpose(2, 0, 1))

    def batch(self, x: "torch.Tensor") -> "torch.Tensor":
        """Float batch ``(B, C, H, W)`` in [0, 1] → channels, size and normalization of this transform."""
        import torch

        if self.grayscale is True and x.shape[1] == 3:
            weights = torch.tensor([0.299, 0.587, 0.114], device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
            x = (x * weights).sum(dim=1, keepdim=True)
        elif self.grayscale is False and x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if self.size is not None and tuple(x.shape[-2:]) != tuple(self.size):
            x = torch.nn.functional.interpolate(x, size=self.size, mode="bilinear", align_corners=False,
                                                antialias=True)
        if self.mean is not None or self.std is not None:
            c = x.shape[1]
            mean = torch.tensor(self.mean or (0.0,) * c, device=x.device, dtype=x.dtype).view(1, -1, 1, 1)
            std = torch.tensor(self.std or (1.0,) * c, device=x.device, dtype=x.dtype).view(1, -1, 1, 1)
            if mean.shape[1] not in (1, c) or std.shape[1] not in (1, c):
                raise InvalidParameterError(
                    f"mean/std have {mean.shape[1]}/{std.shape[1]} values but the images have {count_noun(c, 'channel')}; "
                    "give one value per channel (or one for all)."
                )
            x = (x - mean) / std
        return x


def image_transform(*, size: int | Sequence[int] | None = None, grayscale: bool | None = None,
                    mean: Sequence[float] | None = None, std: Sequence[float] | None = None) -> ImageTransform:
    """The standard preprocessing for :func:`analytics.model.scoring.score_images`.

    Pixels are scaled to [0, 1] (``uint8 / 255``), then ``(x - mean) / std`` per channel when given.

    Parameters
    ----------
    size : int or (height, width), optional
        Resize to this size (bilinear); ``None`` keeps the images' size (they must all match).
    grayscale : bool, optional
        ``True``: one grey channel; ``False``: three RGB channels; ``None`` (default): grey images
        stay grey, everything else becomes RGB.
    mean, std : sequence of float, optional
        Per-channel normalization, e.g. ImageNet's ``(0.485, 0.456, 0.406)``, ``(0.229, 0.224, 0.225)``.

    Examples
    --------
    >>> t = image_transform(size=32, grayscale=True)
    >>> t.size, t.grayscale
    ((32, 32), True)
    """
    if size is not None:
        dims = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
        if len(dims) != 2 or any(int(d) < 1 for d in dims):
            raise InvalidParameterError(f"size must be a positive int or (height, width); got {size!r}.")
        size = (int(dims[0]), int(dims[1]))
    if std is not None and any(float(s) <= 0 for s in std):
        raise InvalidParameterError(f"std values must be positive; got {list(std)}.")
    return ImageTransform(size=size, grayscale=grayscale,
                          mean=None if mean is None else tuple(float(m) for m in mean),
                          std=None if std is None else tuple(float(s) for s in std))


def image_paths(annotations: "AnnotationSet", *, root: str | os.PathLike | None = None,
                column: str = "image") -> pd.Series:
    """Each item's image path, from the ``image`` column of an annotation set.

    With ``root`` (the folder of the annotations file, or its image root), relative paths are joined to it
    and every path must lie inside it — symbolic links followed — or an error names the items; the loader
    has already refused references outside the folder it was given (:mod:`analytics.io.images`). Without
    ``root`` the paths are returned as the set holds them (relative ones then start from the current
    directory). URLs are refused: images are never downloaded.

    Returns
    -------
    pandas.Series
        Index ``item_id`` (in item code order), values the paths as strings.

    Raises
    ------
    AnnotationSchemaError
        The set has no such column, an item has no image, one item has two different images, an image is a
        URL, or (with ``root``) an image lies outside ``root``.
    """
    frame = annotations.frame
    if column not in frame.columns:
        raise AnnotationSchemaError(
            f"The annotations have no '{column}' column (columns: {list(frame.columns)}). "
            "Load them with image='<column>' or pass the image files directly."
        )
    pairs = frame[["item_id", column]].dropna().astype(str)
    pairs = pairs[pairs[column].str.strip() != ""].drop_duplicates()
    conflicts = pairs["item_id"][pairs["item_id"].duplicated()].unique()
    if len(conflicts):
        shown = "; ".join(f"'{i}': " + ", ".join(pairs.loc[pairs['item_id'] == i, column].head(3)) for i in conflicts[:5])
        raise AnnotationSchemaError(f"{count_noun(len(conflicts), 'item')} {'has' if len(conflicts) == 1 else 'have'} more than one image: {shown}. Keep one image per item.")
    by_item = pairs.set_index("item_id")[column]
    missing = [i for i in annotations.item_ids if i not in by_item.index]
    if missing:
        raise AnnotationSchemaError(
            f"{count_noun(len(missing), 'item')} {'has' if len(missing) == 1 else 'have'} no image in column '{column}': {', '.join(map(str, missing[:10]))}"
            f"{' …' if len(missing) > 10 else ''}. Fill in their image paths."
        )
    values = by_item.loc[list(annotations.item_ids)]
    if root is None:
        paths = values.tolist()
    else:
        paths = _inside_root(values, Path(root))
    urls = [(i, p) for i, p in zip(annotations.item_ids, paths) if "://" in str(p)]
    if urls:
        raise AnnotationSchemaError(
            f"{count_noun(len(urls), 'item')} {'has' if len(urls) == 1 else 'have'} an image URL, not a file (e.g. '{urls[0][0]}': {urls[0][1]}). Images are "
            "never downloaded: download them, and give their paths relative to the annotations file.")
    return pd.Series(paths, index=pd.Index(annotations.item_ids, name="item_id"), name=column)


def _inside_root(values: pd.Series, root: Path) -> list[str]:
    """The images' paths joined to ``root``; an error naming the items whose image lies outside it."""
    from ..io.images import image_access

    out, outside = [], []
    for item, value in values.items():
        if "://" in str(value):
            out.append(str(value))
            continue
        access = image_access(value, roots=[root])
        if access.kind == "refused":
            outside.append(f"'{item}': {value}")
        out.append(access.location or os.path.normpath(os.path.join(os.path.abspath(root), str(value))))
    if outside:
        raise AnnotationSchemaError(
            f"{count_noun(len(outside), 'image')} {'lies' if len(outside) == 1 else 'lie'} outside the image root {root} ({'; '.join(outside[:5])}"
            f"{' …' if len(outside) > 5 else ''}): images are read only inside it (an absolute path elsewhere, a "
            "'..' escape or a symbolic link out of it). Move the images under the root, or pass the folder that "
            "holds them as root= (aqa score --image-root DIR).")
    return out


# -- sources: what the batch loop iterates ------------------------------------------------------------
@dataclass
class Source:
    """A batched view of the images: ``batches(start, batch_size)`` yields host (or device) tensors."""

    n: int
    batches: Callable[[int, int], Iterator["torch.Tensor"]]
    batch_transform: Callable[["torch.Tensor"], "torch.Tensor"] | None


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def make_source(images: Any, *, transform: Any, num_workers: int, pin_memory: bool) -> Source:
    """Wrap file paths, an array/tensor or a torch Dataset as a :class:`Source`."""
    import torch

    if isinstance(images, (np.ndarray, torch.Tensor)):
        return _array_source(images, transform, pin_memory)
    if isinstance(images, torch.utils.data.Dataset):
        if not hasattr(images, "__len__"):
            raise InvalidParameterError("The dataset has no __len__; pass a map-style torch Dataset.")
        per_item = transform if transform is not None else ImageTransform()
        return _item_source(_DatasetItems(images, per_item), len(images), transform, num_workers, pin_memory)
    if _is_path(images):
        raise InvalidParameterError(
            f"images is a single path ('{images}'); pass a list of image paths (e.g. sorted(Path(dir).glob('*.png')))."
        )
    if isinstance(images, (list, tuple, pd.Series, pd.Index)):
        paths = [str(p) for p in images]
        if not all(_is_path(p) for p in images):
            bad = next(p for p in images if not _is_path(p))
            raise InvalidParameterError(
                f"images must be file paths, an array, a tensor or a torch Dataset; the list holds a {type(bad).__name__}."
            )
        missing = [p for p in paths if not os.path.isfile(p)]
        if missing:
            raise AnnotationFileError(
                f"{len(missing)} of {count_noun(len(paths), 'image file')} {'does' if len(missing) == 1 else 'do'} not exist: {', '.join(missing[:5])}"
                f"{' …' if len(missing) > 5 else ''}. Check the paths (relative paths start from the current "
                "directory, or from root= in image_paths)."
            )
        per_item = transform if transform is not None else ImageTransform()
        return _item_source(_FileItems(paths, per_item), len(paths), transform, num_workers, pin_memory)
    raise InvalidParameterError(
        f"images must be a list of file paths, a numpy array (N, H, W) or (N, C, H, W), a tensor or a torch "
        f"Dataset; got {type(images).__name__}."
    )


def _array_source(images: Any, transform: Any, pin_memory: bool) -> Source:
    import torch

    x = torch.from_numpy(np.ascontiguousarray(images)) if isinstance(images, np.ndarray) else images
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if x.dim() != 4:
        raise InvalidParameterError(
            f"An image array must have shape (N, H, W) or (N, C, H, W); got {tuple(x.shape)}."
        )
    if len(x) == 0:
        raise InvalidParameterError("The image array is empty (N = 0): there is nothing to score.")
    if not (x.dtype == torch.uint8 or x.is_floating_point()):
        x = x.float()

    def slices(start: int, size: int) -> Iterator[torch.Tensor]:
        for i in range(start, len(x), size):
            yield x[i:i + size]  # a view: no per-item work, no copy until the transfer

    def batches(start: int, size: int) -> Iterator[torch.Tensor]:
        if pin_memory and not x.is_cuda:  # pin the next batches in a thread while the GPU works
            return prefetch(slices(start, size), prepare=lambda b: b.pin_memory())
        return slices(start, size)

    return Source(n=len(x), batches=batches, batch_transform=_batch_step(transform, per_item=False))


def _batch_step(transform: Any, *, per_item: bool) -> Callable | None:
    if isinstance(transform, ImageTransform):
        return transform.batch
    if transform is None or per_item:
        return None
    if not callable(transform):
        raise InvalidParameterError(f"transform must be callable; got {type(transform).__name__}.")
    return transform


class _Items:
    """Map-style dataset over ``source`` (file paths or a user dataset): ``(index, array)`` per item."""

    def __init__(self, source: Any, transform: Callable) -> None:
        self.source = source
        self.transform = transform

    def __len__(self) -> int:
        return len(self.source)


class _FileItems(_Items):
    """Image files, opened with PIL and passed to the per-item transform."""

    def __getitem__(self, i: int) -> tuple[int, Any]:
        from PIL import Image, UnidentifiedImageError

        path = self.source[i]
        try:
            with Image.open(path) as img:
                img.load()
                return i, self.transform(img)
        except (UnidentifiedImageError, OSError) as exc:
            raise AnnotationFileError(f"Cannot read image '{path}' (item {i}): {exc}.") from None


class _DatasetItems(_Items):
    """A user dataset: the image of ``(image, target)`` items, through the per-item transform."""

    def __getitem__(self, i: int) -> tuple[int, Any]:
        from PIL import Image

        item = self.source[i]
        if isinstance(item, (tuple, list)):
            item = item[0]
        if isinstance(item, Image.Image) or not isinstance(self.transform, ImageTransform):
            item = self.transform(item)
        return i, item


def _collate(items: list[tuple[int, Any]]) -> "torch.Tensor":
    import torch

    tensors = [torch.as_tensor(np.asarray(v)) if not isinstance(v, torch.Tensor) else v for _, v in items]
    first = tuple(tensors[0].shape)
    k = next((k for k, t in enumerate(tensors) if tuple(t.shape) != first), None)
    if k is not None:
        raise AnnotationSchemaError(
            f"Images have different shapes after preprocessing (item {items[0][0]}: {first}, item {items[k][0]}: "
            f"{tuple(tensors[k].shape)}). Resize them to one size (image_transform(size=...), aqa score "
            "--input-size) and use one channel mode (grayscale=True/False, aqa score --grayscale/--rgb)."
        )
    batch = torch.stack(tensors)
    return batch.unsqueeze(1) if batch.dim() == 3 else batch


class _Ranges:
    """Batch sampler: consecutive index ranges from ``start`` (keeps output order = input order)."""

    def __init__(self, start: int, n: int, size: int) -> None:
        self.start, self.n, self.size = start, n, size

    def __iter__(self) -> Iterator[list[int]]:
        for i in range(self.start, self.n, self.size):
            yield list(range(i, min(i + self.size, self.n)))

    def __len__(self) -> int:
        return max(0, -(-(self.n - self.start) // self.size))


def _item_source(dataset: Any, n: int, transform: Any, num_workers: int, pin_memory: bool) -> Source:
    from torch.utils.data import DataLoader

    if n == 0:
        raise InvalidParameterError("No images were given: there is nothing to score.")

    def batches(start: int, size: int) -> Iterator:
        loader = DataLoader(dataset, batch_sampler=_Ranges(start, n, size), num_workers=num_workers,
                            pin_memory=pin_memory and num_workers > 0, collate_fn=_collate)
        if pin_memory and num_workers == 0:  # decode and pin in a thread while the GPU works
            return prefetch(iter(loader), prepare=lambda b: b.pin_memory())
        return iter(loader)

    return Source(n=n, batches=batches, batch_transform=_batch_step(transform, per_item=True))


_END = object()


def prefetch(batches: Iterator[Any], *, prepare: Callable[[Any], Any], depth: int = 2) -> Iterator[Any]:
    """Produce ``prepare(batch)`` in a background thread, up to ``depth`` batches ahead of the consumer.

    Used on CUDA so that decoding and pinning the next batches overlaps with the model running on the
    current one (torch and PIL release the GIL while they copy and decode). Errors raised while
    producing are re-raised in the consumer; closing the iterator early stops the thread.
    """
    import queue
    import threading

    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        """Put ``item`` in a slot unless the consumer has stopped (never blocks forever)."""
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not offer(prepare(batch)):
                    return
            offer(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            offer(exc)

    worker = threading.Thread(target=produce, name="aqa-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)
