"""Near-duplicate images in a pilot, and what their labels say.

Duplicates inflate agreement (the same image judged twice counts twice), while near-duplicates whose
consensus labels differ are evidence that the classes are ambiguous (or that someone erred). Two ways
to find them, both reduced to blockwise products of unit vectors so memory stays at
``block_size²`` similarities however many images there are:

* ``method="embedding"``: cosine similarity of model embeddings (:func:`analytics.model.scoring.embed_images`);
* ``method="dhash"``: the difference hash of Krawetz (2013), computed here with numpy
  (:func:`difference_hash`); similarity is ``1 - hamming / bits``.

References
----------
Krawetz, N. (2013). Kind of like that. The Hacker Factor Blog.
https://www.hackerfactor.com/blog/index.php?/archives/529-Kind-of-Like-That.html
Zauner, C. (2010). Implementation and benchmarking of perceptual image hash functions. Master's thesis,
Upper Austria University of Applied Sciences. https://www.phash.org/docs/pubs/thesis_zauner.pdf
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Sequence

import numpy as np
import pandas as pd

from ..exceptions import AnnotationFileError, AnnotationSchemaError, InvalidParameterError
from ..results import ResultMixin

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["difference_hash", "find_near_duplicates", "review_near_duplicates", "near_duplicates_for",
           "NearDuplicateReview"]

Method = Literal["auto", "embedding", "dhash"]

#: Default similarity thresholds: cosine of embeddings, and 1 - hamming/bits of hashes (≤ 8 of 64 bits differ;
#: Krawetz (2013) reads distances up to 10 as "potentially a variation").
DEFAULT_THRESHOLDS = {"embedding": 0.95, "dhash": 0.875}
_PAIR_COLUMNS = ["item_a", "item_b", "similarity", "method"]
_LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R 601-2, as PIL's convert("L")


# -- hashing ----------------------------------------------------------------------------------------
def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)`` box-filter weights: output cell *i* averages input span ``[i, i+1) · n_in / n_out``."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    lo, hi = edges[:-1, None], edges[1:, None]
    pix = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, pix + 1) - np.maximum(lo, pix), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def _grey_arrays(images: Any) -> list[np.ndarray] | np.ndarray:
    """Grey float images: a (N, H, W) array, or a list of 2-D arrays (files may differ in size)."""
    if isinstance(images, np.ndarray) or type(images).__module__.startswith("torch"):
        arr = np.asarray(images, dtype=np.float64)
        if arr.ndim == 4 and arr.shape[1] in (1, 3):
            arr = arr[:, 0] if arr.shape[1] == 1 else np.tensordot(arr, _LUMA, axes=([1], [0]))
        if arr.ndim != 3 or len(arr) == 0:
            raise InvalidParameterError(
                f"An image array must have shape (N, H, W), (N, 1, H, W) or (N, 3, H, W) with N > 0; got {arr.shape}."
            )
        return arr
    if isinstance(images, (str, os.PathLike)) or not isinstance(images, (list, tuple, pd.Series, pd.Index)):
        raise InvalidParameterError("images must be a list of image file paths or an array (N, H, W) / (N, C, H, W).")
    from PIL import Image, UnidentifiedImageError

    out = []
    for path in images:
        try:
            with Image.open(path) as img:
                out.append(np.asarray(img.convert("L"), dtype=np.float64))
        except (UnidentifiedImageError, OSError) as exc:
            raise AnnotationFileError(f"Cannot read image '{path}': {exc}.") from None
    if not out:
        raise InvalidParameterError("No images were given.")
    return out


def difference_hash(images: Any, *, hash_size: int = 8) -> np.ndarray:
    r"""Difference hashes (dHash) of images: ``hash_size²`` bits each.

    Each image is converted to grey, shrunk by area averaging to ``hash_size × (hash_size + 1)``, and
    bit :math:`(r, c)` is :math:`g_{r,c+1} > g_{r,c}` (brightness increases to the right). Small
    shifts, rescaling, recompression and global brightness changes flip few bits.

    Parameters
    ----------
    images : list of paths or array
        Image files (any size) or an array ``(N, H, W)``, ``(N, 1, H, W)`` or ``(N, 3, H, W)``.
    hash_size : int
        Rows of the hash (8 gives the usual 64 bits).

    Returns
    -------
    numpy.ndarray
        ``(N, hash_size²)`` boolean array.

    References
    ----------
    Krawetz, N. (2013). Kind of like that. The Hacker Factor Blog.

    Examples
    --------
    >>> import numpy as np
    >>> ramp = np.tile(np.arange(32.0), (32, 1))[None]          # brighter to the right
    >>> bool(difference_hash(ramp).all()), difference_hash(ramp).shape
    (True, (1, 64))
    """
    if isinstance(hash_size, bool) or not isinstance(hash_size, (int, np.integer)) or hash_size < 2:
        raise InvalidParameterError(f"hash_size must be an integer ≥ 2; got {hash_size!r}.")
    grey = _grey_arrays(images)
    if isinstance(grey, np.ndarray):
        rows = _area_weights(grey.shape[1], hash_size)
        cols = _area_weights(grey.shape[2], hash_size + 1)
        small = np.einsum("rh,nhw,cw->nrc", rows, grey, cols)
    else:
        small = np.stack([_area_weights(g.shape[0], hash_size) @ g @ _area_weights(g.shape[1], hash_size + 1).T
                          for g in grey])
    return (small[:, :, 1:] > small[:, :, :-1] + 1e-9).reshape(len(small), -1)


# -- pair search --------------------------------------------------------------------------------------
def _pairs_above(vectors: np.ndarray, threshold: float, block_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index pairs ``i < j`` with ``vectors[i] · vectors[j] ≥ threshold``, one ``block²`` product at a time."""
    n = len(vectors)
    ii, jj, ss = [], [], []
    for a in range(0, n, block_size):
        left = vectors[a:a + block_size]
        for b in range(a, n, block_size):
            sims = left @ vectors[b:b + block_size].T
            i, j = np.nonzero(sims >= threshold)
            keep = (i + a) < (j + b)
            ii.append(i[keep] + a)
            jj.append(j[keep] + b)
            ss.append(sims[i[keep], j[keep]])
    return np.concatenate(ii), np.concatenate(jj), np.concatenate(ss)


def _default_ids(images: Any, n: int) -> list[str]:
    if isinstance(images, (list, tuple, pd.Series, pd.Index)) and all(isinstance(p, (str, os.PathLike)) for p in images):
        return [Path(p).stem for p in images]
    return [str(k) for k in range(n)]


def find_near_duplicates(
    images: Any,
    *,
    item_ids: Sequence[Any] | None = None,
    method: Method = "auto",
    threshold: float | None = None,
    hash_size: int = 8,
    block_size: int = 2048,
) -> pd.DataFrame:
    r"""Pairs of near-identical images, most similar first.

    Parameters
    ----------
    images : array or list of paths
        With ``method="embedding"``: an ``(N, D)`` array of embeddings
        (:func:`analytics.model.scoring.embed_images`). With ``method="dhash"``: image files or an image array
        (see :func:`difference_hash`). ``"auto"`` picks ``"embedding"`` for a 2-D array, else ``"dhash"``.
    item_ids : sequence, optional
        One id per image (default: file stems for paths, else ``"0"``, ``"1"``, …).
    method : {"auto", "embedding", "dhash"}
    threshold : float, optional
        Minimum similarity of a reported pair: cosine :math:`\frac{e_a \cdot e_b}{\lVert e_a\rVert\,\lVert e_b\rVert}`
        for embeddings (default 0.95), :math:`1 - \mathrm{hamming}(h_a, h_b)/\mathrm{bits}` for hashes
        (default 0.875, i.e. at most 8 of 64 bits differ). dHash suits photographs; on tiny, uniform
        images (the 32×32 digits sample) images of the same class collide, so use embeddings there.
    hash_size : int
        dHash rows (``hash_size²`` bits).
    block_size : int
        Images per block of the similarity product; peak memory is about ``block_size²`` floats.

    Returns
    -------
    pandas.DataFrame
        ``item_a``, ``item_b`` (``item_a`` comes first in input order), ``similarity``, ``method``.

    References
    ----------
    Krawetz, N. (2013). Kind of like that. The Hacker Factor Blog (dHash).

    Examples
    --------
    >>> import numpy as np
    >>> emb = np.array([[1.0, 0.0], [0.99, 0.05], [0.0, 1.0]])
    >>> find_near_duplicates(emb, item_ids=["a", "b", "c"])[["item_a", "item_b"]].values.tolist()
    [['a', 'b']]
    """
    if method not in ("auto", "embedding", "dhash"):
        raise InvalidParameterError(f"method must be 'auto', 'embedding' or 'dhash'; got {method!r}.")
    if isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer)) or block_size < 1:
        raise InvalidParameterError(f"block_size must be a positive integer; got {block_size!r}.")
    if method == "auto":
        is_matrix = (isinstance(images, np.ndarray) or type(images).__module__.startswith("torch")) and np.ndim(images) == 2
        method = "embedding" if is_matrix else "dhash"
    if method == "embedding":
        emb = np.asarray(images, dtype=np.float64)
        if emb.ndim != 2 or len(emb) == 0 or not np.isfinite(emb).all():
            raise InvalidParameterError(f"Embeddings must be a finite (N, D) array with N > 0; got shape {emb.shape}.")
        norms = np.linalg.norm(emb, axis=1, keepdims=True)
        vectors = np.divide(emb, norms, out=np.zeros_like(emb), where=norms > 0).astype(np.float32)
        bits = None
    else:
        hashes = difference_hash(images, hash_size=hash_size)
        vectors = np.where(hashes, 1.0, -1.0).astype(np.float32)  # ±1: a·b = bits - 2·hamming (exact in float32)
        bits = hashes.shape[1]
    n = len(vectors)
    ids = [str(i) for i in item_ids] if item_ids is not None else _default_ids(images, n)
    if len(ids) != n:
        raise InvalidParameterError(f"{len(ids)} item ids were given for {n} images.")
    if len(set(ids)) != n:
        raise InvalidParameterError("item_ids must be distinct.")
    thr = DEFAULT_THRESHOLDS[method] if threshold is None else float(threshold)
    if not -1.0 <= thr <= 1.0:
        raise InvalidParameterError(f"threshold must lie in [-1, 1]; got {threshold!r}.")
    if bits is None:
        dot_threshold = thr - 1e-6  # float32 products: keep pairs within rounding of the threshold
    else:  # ±1 hashes: a·b = bits - 2·hamming, an exact integer; allow hamming ≤ bits·(1 - threshold)
        dot_threshold = bits - 2 * np.floor(bits * (1 - thr) + 1e-9) - 0.5
    i, j, dots = _pairs_above(vectors, dot_threshold, int(block_size))
    sims = dots.astype(np.float64) if bits is None else 1.0 - (bits - dots.astype(np.float64)) / (2.0 * bits)
    frame = pd.DataFrame({"item_a": np.asarray(ids, dtype=object)[i], "item_b": np.asarray(ids, dtype=object)[j],
                          "similarity": np.clip(sims, -1.0, 1.0), "method": method}, columns=_PAIR_COLUMNS)
    frame["_i"], frame["_j"] = i, j
    return frame.sort_values(["similarity", "_i", "_j"], ascending=[False, True, True], kind="stable") \
        .drop(columns=["_i", "_j"]).reset_index(drop=True)


# -- labels of the pairs ----------------------------------------------------------------------------
@dataclass(frozen=True)
class NearDuplicateReview(ResultMixin):
    """Near-duplicate pairs split by what the annotators concluded about each image.

    Attributes
    ----------
    same_consensus : pandas.DataFrame
        Pairs whose two items have the same consensus label: true duplicates inflate agreement.
    different_consensus : pandas.DataFrame
        Pairs with different consensus labels: evidence of ambiguous classes (or of errors).
    unresolved : pandas.DataFrame
        Pairs where an item has no consensus (a tie for the top label) or is not in the annotations.
    n_pairs : int
        All pairs reviewed.
    n_items_duplicated : int
        Distinct items in ``same_consensus`` pairs.

    Every table has ``item_a``, ``item_b``, ``similarity``, ``method``, ``consensus_a``,
    ``consensus_b`` (None when unresolved) and ``share_a``, ``share_b`` (the share of each item's
    ratings that went to its top label; NaN when the item has no ratings).
    """

    same_consensus: pd.DataFrame
    different_consensus: pd.DataFrame
    unresolved: pd.DataFrame
    n_pairs: int
    n_items_duplicated: int


def _plurality(annotations: "AnnotationSet") -> tuple[np.ndarray, np.ndarray]:
    """Majority-vote label code per item (-1 on an unresolved tie) and its vote share."""
    from ..annotators.consensus import majority_vote

    vote = majority_vote(annotations, tie="unresolved")
    labels = vote.labels.reindex(annotations.item_ids)
    codes = pd.Categorical(labels.where(labels.notna(), None), categories=list(annotations.categories)).codes
    share = vote.confidence.reindex(annotations.item_ids).to_numpy(dtype=float)
    return codes.astype(np.int64), share


def review_near_duplicates(annotations: "AnnotationSet", pairs: pd.DataFrame) -> NearDuplicateReview:
    """Split near-duplicate pairs by their consensus labels (same / different / unresolved).

    The consensus of an item is its plurality label (the most frequent label; a tie is unresolved).

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations whose item ids are those of the pairs.
    pairs : pandas.DataFrame
        The output of :func:`find_near_duplicates` (``item_a``, ``item_b``, ``similarity``, ``method``).

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> aset = load_annotations(pd.DataFrame({"item_id": ["a", "a", "b", "b", "c", "c"],
    ...     "annotator_id": ["x", "y"] * 3, "label": ["cat", "cat", "cat", "cat", "dog", "dog"]}))
    >>> pairs = pd.DataFrame({"item_a": ["a", "a"], "item_b": ["b", "c"], "similarity": [1.0, 0.97],
    ...                       "method": "dhash"})
    >>> review = review_near_duplicates(aset, pairs)
    >>> len(review.same_consensus), len(review.different_consensus)
    (1, 1)
    """
    if annotations.multilabel:
        raise InvalidParameterError("review_near_duplicates needs single-label annotations (a consensus label per item).")
    missing = [c for c in _PAIR_COLUMNS if c not in pairs.columns]
    if missing:
        raise AnnotationSchemaError(f"pairs lacks columns {missing}; pass the output of find_near_duplicates.")
    codes, share = _plurality(annotations)
    frame = pairs[_PAIR_COLUMNS].reset_index(drop=True).copy()
    cats = np.asarray(annotations.categories, dtype=object)
    known = 0
    for side in ("a", "b"):
        pos = annotations.item_ids.get_indexer(frame[f"item_{side}"].astype(str))
        known += int((pos >= 0).sum())
        code = np.where(pos >= 0, codes[np.maximum(pos, 0)], -1)
        frame[f"consensus_{side}"] = np.where(code >= 0, cats[np.maximum(code, 0)], None)
        frame[f"share_{side}"] = np.where(pos >= 0, share[np.maximum(pos, 0)], np.nan)
    if len(frame) and known == 0:
        raise AnnotationSchemaError(
            f"None of the paired item ids (e.g. '{frame['item_a'].iloc[0]}') is an item of the annotations "
            f"(e.g. '{annotations.item_ids[0]}'). Pass item_ids= to find_near_duplicates."
        )
    resolved = frame["consensus_a"].notna() & frame["consensus_b"].notna()
    same = resolved & (frame["consensus_a"] == frame["consensus_b"])
    different = resolved & ~same
    same_frame = frame[same].reset_index(drop=True)
    return NearDuplicateReview(
        same_consensus=same_frame,
        different_consensus=frame[different].reset_index(drop=True),
        unresolved=frame[~resolved].reset_index(drop=True),
        n_pairs=len(frame),
        n_items_duplicated=int(pd.unique(pd.concat([same_frame["item_a"], same_frame["item_b"]])).size),
    )


def near_duplicates_for(
    annotations: "AnnotationSet",
    model: Any = None,
    *,
    root: "str | os.PathLike[str] | None" = None,
    method: Method = "auto",
    threshold: float | None = None,
    layer: str | None = None,
    batch_size: int = 256,
    device: str = "auto",
    num_workers: int = 0,
    transform: Any = None,
    model_factory: Any = None,
    block_size: int = 2048,
) -> NearDuplicateReview:
    """Near-duplicate images of an annotation set, split by consensus label — one call.

    Wires the three steps: each item's image file (:func:`analytics.image_paths`, the ``image`` column,
    relative paths resolved against ``root``) → embeddings from the scoring model's penultimate layer
    (:func:`analytics.embed_images`) or difference hashes → :func:`find_near_duplicates` →
    :func:`review_near_duplicates`. ``same_consensus`` pairs are duplicates that inflate agreement;
    ``different_consensus`` pairs are evidence of ambiguous classes (or errors).

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations with an ``image`` column.
    model : TorchScript path, nn.Module or state dict, optional
        The scoring model (see :func:`analytics.score_images`). Needed for ``method="embedding"``.
    root : path, optional
        Folder that relative image paths are relative to (usually the annotations file's folder).
    method : {"auto", "embedding", "dhash"}
        ``"auto"``: embeddings when a model is given, else difference hashes of the files.
    threshold : float, optional
        Minimum similarity (defaults of :func:`find_near_duplicates`).
    layer, batch_size, device, num_workers, transform, model_factory
        Passed to :func:`analytics.embed_images`.
    block_size : int
        Passed to :func:`find_near_duplicates`.

    Returns
    -------
    NearDuplicateReview

    Examples
    --------
    >>> from analytics import load_annotations
    >>> aset = load_annotations("sample_data/digits/annotations.csv")
    >>> review = near_duplicates_for(aset, "sample_data/digits/digits_cnn.pt", root="sample_data/digits",
    ...                              device="cpu", threshold=0.999)
    >>> review.n_pairs >= 0
    True
    """
    from ._images import image_paths

    if method not in ("auto", "embedding", "dhash"):
        raise InvalidParameterError(f"method must be 'auto', 'embedding' or 'dhash'; got {method!r}.")
    if method == "auto":
        method = "embedding" if model is not None else "dhash"
    if method == "embedding" and model is None:
        raise InvalidParameterError("method='embedding' needs the scoring model (model=...); or use method='dhash'.")
    paths = image_paths(annotations, root=root)
    ids = [str(i) for i in paths.index]
    if method == "embedding":
        from .scoring import embed_images

        images: Any = embed_images(model, paths.tolist(), layer=layer, batch_size=batch_size, device=device,
                                   num_workers=num_workers, transform=transform, model_factory=model_factory)
    else:
        images = paths.tolist()
    pairs = find_near_duplicates(images, item_ids=ids, method=method, threshold=threshold, block_size=block_size)
    return review_near_duplicates(annotations, pairs)
