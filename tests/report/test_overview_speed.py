"""The Overview's speed changes of issue 17 compute what the straightforward code computed.

* per-annotator swaps and trials of class pairs (``pair_swaps_from_codes``: annotations grouped by label once,
  one ``bincount`` per pair side) equal the per-pair scan of :func:`pair_swap_flags` with weighted ``bincount``
  as it was, on dense and sparse counts, and ``annotator_pair_swaps`` answers overlapping, repeated and reordered
  lists on one set as that scan does;
* the peer counts equal the counts from ``reference_correctness`` (whichever way they are computed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from analytics import load_annotations
from analytics._reshape import annotator_pair_swaps, item_category_counts
from analytics._reshape._pair_kernels import column_major, pair_swap_flags, pair_swaps_from_codes
from analytics.annotators.drift import reference_correctness
from analytics.annotators.peers import _peer_counts


def _random_set(seed: int, n_items: int, n_annotators: int, q: int, missing: float):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n_items)
    labels = np.where(rng.random((n_items, n_annotators)) < rng.uniform(0.2, 0.95), truth[:, None],
                      rng.integers(0, q, (n_items, n_annotators)))
    keep = rng.random((n_items, n_annotators)) >= missing
    keep[np.arange(n_items), rng.integers(0, n_annotators, n_items)] = True
    items, anns = np.nonzero(keep)
    frame = pd.DataFrame({"item_id": [f"i{i}" for i in items], "annotator_id": [f"a{a}" for a in anns],
                          "label": [f"c{c}" for c in labels[items, anns]]})
    return load_annotations(frame, categories=[f"c{c}" for c in range(q)])


def _per_pair_scan(aset, counts, pairs):
    """``pair_swaps_from_codes`` as it was before issue 17: one scan of every annotation per pair."""
    counts = column_major(counts)
    swaps = np.zeros((len(pairs), aset.n_annotators), dtype=np.int64)
    trials = np.zeros((len(pairs), aset.n_annotators), dtype=np.int64)
    for p, (a, b) in enumerate(pairs):
        sel, trial, swap, _ = pair_swap_flags(aset.item_codes, aset.label_codes, counts, int(a), int(b))
        ann = aset.annotator_codes[sel]
        trials[p] = np.bincount(ann, weights=trial, minlength=aset.n_annotators).astype(np.int64)
        swaps[p] = np.bincount(ann, weights=swap, minlength=aset.n_annotators).astype(np.int64)
    return swaps, trials


sets = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(2, 6), st.integers(2, 7),
                 st.sampled_from([0.0, 0.4, 0.8]))


@settings(max_examples=80, deadline=None)
@given(sets, st.booleans(), st.data())
def test_pair_swaps_equal_the_per_pair_scan(design, as_sparse, data):
    aset = _random_set(*design)
    q = aset.n_categories
    counts = item_category_counts(aset)
    counts = sparse.csr_matrix(counts) if as_sparse else np.asarray(counts)
    all_pairs = [(a, b) for a in range(q) for b in range(q) if a != b]
    pairs = np.array(data.draw(st.lists(st.sampled_from(all_pairs), max_size=12)), dtype=np.int64).reshape(-1, 2)
    fast = pair_swaps_from_codes(aset.item_codes, aset.annotator_codes, aset.label_codes, counts, pairs,
                                 aset.n_annotators)
    slow = _per_pair_scan(aset, counts, pairs)
    assert np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1])


@settings(max_examples=40, deadline=None)
@given(sets, st.data())
def test_annotator_pair_swaps_of_a_set_equal_the_per_pair_scan(design, data):
    aset = _random_set(*design)
    q = aset.n_categories
    all_pairs = [(a, b) for a in range(q) for b in range(a + 1, q)]
    for _ in range(3):  # overlapping, repeated and reordered lists on the same set
        pairs = np.array(data.draw(st.lists(st.sampled_from(all_pairs), max_size=8)), dtype=np.int64).reshape(-1, 2)
        got = annotator_pair_swaps(aset, pairs)
        expected = _per_pair_scan(aset, item_category_counts(aset), pairs)
        assert np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1])


@settings(max_examples=60, deadline=None)
@given(sets)
def test_peer_counts_equal_the_reference_correctness_counts(design):
    aset = _random_set(*design)
    correct, _ = reference_correctness(aset, use_gold=False)
    scored = np.isfinite(correct)
    n = np.bincount(aset.annotator_codes[scored], minlength=aset.n_annotators)
    a = np.bincount(aset.annotator_codes[scored], weights=correct[scored], minlength=aset.n_annotators)
    got_n, got_a = _peer_counts(aset)
    assert np.array_equal(got_n, n.astype(np.int64)) and np.array_equal(got_a, a.round().astype(np.int64))
