"""Review routing against a direct rule (three-annotator rule up to three ratings, the support threshold above);
review summary and queue; a simulation with a known answer for the rule above three ratings."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analytics import InvalidParameterError, load_annotations, review_queue, review_summary, route_for_review
from quality_helpers import annotation_frames, load


def _direct_decision(labels: pd.Series, threshold: float = 0.95) -> str:
    """The seed's rule up to three ratings; above, the binomial tail on the two leading labels (scipy, unweighted)."""
    counts = labels.value_counts()
    m, top = len(labels), counts.max()
    if m > 3:
        ranked = sorted(counts.tolist(), reverse=True) + [0]
        support = stats.binom.cdf(ranked[0], ranked[0] + ranked[1] + 1, 0.5)
        if support >= threshold:
            return "accept"
        return "senior_review" if top > m / 2 else "adjudicate"
    if m == 1:
        return "needs_overlap"
    if top == m:
        return "accept"
    return "senior_review" if top > m / 2 else "adjudicate"


@settings(max_examples=30, deadline=None)
@given(annotation_frames(max_annotators=9), st.sampled_from([0.8, 0.95, 0.99]))
def test_decisions_votes_and_agreement_match_direct_rule(frame, threshold):
    routing = route_for_review(load(frame), method="vote_split", threshold=threshold).set_index("item_id")
    grouped = frame.groupby("item_id")["label"]
    assert routing["decision"].astype(str).to_dict() == grouped.apply(_direct_decision, threshold=threshold).to_dict()
    assert routing.attrs["method"] == "vote_split" and f"{threshold:.0%}" in routing.attrs["rule"]
    assert routing["n_ratings"].to_dict() == grouped.size().to_dict()
    np.testing.assert_allclose(routing["agreement"], grouped.apply(lambda s: s.value_counts().max() / len(s))
                               .reindex(routing.index))
    for item, text in routing["votes"].items():
        parsed = {lab: int(n) for n, lab in re.findall(r"(\d+)×([^,]+)", text)}
        assert parsed == grouped.get_group(item).value_counts().to_dict()
        assert list(parsed.values()) == sorted(parsed.values(), reverse=True)
    summary = review_summary(routing.reset_index())
    assert summary["decision"].tolist() == ["accept", "senior_review", "adjudicate", "needs_overlap"]
    assert summary["n_items"].sum() == len(routing) and summary["share"].sum() == pytest.approx(1.0)


def test_examples_of_the_rule_and_queue_order():
    frame = pd.DataFrame({
        "item_id": ["a"] * 3 + ["b"] * 3 + ["c"] * 4 + ["d"] + ["e"] * 5,
        "annotator_id": list("pqr") + list("pqr") + list("pqrs") + ["p"] + list("pqrst"),
        "label": ["cat"] * 3 + ["cat", "cat", "dog"] + ["cat", "cat", "dog", "fox"] + ["dog"]
                 + ["cat", "cat", "cat", "dog", "fox"],
        "image": [f"img/{x}.png" for x in ["a"] * 3 + ["b"] * 3 + ["c"] * 4 + ["d"] + ["e"] * 5],
    })
    routing = route_for_review(load_annotations(frame)).set_index("item_id")
    assert routing["decision"].astype(str).to_dict() == {
        "a": "accept", "b": "senior_review", "c": "adjudicate", "d": "needs_overlap", "e": "senior_review"}
    assert routing.loc["e", "votes"] == "3×cat, 1×dog, 1×fox"
    assert routing.loc["c", "consensus"] == "cat" and routing.loc["c", "image"] == "img/c.png"
    queue = review_queue(routing.reset_index())
    # adjudicate first, then senior review by rising agreement (e 3/5 before b 2/3), then overlap
    assert queue["item_id"].tolist() == ["c", "e", "b", "d"]
    assert review_queue(routing.reset_index(), decisions=["needs_overlap"])["item_id"].tolist() == ["d"]
    with pytest.raises(InvalidParameterError):
        review_queue(routing.reset_index(), decisions=["reject"])


def test_no_image_column_and_anonymous_counts():
    counts = load_annotations(pd.DataFrame({"item": ["u", "v"], "cat": [2, 1], "dog": [0, 1]}), format="counts")
    routing = route_for_review(counts)
    assert "image" not in routing.columns
    assert routing["decision"].astype(str).tolist() == ["accept", "adjudicate"]
    assert pd.isna(routing["consensus"].iloc[1])


def test_up_to_three_ratings_every_method_follows_the_seed_rule():
    """3 of 3 agree → accept, 2:1 → senior review, 1:1:1 → adjudicate, whatever the method and threshold."""
    frame = pd.DataFrame({"item_id": ["a"] * 3 + ["b"] * 3 + ["c"] * 3 + ["d"] * 2,
                          "annotator_id": list("pqr") * 3 + ["p", "q"],
                          "label": ["x", "x", "x", "x", "x", "y", "x", "y", "z", "x", "y"]})
    aset = load_annotations(frame)
    expected = {"a": "accept", "b": "senior_review", "c": "adjudicate", "d": "adjudicate"}
    for method in ("auto", "vote_split", "weighted_vote_split"):
        for threshold in (0.6, 0.95, 0.999):
            routed = route_for_review(aset, method=method, threshold=threshold).set_index("item_id")
            assert routed["decision"].astype(str).to_dict() == expected
            assert set(routed["rule"].astype(str)) == {"3 ratings or fewer"}


def test_fifty_one_raters_one_dissent_is_noise_and_a_split_is_routed():
    # counts as CIFAR-10H publishes them (anonymous raters): reference supports from the beta–binomial formula
    counts = load_annotations(pd.DataFrame({"item": ["clear", "one", "split", "tie", "close"],
                                            "cat": [51, 50, 30, 25, 32], "dog": [0, 1, 21, 25, 19],
                                            "fox": [0, 0, 0, 1, 0]}), format="counts")
    routed = route_for_review(counts).set_index("item_id")
    assert routed.attrs["method"] == "vote_split"
    assert routed["decision"].astype(str).to_dict() == {
        "clear": "accept", "one": "accept", "split": "senior_review", "tie": "adjudicate", "close": "accept"}
    # P(Bin(n + 1, 1/2) <= v1): 30:21 → 0.8942, 32:19 → 0.9572, a tie → 1/2 exactly
    np.testing.assert_allclose(routed.loc[["split", "close", "tie"], "support"],
                               [stats.binom.cdf(30, 52, 0.5), stats.binom.cdf(32, 52, 0.5), 0.5], rtol=1e-12)
    assert routed.loc["split", "support"] == pytest.approx(0.8942, abs=1e-4)
    assert routed.loc["close", "rule"] == "support ≥ 95%"
    # the same items at a stricter threshold: 32:19 goes to a person too
    strict = route_for_review(counts, threshold=0.99).set_index("item_id")
    assert strict.loc["close", "decision"] == "senior_review" and strict.loc["one", "decision"] == "accept"
    with pytest.raises(Exception, match="annotator"):
        route_for_review(counts, method="weighted_vote_split")


@pytest.mark.parametrize("bad", [0.5, 1.0, 1.2, True, "0.9"])
def test_threshold_must_lie_between_one_half_and_one(bad):
    counts = load_annotations(pd.DataFrame({"item": ["u"], "cat": [3], "dog": [2]}), format="counts")
    with pytest.raises(InvalidParameterError, match="threshold"):
        route_for_review(counts, threshold=bad)
    with pytest.raises(InvalidParameterError, match="method"):
        route_for_review(counts, method="dawid_skene")


def test_weighted_votes_discount_a_careless_annotator():
    """Five reliable annotators and one who answers at random: the careless one's dissent alone does not route."""
    rng = np.random.default_rng(4)
    n, cats = 300, np.array(["a", "b", "c", "d"])
    truth = rng.integers(0, 4, n)
    rows = []
    for k in range(5):
        lab = np.where(rng.random(n) < 0.97, truth, rng.integers(0, 4, n))
        rows.append(pd.DataFrame({"item_id": np.arange(n), "annotator_id": f"good{k}", "label": cats[lab]}))
    rows.append(pd.DataFrame({"item_id": np.arange(n), "annotator_id": "careless", "label": cats[rng.integers(0, 4, n)]}))
    aset = load_annotations(pd.concat(rows))
    weighted = route_for_review(aset).set_index("item_id")  # auto: annotator ids → weighted votes
    plain = route_for_review(aset, method="vote_split").set_index("item_id")
    assert weighted.attrs["method"] == "weighted_vote_split"
    frame = pd.concat(rows).assign(item_id=lambda f: f["item_id"].astype(str))
    good_agree = frame[frame.annotator_id != "careless"].groupby("item_id")["label"].nunique() == 1
    careless_dissents = frame[frame.annotator_id == "careless"].set_index("item_id")["label"] != \
        frame[frame.annotator_id == "good0"].set_index("item_id")["label"]
    only_careless = good_agree & careless_dissents.reindex(good_agree.index)
    assert only_careless.sum() > 100
    assert (weighted.loc[only_careless[only_careless].index, "decision"] == "accept").all()
    assert (plain.loc[only_careless[only_careless].index, "decision"] == "senior_review").all()  # 5:1 → s = 0.94
    assert weighted["decision"].astype(str).eq("accept").mean() > plain["decision"].astype(str).eq("accept").mean()


def _pilot(n_items, m, seed, contested_share=0.15, n_classes=5):
    """Known truth and known contested items; reliable, mediocre and careless annotators (as the benchmark)."""
    rng = np.random.default_rng(seed)
    pool = max(20, 2 * m)
    kind = rng.random(pool)
    rel = np.where(kind < 0.7, rng.uniform(0.85, 0.98, pool), np.where(kind < 0.9, rng.uniform(0.6, 0.85, pool),
                                                                      rng.uniform(0.0, 0.3, pool)))
    truth = rng.integers(0, n_classes, n_items)
    contested = rng.random(n_items) < contested_share
    confuser = (truth + rng.integers(1, n_classes, n_items)) % n_classes
    p_true = np.where(contested, rng.uniform(0.5, 0.7, n_items), 1.0)
    ann = np.argsort(rng.random((n_items, pool)), axis=1)[:, :m]
    follow = rng.random((n_items, m)) < rel[ann]
    pop = np.where(rng.random((n_items, m)) < p_true[:, None], truth[:, None], confuser[:, None])
    lab = np.where(follow, pop, rng.integers(0, n_classes, (n_items, m)))
    ids = np.array([f"i{k:05d}" for k in range(n_items)], dtype=object)
    frame = pd.DataFrame({"item_id": np.repeat(ids, m), "annotator_id": [f"a{a}" for a in ann.ravel()],
                          "label": [f"c{c}" for c in lab.ravel()]})
    return frame, pd.Series([f"c{c}" for c in truth], index=ids), pd.Series(contested, index=ids)


@pytest.mark.parametrize("m", [10, 51])
@pytest.mark.parametrize("anonymous", [False, True])
def test_simulation_routes_the_contested_and_wrong_items(m, anonymous):
    """Evidence for the rule (fast subset of benchmarks/routing_simulation.py): far fewer items routed than by "any
    dissent", contested items concentrated among them, most wrong consensus labels routed, accepted ones right."""
    frame, truth, contested = _pilot(400, m, seed=m)
    if anonymous:
        counts = frame.groupby(["item_id", "label"]).size().unstack(fill_value=0).reset_index()
        aset = load_annotations(counts, format="counts")
    else:
        aset = load_annotations(frame)
    routed = route_for_review(aset).set_index("item_id")
    assert routed.attrs["method"] == ("vote_split" if anonymous else "weighted_vote_split")
    is_routed = routed["decision"].astype(str) != "accept"
    wrong = routed["consensus"].astype(object).to_numpy() != truth.reindex(routed.index).to_numpy()
    hard = contested.reindex(routed.index).to_numpy()
    any_dissent = (routed["agreement"] < 1).mean()       # about 84% (m = 10) and 100% (m = 51)
    assert is_routed.mean() < (0.5 if m == 10 else 0.2) * any_dissent
    assert hard[is_routed].mean() > 2 * hard.mean()      # contested items are concentrated among the routed ones
    assert hard[~is_routed].mean() < 0.5 * hard.mean()
    assert wrong[~is_routed].mean() < 0.01               # accepted consensus labels are right
    assert is_routed[wrong].mean() > 0.85                # most wrong consensus labels go to a person
    # the Dawid–Skene posterior would accept nearly everything, wrong labels included
    if not anonymous:
        import warnings

        from analytics import dawid_skene
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            post = dawid_skene(aset, use_gold=False).posteriors.max(axis=1).reindex(routed.index)
        assert (post[wrong] >= 0.95).mean() > 0.5


@settings(max_examples=15, deadline=None)
@given(annotation_frames(max_annotators=8, max_items=20), st.integers(0, 2**31 - 1))
def test_routing_does_not_depend_on_row_order(frame, seed):
    a = route_for_review(load(frame)).set_index("item_id").sort_index()
    b = route_for_review(load(frame.sample(frac=1.0, random_state=seed % 1000))).set_index("item_id").sort_index()
    pd.testing.assert_series_equal(a["decision"].astype(str), b["decision"].astype(str))
    np.testing.assert_allclose(a["support"], b["support"], atol=1e-6)
