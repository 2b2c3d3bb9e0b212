"""Near-duplicates: dHash against PIL's box resize, blockwise search against brute force, crafted images."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from scipy.ndimage import gaussian_filter
from sklearn.metrics.pairwise import cosine_similarity

from _scoring_helpers import DIGITS
from analytics import AnnotationSchemaError, InvalidParameterError, load_annotations
from analytics.model.near_duplicates import difference_hash, find_near_duplicates, review_near_duplicates
from analytics.model.scoring import embed_images


def textures(n: int, size: int = 64, seed: int = 0) -> np.ndarray:
    """Smooth random grey images (blurred noise), uint8."""
    rng = np.random.default_rng(seed)
    raw = np.stack([gaussian_filter(rng.normal(size=(size, size)), sigma=3) for _ in range(n)])
    raw = (raw - raw.min(axis=(1, 2), keepdims=True)) / np.ptp(raw, axis=(1, 2), keepdims=True)
    return np.round(raw * 255).astype(np.uint8)


def scene(seed: int, size: int = 96) -> np.ndarray:
    """A photo-like grey image: a gradient, a few disks and a rectangle, mild noise (uint8)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    angle = rng.uniform(0, 2 * np.pi)
    img = 80 + 60 * (np.cos(angle) * xx + np.sin(angle) * yy)
    for _ in range(4):
        cy, cx, r = rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85), rng.uniform(0.08, 0.2)
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r ** 2] = rng.uniform(0, 255)
    y0, x0 = (rng.uniform(0, 0.6, 2) * size).astype(int)
    img[y0:y0 + int(0.3 * size), x0:x0 + int(0.35 * size)] = rng.uniform(0, 255)
    img += rng.normal(0, 4, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def shifted(img: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Translate by (dy, dx) pixels, repeating the edge."""
    return np.pad(img, ((max(dy, 0), max(-dy, 0)), (max(dx, 0), max(-dx, 0))), mode="edge")[
        max(-dy, 0):max(-dy, 0) + img.shape[0], max(-dx, 0):max(-dx, 0) + img.shape[1]]


# -- the hash ------------------------------------------------------------------------------------------
def area_mean(img: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Exact area averaging by brute force: repeat every pixel rows×cols times, then take block means."""
    h, w = img.shape
    fine = np.repeat(np.repeat(img.astype(np.float64), rows, axis=0), cols, axis=1)  # (h·rows, w·cols)
    return fine.reshape(rows, h, cols, w).mean(axis=(1, 3))


def reference_dhash(img: np.ndarray, hash_size: int = 8) -> np.ndarray:
    small = area_mean(img, hash_size, hash_size + 1)
    return (small[:, 1:] > small[:, :-1]).ravel()


@pytest.mark.parametrize("size, hash_size", [(64, 8), (50, 8), (37, 6), (64, 16), (31, 12)])
def test_dhash_matches_brute_force_area_averaging(size, hash_size):
    imgs = textures(6, size=size, seed=size)
    ours = difference_hash(imgs, hash_size=hash_size)
    assert ours.shape == (6, hash_size ** 2) and ours.dtype == bool
    np.testing.assert_array_equal(ours, np.stack([reference_dhash(img, hash_size) for img in imgs]))


def test_dhash_matches_pil_box_resize_when_sizes_divide():
    # PIL's BOX filter averages the pixels whose centres fall in a cell: exact area averaging when the
    # image size is a multiple of the hash size (72 = 8·9 = 9·8).
    imgs = textures(6, size=72, seed=3)
    for img, bits in zip(imgs, difference_hash(imgs)):
        small = np.asarray(Image.fromarray(img.astype(np.float32), mode="F").resize((9, 8), Image.Resampling.BOX))
        np.testing.assert_array_equal(bits, (small[:, 1:] > small[:, :-1]).ravel())


def test_dhash_of_files_equals_dhash_of_arrays(tmp_path):
    imgs = textures(4, seed=1)
    paths = []
    for k, img in enumerate(imgs):
        paths.append(str(tmp_path / f"t{k}.png"))
        Image.fromarray(img).save(paths[-1])
    np.testing.assert_array_equal(difference_hash(paths), difference_hash(imgs))
    rgb = np.repeat(imgs[:, None], 3, axis=1)  # grey stored as RGB gives the same hash
    np.testing.assert_array_equal(difference_hash(rgb), difference_hash(imgs))


# -- blockwise search == brute force ------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 40), block=st.integers(1, 50), threshold=st.floats(0.5, 1.0), seed=st.integers(0, 10_000))
def test_dhash_pairs_equal_brute_force(n, block, threshold, seed):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(4, 9, 10)).astype(float)  # few bases → many close pairs
    imgs = base[rng.integers(0, 4, n)] + rng.normal(0, 20, size=(n, 9, 10))
    bits = difference_hash(imgs)
    hamming = (bits[:, None, :] != bits[None, :, :]).sum(axis=2)
    sim = 1 - hamming / bits.shape[1]
    i, j = np.triu_indices(n, k=1)
    keep = sim[i, j] >= threshold - 1e-9  # thresholds within 1e-9 of a similarity count as reached
    expected = {(str(a), str(b), s) for a, b, s in zip(i[keep], j[keep], sim[i, j][keep])}
    got = find_near_duplicates(imgs, method="dhash", threshold=threshold, block_size=block)
    assert {(a, b, s) for a, b, s in zip(got.item_a, got.item_b, got.similarity)} == expected
    assert got["similarity"].is_monotonic_decreasing


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 40), block=st.integers(1, 50), threshold=st.floats(0.0, 0.99), seed=st.integers(0, 10_000))
def test_embedding_pairs_equal_sklearn_cosine(n, block, threshold, seed):
    rng = np.random.default_rng(seed)
    emb = rng.normal(size=(3, 5))[rng.integers(0, 3, n)] + rng.normal(0, 0.3, size=(n, 5))
    cos = cosine_similarity(emb)
    i, j = np.triu_indices(n, k=1)
    # pairs clearly above/below the threshold must be found/left out; float32 may decide the ±1e-5 band
    got = find_near_duplicates(emb, threshold=threshold, block_size=block)
    found = {(int(a), int(b)): s for a, b, s in zip(got.item_a, got.item_b, got.similarity)}
    for a, b in zip(i, j):
        if cos[a, b] >= threshold + 1e-5:
            assert found[(a, b)] == pytest.approx(cos[a, b], abs=1e-5)
        elif cos[a, b] < threshold - 1e-5:
            assert (a, b) not in found
    assert set(got["method"]) <= {"embedding"}


# -- crafted images: an exact copy, a shifted copy, an unrelated image --------------------------------
def test_crafted_images_with_dhash():
    base, other = scene(0), scene(1)
    images = np.stack([base, base.copy(), shifted(base, 1, 1), other])
    pairs = find_near_duplicates(images, item_ids=["orig", "copy", "shifted", "unrelated"])
    found = {(a, b): s for a, b, s in zip(pairs.item_a, pairs.item_b, pairs.similarity)}
    assert found[("orig", "copy")] == 1.0
    assert 0.875 <= found[("orig", "shifted")] < 1.0
    assert not any("unrelated" in key for key in found)
    assert pairs.iloc[0][["item_a", "item_b", "method"]].tolist() == ["orig", "copy", "dhash"]


def test_crafted_images_with_digits_cnn_embeddings():
    truth = pd.read_csv(DIGITS / "truth.csv", dtype=str).set_index("item_id")
    nine = np.asarray(Image.open(DIGITS / "images" / "d0001.png"))
    assert truth.loc["d0001", "true_label"] == "9"
    one_id = truth.index[(truth["true_label"] == "1") & (truth["illegible"] == "false")][0]
    one = np.asarray(Image.open(DIGITS / "images" / f"{one_id}.png"))
    images = np.stack([nine, nine.copy(), shifted(nine, 0, 1), one])
    emb = embed_images(str(DIGITS / "digits_cnn.pt"), images, device="cpu")
    pairs = find_near_duplicates(emb, item_ids=["orig", "copy", "shifted", "unrelated"], threshold=0.95)
    found = {(a, b): s for a, b, s in zip(pairs.item_a, pairs.item_b, pairs.similarity)}
    assert found[("orig", "copy")] == pytest.approx(1.0, abs=1e-6)
    assert 0.95 <= found[("orig", "shifted")] < 1.0
    assert not any("unrelated" in key for key in found)


def test_default_ids_are_file_stems(tmp_path):
    base, other = textures(2, seed=9)
    paths = []
    for name, img in [("a", base), ("b", base), ("c", other)]:
        paths.append(tmp_path / f"{name}.png")
        Image.fromarray(img).save(paths[-1])
    pairs = find_near_duplicates(paths)
    assert pairs[["item_a", "item_b"]].values.tolist() == [["a", "b"]]


def test_invalid_arguments():
    emb = np.eye(3)
    with pytest.raises(InvalidParameterError, match="method"):
        find_near_duplicates(emb, method="phash")
    with pytest.raises(InvalidParameterError, match="2 item ids"):
        find_near_duplicates(emb, item_ids=["a", "b"])
    with pytest.raises(InvalidParameterError, match="distinct"):
        find_near_duplicates(emb, item_ids=["a", "b", "a"])
    with pytest.raises(InvalidParameterError, match="threshold"):
        find_near_duplicates(emb, threshold=1.5)
    with pytest.raises(InvalidParameterError, match="finite"):
        find_near_duplicates(np.array([[np.nan, 1.0]]), method="embedding")
    with pytest.raises(InvalidParameterError, match="hash_size"):
        difference_hash(textures(1), hash_size=1)
    with pytest.raises(InvalidParameterError, match=r"\(N, H, W\)"):
        difference_hash(np.zeros((2, 5)))
    with pytest.raises(InvalidParameterError, match="block_size"):
        find_near_duplicates(emb, block_size=0)


# -- same vs different consensus -----------------------------------------------------------------------
def _pilot():
    rows = [("a", "u1", "cat"), ("a", "u2", "cat"), ("a", "u3", "dog"),
            ("b", "u1", "cat"), ("b", "u2", "cat"),
            ("c", "u1", "dog"), ("c", "u2", "dog"),
            ("d", "u1", "cat"), ("d", "u2", "dog")]  # d: a tie, no consensus
    return load_annotations(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]))


def test_review_splits_pairs_by_consensus():
    pairs = pd.DataFrame({"item_a": ["a", "a", "b", "c"], "item_b": ["b", "c", "d", "zz"],
                          "similarity": [1.0, 0.97, 0.95, 0.93], "method": "dhash"})
    review = review_near_duplicates(_pilot(), pairs)
    assert review.n_pairs == 4 and review.n_items_duplicated == 2
    same = review.same_consensus
    assert same[["item_a", "item_b", "consensus_a", "consensus_b"]].values.tolist() == [["a", "b", "cat", "cat"]]
    assert same["share_a"].iloc[0] == pytest.approx(2 / 3) and same["share_b"].iloc[0] == 1.0
    assert review.different_consensus[["item_a", "item_b", "consensus_b"]].values.tolist() == [["a", "c", "dog"]]
    unresolved = review.unresolved
    assert unresolved[["item_a", "item_b"]].values.tolist() == [["b", "d"], ["c", "zz"]]
    assert unresolved["consensus_b"].isna().all() and np.isnan(unresolved["share_b"].iloc[1])
    assert review.to_dict()["n_pairs"] == 4


def test_review_errors():
    aset = _pilot()
    with pytest.raises(AnnotationSchemaError, match="None of the paired item ids"):
        review_near_duplicates(aset, pd.DataFrame({"item_a": ["0"], "item_b": ["1"], "similarity": [1.0],
                                                   "method": "dhash"}))
    with pytest.raises(AnnotationSchemaError, match="lacks columns"):
        review_near_duplicates(aset, pd.DataFrame({"a": [1]}))
    empty = review_near_duplicates(aset, find_near_duplicates(np.eye(3), item_ids=["a", "b", "c"]))
    assert empty.n_pairs == 0 and empty.same_consensus.empty and "consensus_a" in empty.same_consensus
