"""find_label_errors: planted flips on CIFAR-10 (combined beats votes and model alone), hand-checked small cases,
the separate list for Unknown and unrepresentable items, and properties (order invariance, clean data → nothing)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score

import analytics as aqa
from analytics import InvalidParameterError, find_label_errors, load_annotations
from analytics.exceptions import AnnotationSchemaError
from tests.conftest import DATASETS, need


# -- CIFAR-10: planted flips (fast subset of benchmarks/label_errors_cifar10.py) -------------------------------
def _subsample_votes(counts: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` of each image's votes drawn without replacement (a 3-rater pilot out of ~51 raters)."""
    out = np.zeros_like(counts)
    for i, row in enumerate(counts):
        out[i] = rng.multivariate_hypergeometric(row, min(k, int(row.sum())))
    return out


@pytest.fixture(scope="module")
def cifar_subset():
    folder = need(DATASETS / "cifar10h")
    counts = pd.read_csv(folder / "human_counts.csv").head(2000)
    probs = pd.read_csv(folder / "model_probs_resnet18.csv").head(2000)
    truth = pd.read_csv(folder / "truth.csv").head(2000)
    cats = [c for c in counts.columns if c != "image_index"]
    votes = _subsample_votes(counts[cats].to_numpy(), 3, np.random.default_rng(11))
    table = pd.DataFrame(votes, columns=cats).assign(image_index=counts["image_index"].astype(str))
    aset = load_annotations(table, format="counts", item="image_index")
    preds = probs.rename(columns={"image_index": "item_id"}).assign(item_id=lambda f: f["item_id"].astype(str))
    given_labels = pd.Series(truth["true_label"].to_numpy(), index=truth["image_index"].astype(str))
    return aset, preds, given_labels, cats


@pytest.mark.parametrize("seed", [101, 102])
def test_combined_ranking_beats_votes_alone_and_model_alone(cifar_subset, seed):
    aset, preds, truth, cats = cifar_subset
    rng = np.random.default_rng(seed)
    codes = pd.Categorical(truth.to_numpy(), categories=cats).codes.astype(np.int64)
    flipped = rng.choice(len(codes), 20, replace=False)
    codes[flipped] = (codes[flipped] + rng.integers(1, len(cats), 20)) % len(cats)
    noisy = pd.Series(np.asarray(cats, dtype=object)[codes], index=truth.index)
    planted = pd.Series(False, index=truth.index)
    planted.iloc[flipped] = True
    combined = find_label_errors(aset, given=noisy, predictions=preds)
    votes = find_label_errors(aset, given=noisy)
    assert combined.uses_model and not votes.uses_model and combined.people_method == "dirichlet_multinomial"

    def ap(table, score):
        return average_precision_score(planted.reindex(table["item_id"]).to_numpy(), score)

    ap_combined = ap(combined.scores, combined.scores["log_odds_wrong"])
    ap_votes = ap(votes.scores, votes.scores["log_odds_wrong"])
    ap_model = ap(combined.scores, -combined.scores["model_p_given"])
    assert ap_combined > ap_votes and ap_combined > ap_model
    assert ap_combined > 0.85
    # the candidates hold nearly every flip, and the flips lead the list; each row carries its evidence
    found = combined.candidates
    assert planted[found["item_id"]].sum() >= 18 and planted[found["item_id"].head(20)].sum() >= 15
    row = found.iloc[0]
    assert row["given_label"] == noisy[row["item_id"]] and row["suggested_label"] != row["given_label"]
    assert row["signal"] in aqa.annotators.label_errors.SIGNALS[:4]
    assert 0 <= row["model_p_given"] <= 1 and 0 <= row["people_p_given"] <= 1 and "×" in row["votes"]


def test_cifar10_model_flags_follow_confident_learning(cifar_subset):
    """The model signal is the off-diagonal of the confident joint with per-class thresholds t_j (a direct oracle)."""
    aset, preds, truth, cats = cifar_subset
    res = find_label_errors(aset, given=truth, predictions=preds)
    p = preds.set_index("item_id")[cats].reindex(res.scores["item_id"]).to_numpy()
    g = pd.Categorical(res.scores["given_label"], categories=cats).codes
    t = np.array([p[g == j, j].mean() for j in range(len(cats))])
    np.testing.assert_allclose(res.class_thresholds.reindex(cats).to_numpy(), t, rtol=1e-9)
    masked = np.where(p >= t[None, :], p, -np.inf)
    expected = np.isfinite(masked.max(axis=1)) & (masked.argmax(axis=1) != g)
    fired = res.scores["signal"].isin(["model", "people and model"]).to_numpy()
    np.testing.assert_array_equal(fired, expected)


# -- small cases by hand --------------------------------------------------------------------------------------
def test_votes_alone_with_given_labels_and_the_consensus_default():
    votes = pd.DataFrame({"item": ["a", "b", "c", "d"], "cat": [9, 0, 8, 1], "dog": [1, 10, 2, 9]})
    aset = load_annotations(votes, format="counts")
    res = find_label_errors(aset, given=pd.Series({"a": "cat", "b": "cat", "c": "cat", "d": "dog"}))
    assert res.candidates["item_id"].tolist() == ["b"] and res.candidates["signal"].tolist() == ["people"]
    assert res.candidates.loc[0, "vote_share_given"] == 0 and res.candidates.loc[0, "given_source"] == "given"
    assert not res.uses_model and np.isnan(res.candidates.loc[0, "model_p_given"])
    assert res.scores["rank"].tolist() == [1, 2, 3, 4]
    # without given labels the consensus is checked: people never contradict their own consensus
    default = find_label_errors(aset)
    assert default.n_candidates == 0 and set(default.scores["given_source"]) == {"consensus"}
    assert (default.scores["p_given_wrong"] < 0.5).all()


def test_the_model_overturns_a_weak_consensus_and_the_people_a_weak_model():
    votes = pd.DataFrame({"item": ["x", "y"], "cat": [2, 10], "dog": [1, 0]})
    aset = load_annotations(votes, format="counts")
    preds = pd.DataFrame({"item_id": ["x", "y"], "cat": [0.001, 0.45], "dog": [0.999, 0.55]})
    res = find_label_errors(aset, predictions=preds)  # given = consensus: cat, cat
    by_item = res.scores.set_index("item_id")
    assert by_item.loc["x", "p_given_wrong"] > 0.5 and by_item.loc["x", "suggested_label"] == "dog"
    assert by_item.loc["x", "signal"] in ("model", "combined")
    assert by_item.loc["y", "p_given_wrong"] < 0.5  # ten votes for cat outweigh a model at 55% dog


def test_unknown_and_unrepresentable_items_are_a_separate_list():
    frame = pd.DataFrame({
        "item_id": ["u"] * 3 + ["v"] * 3 + ["w"] * 3 + ["z"] * 3,
        "annotator_id": list("abc") * 4,
        "label": ["Unknown", "Unknown", "4"] + ["4", "4", "4"] + ["7", "7", "1"] + ["9", "9", "9"],
    })
    preds = pd.DataFrame({"item_id": ["u", "v", "w", "z"], "1": [0.1, 0.05, 0.9, 0.0], "4": [0.8, 0.9, 0.05, 0.0],
                          "7": [0.1, 0.05, 0.05, 1.0]})
    aset = load_annotations(frame, predictions=preds)
    res = find_label_errors(aset, given=pd.Series({"u": "4", "v": "Unknown", "w": "7", "z": "9"}))
    reasons = res.excluded.set_index("item_id")["reason"].to_dict()
    assert reasons == {"u": "people marked the item Unknown", "v": "the given label is Unknown",
                       "z": "the model has no class '9'"}
    assert set(res.scores["item_id"]) == {"w"} and "Unknown" not in set(res.scores["suggested_label"])
    assert res.n_excluded == 3 and res.n_scored == 1 and "set apart" in res.sentence


def test_given_labels_from_a_file_and_errors_that_name_the_fix(tmp_path):
    votes = pd.DataFrame({"item": ["a", "b", "c"], "cat": [5, 0, 3], "dog": [0, 5, 2]})
    aset = load_annotations(votes, format="counts")
    path = tmp_path / "labels.csv"
    pd.DataFrame({"image_id": ["a", "b", "q"], "true_label": ["cat", "cat", "dog"]}).to_csv(path, index=False)
    res = find_label_errors(aset, given=path)
    assert res.candidates["item_id"].tolist() == ["b"]
    sources = res.scores.set_index("item_id")["given_source"].to_dict()
    assert sources == {"a": "given", "b": "given", "c": "consensus"}
    assert any("without any annotation" in n and "q" in n for n in res.notes)
    assert any("no given label" in n for n in res.notes)
    with pytest.raises(InvalidParameterError, match="threshold"):
        find_label_errors(aset, threshold=1.0)
    with pytest.raises(InvalidParameterError, match="given must be"):
        find_label_errors(aset, given=["cat", "dog"])
    with pytest.raises(AnnotationSchemaError, match="fox"):
        find_label_errors(aset, predictions=pd.DataFrame({"item_id": ["a"], "cat": [0.5], "fox": [0.5]}))
    with pytest.raises(AnnotationSchemaError, match="probability per class"):
        find_label_errors(aset, predictions=pd.DataFrame({"item_id": ["a"], "predicted_label": ["cat"],
                                                          "confidence": [0.9]}))


def test_gold_is_the_given_label_and_is_judged_by_the_votes():
    frame = pd.DataFrame({"item_id": np.repeat([f"i{k}" for k in range(30)], 3),
                          "annotator_id": list("abc") * 30,
                          "label": ["cat"] * 45 + ["dog"] * 45})
    gold = pd.DataFrame({"item_id": ["i0", "i20"], "gold_label": ["dog", "dog"]})  # i0 is a wrong gold label
    res = find_label_errors(load_annotations(frame, gold=gold))
    assert res.people_method == "dawid_skene"
    assert res.candidates["item_id"].tolist() == ["i0"]
    assert res.candidates.loc[0, "given_source"] == "gold" and res.candidates.loc[0, "suggested_label"] == "cat"


# -- properties ----------------------------------------------------------------------------------------------
@st.composite
def clean_pilots(draw):
    n_items = draw(st.integers(2, 30))
    n_cat = draw(st.integers(2, 5))
    m = draw(st.integers(1, 6))
    anonymous = draw(st.booleans())
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_cat, n_items)
    cats = np.array([f"c{k}" for k in range(n_cat)], dtype=object)
    ids = [f"i{k:03d}" for k in range(n_items)]
    probs = np.full((n_items, n_cat), 0.1 / max(n_cat - 1, 1))
    probs[np.arange(n_items), truth] = 0.9
    preds = pd.DataFrame(probs, columns=list(cats)).assign(item_id=ids)
    if anonymous:
        counts = np.zeros((n_items, n_cat), dtype=int)
        counts[np.arange(n_items), truth] = m
        table = pd.DataFrame(counts, columns=list(cats)).assign(item=ids)
        frame = (table, "counts")
    else:
        frame = (pd.DataFrame({"item_id": np.repeat(ids, m), "annotator_id": [f"a{k}" for k in range(m)] * n_items,
                               "label": np.repeat(cats[truth], m)}), "tidy")
    return frame, pd.Series(cats[truth], index=ids), preds, seed


def _load(frame, predictions=None):
    table, fmt = frame
    return load_annotations(table, format=fmt, item="item" if fmt == "counts" else None, predictions=predictions)


@settings(max_examples=25, deadline=None)
@given(clean_pilots())
def test_clean_labels_give_no_candidate(pilot):
    frame, truth, preds, _ = pilot
    res = find_label_errors(_load(frame, preds), given=truth)  # attached: the model's classes join the categories
    assert res.n_candidates == 0 and res.n_excluded == 0
    assert (res.scores["p_given_wrong"] < 0.5).all()


@settings(max_examples=20, deadline=None)
@given(clean_pilots(), st.data())
def test_order_of_items_does_not_matter_and_a_flip_on_a_clear_item_is_found(pilot, data):
    (table, fmt), truth, preds, seed = pilot
    shuffled = table.sample(frac=1.0, random_state=seed % 9973)
    one = find_label_errors(_load((table, fmt), preds), given=truth).scores.set_index("item_id")
    two = find_label_errors(_load((shuffled, fmt), preds.iloc[::-1]), given=truth).scores.set_index("item_id")
    np.testing.assert_allclose(one["log_odds_wrong"], two["log_odds_wrong"].reindex(one.index), rtol=1e-6, atol=1e-6)
    assert one.index.tolist() == two.index.tolist()  # same ranking (ties by item id)
    victim = data.draw(st.sampled_from(list(truth.index)))
    cats = sorted(set(preds.columns) - {"item_id"})
    wrong = data.draw(st.sampled_from([c for c in cats if c != truth[victim]]))
    res = find_label_errors(_load((table, fmt), preds), given=truth.copy().mask(truth.index == victim, wrong))
    assert res.candidates["item_id"].tolist() == [victim]
    assert res.candidates.loc[0, "suggested_label"] == truth[victim]
