"""The report's fast paths (issue 17 point 6) against the straightforward per-row computations they replace.

Each reference below is the code as it was before the speed-up (one row per item or per annotation); the fast
path computes the same arithmetic once per distinct row and maps it back, so the results must be identical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from analytics import load_annotations
from analytics._reshape import item_category_counts
from analytics._reshape._distinct import distinct_design_rows, distinct_rows


def random_set(seed: int, *, n_items: int = 60, n_annotators: int = 5, n_classes: int = 4, gold: bool = False):
    """Items with 1..n_annotators ratings from named annotators (ties, single ratings, unused classes included)."""
    rng = np.random.default_rng(seed)
    rows = []
    truth = rng.integers(0, n_classes, n_items)
    for i in range(n_items):
        who = rng.choice(n_annotators, size=int(rng.integers(1, n_annotators + 1)), replace=False)
        for a in who:
            label = truth[i] if rng.random() < 0.6 else rng.integers(0, n_classes)
            rows.append((f"item-{i:03d}", f"ann_{a}", f"c{label}"))
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])
    if gold:
        g = pd.DataFrame({"item_id": [f"item-{i:03d}" for i in range(0, n_items, 3)],
                          "gold_label": [f"c{truth[i]}" for i in range(0, n_items, 3)]})
        return load_annotations(frame, gold=g)
    return load_annotations(frame)


# -- distinct rows -------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 200), st.integers(1, 6), st.sampled_from(["small", "wide", "float"]))
def test_distinct_rows_rebuild_the_table(seed, n, k, kind):
    rng = np.random.default_rng(seed)
    values = {"small": rng.integers(0, 3, (n, k)), "wide": rng.integers(-2, 3, (n, k)) * 10 ** 17,
              "float": rng.integers(0, 3, (n, k)) / 2.0}[kind]
    codes, first = distinct_rows(values)
    np.testing.assert_array_equal(values[first][codes], values)
    assert len(first) == len(np.unique(values, axis=0))
    assert list(codes[first]) == list(range(len(first)))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 120), st.integers(1, 12))
def test_distinct_design_rows_rebuild_the_matrix(seed, n, k):
    rng = np.random.default_rng(seed)
    dense = np.where(rng.random((n, k)) < 0.4, rng.integers(1, 3, (n, k)), 0).astype(np.float64)
    design = sparse.csr_matrix(dense)
    codes, first = distinct_design_rows(design)
    np.testing.assert_array_equal(dense[first][codes], dense)
    assert len(first) == len(np.unique(dense, axis=0))


# -- leave-one-out labels (drift, peers, recommendations) -----------------------------------------------------
def _leave_one_out_reference(aset) -> np.ndarray:
    counts = item_category_counts(aset)
    rows = np.arange(aset.n_annotations)
    others = counts[aset.item_codes].astype(np.int32)
    others[rows, aset.label_codes] -= 1
    top = others.max(axis=1)
    unique = (others == top[:, None]).sum(axis=1) == 1
    return np.where((top > 0) & unique, np.argmax(others, axis=1), -1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(2, 7), st.integers(2, 6))
def test_leave_one_out_codes_equal_the_per_annotation_rule(seed, n_annotators, n_classes):
    from analytics.annotators.drift import leave_one_out_codes

    aset = random_set(seed, n_annotators=n_annotators, n_classes=n_classes)
    np.testing.assert_array_equal(leave_one_out_codes(aset), _leave_one_out_reference(aset))


# -- label errors -------------------------------------------------------------------------------------------
def _same_label_errors(fast, slow) -> None:
    for name in ("candidates", "scores", "excluded"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), check_exact=True)
    pd.testing.assert_series_equal(fast.class_thresholds, slow.class_thresholds, check_exact=True)
    for name in ("threshold", "people_method", "uses_model", "n_items", "n_scored", "n_candidates", "n_excluded",
                 "sentence", "notes"):
        assert getattr(fast, name) == getattr(slow, name), name


def _with_unknown(seed: int):
    rng = np.random.default_rng(seed)
    aset = random_set(seed, n_items=40, n_classes=3)
    frame = aset.frame[["item_id", "annotator_id", "label"]].copy()
    frame["label"] = frame["label"].astype(object)
    frame.loc[rng.random(len(frame)) < 0.2, "label"] = "unknown"
    return load_annotations(frame, unknown_label="unknown")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.sampled_from(["plain", "gold", "given", "model", "unknown", "counts", "threshold",
                                                "integer_ids"]))
def test_label_errors_equal_the_per_item_computation(seed, case):
    from analytics import find_label_errors
    from tests.report._reference_label_errors import find_label_errors_reference

    options = {}
    if case == "gold":
        aset = random_set(seed, gold=True)
    elif case == "unknown":
        aset = _with_unknown(seed)
    elif case == "counts":
        rng = np.random.default_rng(seed)
        votes = pd.DataFrame(rng.integers(0, 4, (50, 3)), columns=["a", "b", "c"]).assign(item=[f"i{j}" for j in range(50)])
        votes = votes[votes[["a", "b", "c"]].sum(axis=1) > 0]
        aset = load_annotations(votes, format="counts", item="item")
    elif case == "integer_ids":  # numeric item order is not the text order the ties are ranked in
        frame = random_set(seed).frame[["item_id", "annotator_id", "label"]].copy()
        frame["item_id"] = frame["item_id"].astype(str).str[5:].astype(int)
        aset = load_annotations(frame)
    else:
        aset = random_set(seed)
    if case == "given":
        rng = np.random.default_rng(seed)
        ids = list(aset.item_ids)[::2]
        options["given"] = pd.Series(rng.choice(["c0", "c1", "c2", "c3", "zz"], len(ids)), index=ids)
    if case == "model":
        rng = np.random.default_rng(seed)
        probs = rng.dirichlet(np.ones(4), aset.n_items)
        options["predictions"] = pd.DataFrame(probs, columns=["c0", "c1", "c2", "c3"]).assign(
            item_id=list(aset.item_ids)).iloc[: aset.n_items - 3]
    if case == "threshold":
        options["threshold"] = 0.2
    import warnings

    import analytics
    from analytics.io._coerce import at_boundary

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = analytics.find_label_errors(aset, **options)
        slow = at_boundary(find_label_errors_reference)(aset, **options)
    _same_label_errors(fast, slow)


# -- Dawid-Skene: the E-step once per distinct row ------------------------------------------------------------
def _same_fit(fast, slow) -> None:
    pd.testing.assert_frame_equal(fast.posteriors, slow.posteriors, check_exact=True)
    pd.testing.assert_series_equal(fast.labels, slow.labels, check_exact=True)
    pd.testing.assert_series_equal(fast.annotator_accuracy, slow.annotator_accuracy, check_exact=True)
    pd.testing.assert_series_equal(fast.class_priors, slow.class_priors, check_exact=True)
    np.testing.assert_array_equal(fast.annotator_confusion, slow.annotator_confusion)
    assert fast.log_likelihood == slow.log_likelihood
    assert (fast.n_iter, fast.converged) == (slow.n_iter, slow.converged)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.booleans(), st.sampled_from(["squarem", "none"]), st.integers(2, 6))
def test_dawid_skene_on_distinct_rows_equals_the_per_item_e_step(seed, use_gold, acceleration, n_annotators):
    import warnings
    from unittest import mock

    from analytics import dawid_skene
    from analytics.annotators import _dawid_skene as ds

    aset = random_set(seed, n_items=150, n_annotators=n_annotators, n_classes=3, gold=use_gold)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = dawid_skene(aset, use_gold=use_gold, acceleration=acceleration)
        with mock.patch.object(ds.DistinctRows, "of", classmethod(lambda cls, design, gold: None)):
            slow = dawid_skene(aset, use_gold=use_gold, acceleration=acceleration)
    _same_fit(fast, slow)


def test_dawid_skene_distinct_rows_are_used_on_repeated_patterns():
    from analytics.annotators import _dawid_skene as ds
    from analytics.annotators.consensus import em_partition_of, start_posteriors

    aset = random_set(3, n_items=400, n_annotators=3, n_classes=2)
    data = ds.InMemoryPartitions([em_partition_of(aset, False)], [start_posteriors(aset, "majority")])
    assert data.distinct[0] is not None and data.distinct[0].design.shape[0] < aset.n_items / 2


# -- review routing ----------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.sampled_from(["auto", "vote_split", "weighted_vote_split"]),
       st.sampled_from([0.6, 0.9, 0.95]), st.booleans())
def test_routing_equals_the_per_item_computation(seed, method, threshold, anonymous):
    import warnings

    from analytics import review_queue, review_summary, route_for_review
    from tests.report import _reference_routing as ref

    if anonymous:
        rng = np.random.default_rng(seed)
        votes = pd.DataFrame(rng.integers(0, 4, (80, 3)), columns=["a", "b", "c"]).assign(item=[f"i{j}" for j in range(80)])
        aset = load_annotations(votes[votes[["a", "b", "c"]].sum(axis=1) > 0], format="counts", item="item")
        method = "vote_split" if method == "weighted_vote_split" else method
    else:
        aset = random_set(seed, n_items=120, n_annotators=6, n_classes=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = route_for_review(aset, method=method, threshold=threshold)
        slow = ref.route_for_review(aset, method=method, threshold=threshold)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast.attrs == slow.attrs
    decisions = [("adjudicate", "senior_review", "needs_overlap"), ("accept",), ("needs_overlap", "adjudicate")]
    for table in (fast, fast.assign(decision=fast["decision"].astype(str))):  # categorical and text decisions
        pd.testing.assert_frame_equal(review_summary(table), ref.review_summary(table), check_exact=True)
        for chosen in decisions:
            pd.testing.assert_frame_equal(review_queue(table, decisions=chosen),
                                          ref.review_queue(table, decisions=chosen), check_exact=True)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_agreement_counts_equal_the_scored_subset_sums(seed):
    from analytics.annotators.consensus import agreement_counts

    aset = random_set(seed, n_items=50, n_annotators=4, n_classes=3)
    codes = np.random.default_rng(seed).integers(-1, 3, aset.n_items)
    target = codes[aset.item_codes]
    scored = target >= 0
    n = np.bincount(aset.annotator_codes[scored], minlength=aset.n_annotators)
    hits = np.bincount(aset.annotator_codes[scored], weights=(aset.label_codes == target)[scored],
                       minlength=aset.n_annotators)
    fast_hits, fast_n = agreement_counts(aset, codes)
    np.testing.assert_array_equal(fast_hits, hits)
    np.testing.assert_array_equal(fast_n, n)
    assert fast_n.dtype == n.dtype and fast_hits.dtype == hits.dtype


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["majority", "majority_hard"]))
def test_start_posteriors_equal_the_per_item_shares(seed, init):
    from analytics.annotators.consensus import start_posteriors

    aset = random_set(seed, n_items=80, n_annotators=4, n_classes=3)
    counts = item_category_counts(aset).astype(np.float64)
    if init == "majority_hard":
        counts = (counts == counts.max(axis=1, keepdims=True)).astype(np.float64)
    np.testing.assert_array_equal(start_posteriors(aset, init), counts / counts.sum(axis=1, keepdims=True))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.booleans())
def test_split_support_per_distinct_pair_equals_per_item(seed, weighted):
    from unittest import mock

    from analytics.annotators import _support

    rng = np.random.default_rng(seed)
    votes = rng.integers(0, 4, (300, 4)).astype(np.float64)
    if weighted:
        votes = votes * rng.choice([0.0, 0.25, 1 / 3, 0.9], size=(300, 4))
    label = rng.integers(0, 4, 300)
    with mock.patch.object(_support, "_DISTINCT_FROM", 0):
        fast = _support.split_support(votes, label)
    with mock.patch.object(_support, "_DISTINCT_FROM", 10 ** 9):
        slow = _support.split_support(votes, label)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1], slow[1])


# -- confusion hotspots: each annotator's swaps on a class pair ------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(2, 5))
def test_pair_swaps_from_patterns_equal_the_per_annotation_flags(seed, n_annotators, n_classes):
    from analytics._reshape import annotator_pair_swaps, pair_swaps_from_codes

    aset = random_set(seed, n_items=80, n_annotators=n_annotators, n_classes=n_classes)
    pairs = np.array([(a, b) for a in range(n_classes) for b in range(n_classes) if a != b])
    item_category_counts(aset)  # the dense counts at hand: the pattern path is taken
    fast = annotator_pair_swaps(aset, pairs)
    assert "pattern_annotator_labels" in aset._cache and aset._cache["pattern_annotator_labels"] is not None
    slow = pair_swaps_from_codes(aset.item_codes, aset.annotator_codes, aset.label_codes, item_category_counts(aset),
                                 pairs, aset.n_annotators)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1], slow[1])
    assert fast[0].dtype == slow[0].dtype == np.int64


# -- recommendations: agreement with peers, dissent per annotator, example items ----------------------------------
@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(2, 5))
def test_peer_counts_equal_the_reference_correctness_sums(seed, n_annotators, n_classes):
    from analytics.annotators.drift import reference_correctness
    from analytics.annotators.peers import _peer_counts

    aset = random_set(seed, n_items=60, n_annotators=n_annotators, n_classes=n_classes, gold=True)
    correct, _ = reference_correctness(aset, use_gold=False)
    scored = np.isfinite(correct)
    n = np.bincount(aset.annotator_codes[scored], minlength=aset.n_annotators).astype(np.int64)
    a = np.bincount(aset.annotator_codes[scored], weights=correct[scored], minlength=aset.n_annotators)
    fast_n, fast_a = _peer_counts(aset)
    np.testing.assert_array_equal(fast_n, n)
    np.testing.assert_array_equal(fast_a, a.round().astype(np.int64))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(2, 5))
def test_annotator_dissent_equals_the_per_annotation_count(seed, n_annotators, n_classes):
    from types import SimpleNamespace
    from unittest import mock

    from analytics.annotators.drift import leave_one_out_codes
    from analytics.taxonomy import _recommend_rules as rules

    aset = random_set(seed, n_items=60, n_annotators=n_annotators, n_classes=n_classes)
    ref = leave_one_out_codes(aset)
    everyone = [str(a) for a in aset.annotator_ids]
    ctx = SimpleNamespace(aset=aset, cache={"peers": (ref, everyone)},
                          rules=SimpleNamespace(retrain_share=0.0, confidence_level=0.95))
    real_argmax = np.argmax
    for c in range(n_classes):
        dissent = (ref >= 0) & ((aset.label_codes == c) != (ref == c))
        expected = np.bincount(aset.annotator_codes[dissent], minlength=aset.n_annotators)
        seen = []
        with mock.patch.object(rules.np, "argmax", side_effect=lambda per: seen.append(per) or real_argmax(per)):
            gaps = rules._annotator_explains(ctx, c, f"c{c}")  # every annotator "flagged": the top one is named
        if expected.sum():
            np.testing.assert_array_equal(seen[0], expected)
            top = real_argmax(expected)
            assert gaps and gaps[0].startswith(f"{everyone[top]} makes {expected[top] / expected.sum():.0%}")
        else:
            assert gaps == []


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(1, 8), st.booleans())
def test_example_items_in_code_order_equal_the_id_sort(seed, k, integer_ids):
    from unittest import mock

    from analytics._reshape import _classes, example_items

    rng = np.random.default_rng(seed)
    rows = [(i if integer_ids else f"it{i}", f"a{a}", f"c{rng.integers(0, 3)}") for i in rng.permutation(90)
            for a in range(int(rng.integers(1, 5)))]
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])
    requests = [("pair", 0, 1), ("pair", 1, 2), ("class", 0), ("class", 2)]
    fast = example_items(load_annotations(frame), requests, k)
    with mock.patch.object(_classes, "_codes_in_id_order", lambda aset: False):
        slow = example_items(load_annotations(frame), requests, k)
    assert fast == slow


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 120), st.integers(2, 8))
def test_distinct_design_rows_of_full_rows(seed, n, k):
    rng = np.random.default_rng(seed)
    width = int(rng.integers(1, k + 1))
    dense = np.zeros((n, k))
    for i in range(n):  # every row holds `width` entries
        dense[i, rng.choice(k, width, replace=False)] = rng.integers(1, 3, width)
    codes, first = distinct_design_rows(sparse.csr_matrix(dense))
    np.testing.assert_array_equal(dense[first][codes], dense)
    assert len(first) == len(np.unique(dense, axis=0))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.booleans(), st.booleans())
def test_em_design_from_sorted_codes_equals_the_coo_build(seed, grouped, duplicates):
    from analytics.annotators import _dawid_skene as ds

    rng = np.random.default_rng(seed)
    n_items, n_annotators, k = 30, 4, 3
    items = rng.integers(0, n_items, 150)
    annotators = rng.integers(0, n_annotators, 150)
    if not duplicates:  # one rating per (item, annotator)
        _, keep = np.unique(items * n_annotators + annotators, return_index=True)
        items, annotators = items[keep], annotators[keep]
    labels = rng.integers(0, k, len(items))
    if grouped:
        order = np.lexsort((annotators, items))
        items, annotators, labels = items[order], annotators[order], labels[order]
    part = ds.em_partition(items, annotators, labels, n_items, n_annotators, k)
    cols = annotators * k + labels
    slow = sparse.csr_matrix((np.ones(len(items)), (items, cols)), shape=(n_items, n_annotators * k))
    slow.sum_duplicates()
    for name in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(part.design, name), getattr(slow, name))
    assert part.design.has_canonical_format and part.design.shape == slow.shape


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(2, 5))
def test_majority_vote_per_distinct_row_equals_per_item(seed, n_annotators, n_classes):
    from analytics import majority_vote

    aset = random_set(seed, n_items=70, n_annotators=n_annotators, n_classes=n_classes)
    res = majority_vote(aset)
    counts = item_category_counts(aset)
    m = counts.sum(axis=1)
    top = counts.max(axis=1)
    tied = (counts == top[:, None]).sum(axis=1) > 1
    codes = np.where(tied, -1, np.argmax(counts, axis=1))
    names = np.asarray(aset.categories, dtype=object)
    np.testing.assert_array_equal(res.posteriors.to_numpy(), counts / m[:, None])
    np.testing.assert_array_equal(res.confidence.to_numpy(), top / m)
    np.testing.assert_array_equal(res.n_ratings.to_numpy(), m)
    assert res.labels.tolist() == [names[c] if c >= 0 else pd.NA for c in codes]
    assert res.labels.dtype == object and res.n_unresolved == int((codes < 0).sum())
    target = codes[aset.item_codes]
    scored = target >= 0
    expected = (np.bincount(aset.annotator_codes[scored], weights=(aset.label_codes == target)[scored],
                            minlength=aset.n_annotators)
                / np.bincount(aset.annotator_codes[scored], minlength=aset.n_annotators))
    np.testing.assert_array_equal(res.annotator_accuracy.to_numpy(), expected)
