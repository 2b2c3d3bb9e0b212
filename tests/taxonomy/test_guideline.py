"""Guideline cards: hand-made pilots with a known answer, the bundled samples, real data without images, and the
farthest-point choice of correct examples (Gonzalez's factor-2 guarantee checked against brute force)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analytics as aqa
from analytics import InvalidParameterError, diagnose_class_pairs, guideline_cards, load_annotations
from analytics.samples import load_sample
from analytics.taxonomy._guideline_examples import k_center
from tests.conftest import DATASETS, need

TAXONOMY = {"classes": [
    {"name": "cat", "definition": "A small domestic feline."},
    {"name": "dog", "definition": "A domestic canine."},
    {"name": "fox", "definition": "A wild canine with a bushy tail."},
    {"name": "bird"},  # no definition: a gap
    {"name": "Unknown", "unknown": True, "definition": "Cannot tell."},
]}


def _rows(item: str, labels: list[str]) -> list[dict]:
    return [{"item_id": item, "annotator_id": a, "label": lab} for a, lab in zip("abc", labels)]


@pytest.fixture(scope="module")
def pets():
    rows = []
    for k in range(1, 13):
        rows += _rows(f"c{k:02d}", ["cat"] * 3)
        rows += _rows(f"d{k:02d}", ["dog"] * 3)
        rows += _rows(f"b{k:02d}", ["bird"] * 3)
    for k in range(1, 4):
        rows += _rows(f"f{k:02d}", ["fox"] * 3)
    rows += _rows("s1", ["cat", "cat", "dog"]) + _rows("s2", ["dog", "dog", "cat"]) + _rows("s3", ["cat", "dog", "dog"])
    rows += _rows("s4", ["cat", "dog", "Unknown"]) + _rows("u1", ["Unknown", "bird", "bird"])
    gold = pd.DataFrame({"item_id": ["c01", "c02", "s2"], "gold_label": ["cat", "dog", "dog"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_annotations(pd.DataFrame(rows), gold=gold, taxonomy=TAXONOMY)


@pytest.fixture(scope="module")
def pet_cards(pets):
    return guideline_cards(pets)


def test_one_card_per_class_with_the_taxonomy_definition_or_a_gap(pet_cards):
    assert pet_cards.names == ("cat", "dog", "fox", "bird", "Unknown")
    cat, bird, unknown = pet_cards.card("cat"), pet_cards.card("bird"), pet_cards.card("Unknown")
    assert (cat.definition, cat.definition_gap) == ("A small domestic feline.", False)
    assert (bird.definition, bird.definition_gap) == (None, True)
    assert unknown.is_unknown and not cat.is_unknown
    assert "1 without a definition" in pet_cards.sentence
    with pytest.raises(InvalidParameterError, match="No card for class 'cow'"):
        pet_cards.card("cow")


def test_a_class_with_too_few_items_says_so_instead_of_showing_examples(pet_cards):
    fox = pet_cards.card("fox")
    assert not fox.enough_items and fox.n_items == 3
    assert fox.correct == fox.incorrect == fox.borderline == fox.rules == ()
    assert "Only 3 items have" in fox.too_few_reason and "need 10" in fox.too_few_reason
    # the threshold and why: the Clopper-Pearson upper bound of 0 errors in 9 items
    assert "at least 10 consensus items" in pet_cards.min_items_reason and "reaches 34%" in pet_cards.min_items_reason


def test_correct_examples_are_unanimous_and_agree_with_gold(pet_cards):
    cat = pet_cards.card("cat")
    assert len(cat.correct) == 6 and cat.n_correct_candidates == 11  # c02 is unanimous 'cat' but gold 'dog'
    assert all(e.votes == (("cat", 3),) and e.gold in (None, "cat") for e in cat.correct)
    assert "c02" not in {e.item_id for e in cat.correct}
    assert len({e.item_id for e in cat.correct}) == 6


def test_incorrect_examples_say_what_the_items_really_are(pet_cards):
    cat = pet_cards.card("cat")
    found = {e.item_id: e for e in cat.incorrect}
    # c02: every vote 'cat', gold 'dog'; s2 and s3: one 'cat' against two 'dog' (s2 has gold 'dog')
    assert set(found) == {"c02", "s2", "s3"} and cat.n_incorrect_candidates == 3
    assert (found["c02"].reference, found["c02"].reference_source) == ("dog", "gold")
    assert (found["s3"].reference, found["s3"].reference_source) == ("dog", "consensus")
    assert [e.item_id for e in cat.incorrect][:2] == ["c02", "s2"]  # gold-backed first, most 'cat' votes first
    assert found["s3"].votes_text == "2 votes dog, 1 vote cat"
    # s4 (cat, dog, Unknown) has no consensus holding more than half the votes: not an incorrect example
    assert "s4" not in found


def test_borderline_galleries_follow_the_hotspot_ranking(pets, pet_cards):
    hot = aqa.confusion_hotspots(pets, top=None)
    ranked = [frozenset(p) for p in zip(hot["class_a"], hot["class_b"])]
    for card in pet_cards.cards:
        ranks = [g.rank for g in card.borderline]
        assert ranks == sorted(ranks)
        for g in card.borderline:
            assert ranked[g.rank - 1] == frozenset((g.class_a, g.class_b)) and card.name in (g.class_a, g.class_b)
            assert g.score == pytest.approx(float(hot["score"].iloc[g.rank - 1]))
    cat_dog = pet_cards.card("cat").borderline[0]
    assert cat_dog.other == "dog" and cat_dog.rank == 1
    assert [e.item_id for e in cat_dog.items][:3] == ["s1", "s2", "s3"]  # the most evenly split items
    assert cat_dog.items[0].votes == (("cat", 2), ("dog", 1))
    assert pet_cards.n_confused_pairs == len(hot)


def test_cards_are_deterministic(pets, pet_cards):
    again = guideline_cards(pets)
    assert again.to_dict() == pet_cards.to_dict()


def _clustered(n_per: int = 10, k: int = 3) -> tuple:
    rows, vectors, ids = [], [], []
    rng = np.random.default_rng(1)
    for c in range(k):
        for j in range(n_per):
            item = f"x{c}{j:02d}"
            ids.append(item)
            rows += _rows(item, ["cat"] * 3)
            vectors.append(np.eye(k)[c] * 10 + rng.normal(0, 0.01, k))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aset = load_annotations(pd.DataFrame(rows))
    return aset, pd.DataFrame(vectors, index=ids)


def test_correct_examples_cover_the_variety_of_the_embeddings():
    aset, emb = _clustered()
    cards = guideline_cards(aset, embeddings=emb, n_examples=3)
    chosen = [e.item_id for e in cards.card("cat").correct]
    assert cards.variety == "embeddings" and sorted(x[1] for x in chosen) == ["0", "1", "2"]  # one per cluster
    as_array = guideline_cards(aset, embeddings=emb.loc[list(aset.item_ids)].to_numpy(), n_examples=3)
    assert [e.item_id for e in as_array.card("cat").correct] == chosen
    with_column = guideline_cards(aset, embeddings=emb.rename_axis("item_id").reset_index(), n_examples=3)
    assert [e.item_id for e in with_column.card("cat").correct] == chosen


def test_without_a_variety_space_the_examples_are_a_seeded_sample_not_the_first_items():
    aset, _ = _clustered()
    first = guideline_cards(aset, n_examples=6)
    ids = [e.item_id for e in first.card("cat").correct]
    assert first.variety == "random" and "random sample (seed 0)" in first.methods[0]
    assert ids == [e.item_id for e in guideline_cards(aset, n_examples=6).card("cat").correct]
    assert ids != list(aset.item_ids[:6])
    assert ids != [e.item_id for e in guideline_cards(aset, n_examples=6, seed=1).card("cat").correct]


def _radius(points: np.ndarray, centres: list[int]) -> float:
    return float(np.linalg.norm(points[:, None, :] - points[centres][None, :, :], axis=2).min(axis=1).max())


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 8).flatmap(lambda n: st.tuples(
    st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=n, max_size=n), st.integers(1, n))))
def test_k_center_is_within_twice_the_best_covering_radius(case):
    raw, k = case
    points = np.asarray(raw, dtype=float)
    chosen = k_center(points, k)
    assert len(chosen) == k and len(set(chosen)) == k
    assert chosen[0] == int(np.argmin(np.linalg.norm(points - points.mean(axis=0), axis=1)))
    best = min(_radius(points, list(c)) for c in itertools.combinations(range(len(points)), k))
    assert _radius(points, chosen) <= 2 * best + 1e-9  # Gonzalez (1985)


def test_digits_probabilities_spread_the_correct_examples():
    digits = load_sample("digits")
    cards = guideline_cards(digits)
    assert cards.variety == "probabilities" and len(cards.cards) == 11
    view_probs = np.sqrt(np.clip(digits.prediction_probs, 0, None))
    ids = list(digits.item_ids)
    for card in cards.cards:
        assert card.enough_items and not card.definition_gap and len(card.correct) == 6
        assert all(e.image and e.image.endswith(".png") for e in card.correct)
        candidates = [i for i in range(len(ids)) if _unanimous(digits, ids[i], card.name)]
        chosen = [ids.index(e.item_id) for e in card.correct]
        pts = view_probs[candidates]
        spread = _radius(pts, [candidates.index(i) for i in chosen])
        naive = _radius(pts, list(range(6)))
        assert spread <= naive + 1e-12, card.name  # covers the class better than the first six items
    three = cards.card("3")
    assert three.borderline[0].other == "8" and three.borderline[0].rank == 1
    assert three.incorrect and all(e.reference != "3" for e in three.incorrect)
    assert cards.card("Unknown").is_unknown and cards.unknown_reason is None


def _unanimous(aset, item, label) -> bool:
    votes = aset.frame.loc[aset.frame["item_id"] == item, "label"]
    gold = aset.gold.get(item) if aset.gold is not None else None
    return len(votes) >= 2 and (votes == label).all() and gold in (None, label)


def test_retail_cards_follow_the_hierarchy():
    cards = guideline_cards(load_sample("retail"))
    shirt = cards.card("Shirt")
    assert shirt.path == ("Apparel", "Tops") and shirt.taxonomy_examples == ("oxford button-down shirt",
                                                                            "flannel work shirt")
    assert shirt.borderline[0].other == "Blouse" and shirt.borderline[0].rank == 1
    # what gold says is the pair diagnosis' (one verdict per class pair): gold splits 3/2 over the 5 disputed items
    assert shirt.borderline[0].gold_verdict == "inconclusive"
    assert shirt.borderline[0].gold_note == diagnose_class_pairs(load_sample("retail")).of("Shirt", "Blouse")["gold_note"]
    assert cards.card("Other").is_unknown and cards.variety == "random"
    assert all(e.image is None for c in cards.cards for e in c.correct)


def test_real_data_without_images_or_definitions():
    folder = need(DATASETS / "dog")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dog = load_annotations(folder / "answers.csv", gold=folder / "truth.csv")
    cards = guideline_cards(dog)
    assert cards.names == ("0", "1", "2", "3") and all(c.definition_gap for c in cards.cards)
    assert all(e.image is None and e.votes for c in cards.cards for e in c.correct + c.incorrect)
    assert "no Unknown/Other class" in cards.unknown_reason
    # reference value: annotator 37 said '2' while all nine others said '3' on 12 items; gold '3' on 11 of them
    rule = cards.suggested_rules.iloc[0]
    assert (rule.annotator, rule.given, rule.others, rule.direction) == ("37", "2", "3", "others")
    assert (rule.n_items, rule.gold_others, rule.gold_given) == (12, 11, 1)
    assert rule.p_others == pytest.approx(13 / 4096) and rule.level == pytest.approx(0.05 / 6)
    assert any(r.annotator == "37" for r in cards.card("3").rules) and cards.card("2").rules


def test_anonymous_and_gold_free_sets_say_why_there_are_no_rules(pets):
    counts = pd.DataFrame({"item_id": [f"i{k}" for k in range(30)], "cat": [3] * 15 + [2] * 15,
                           "dog": [0] * 15 + [1] * 15})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        anonymous = guideline_cards(load_annotations(counts, format="counts"))
    assert anonymous.rules.empty and "anonymous" in anonymous.rules_reason
    no_gold = guideline_cards(load_annotations(pets.frame[["item_id", "annotator_id", "label"]]))
    assert "no gold labels" in no_gold.rules_reason


@pytest.mark.parametrize("options, message", [
    ({"n_examples": -1}, "n_examples"), ({"min_items": 0}, "min_items"), ({"consensus": "mode"}, "consensus"),
    ({"max_pairs": 1.5}, "max_pairs"), ({"confidence_level": 1.5}, "confidence"),
    ({"embeddings": np.zeros((3, 2))}, "one row per item"),
])
def test_bad_options_are_refused_with_the_fix(pets, options, message):
    with pytest.raises(InvalidParameterError, match=message):
        guideline_cards(pets, **options)


def test_embeddings_that_do_not_match_the_items_are_named(pets):
    ids = list(pets.item_ids)
    frame = pd.DataFrame(np.ones((len(ids), 2)), index=ids)
    with pytest.raises(InvalidParameterError, match="no row .*c01"):
        guideline_cards(pets, embeddings=frame.drop(index="c01"))
    with pytest.raises(InvalidParameterError, match="not in the annotations .*zz"):
        guideline_cards(pets, embeddings=pd.concat([frame, pd.DataFrame([[1.0, 1.0]], index=["zz"])]))
    bad = frame.copy()
    bad.loc["s1", 0] = np.nan
    with pytest.raises(InvalidParameterError, match="s1"):
        guideline_cards(pets, embeddings=bad)


def test_tag_sets_are_refused():
    with pytest.raises(aqa.AnnotationSchemaError):
        guideline_cards(load_sample("retail-tags"))


def test_dawid_skene_consensus_and_a_taxonomy_given_apart(pets):
    other = {"classes": [{"name": n, "definition": f"the {n} class"} for n in ("cat", "dog", "fox", "bird", "Unknown")]}
    cards = guideline_cards(pets, consensus="dawid_skene", taxonomy=other)
    assert cards.consensus == "dawid_skene" and "Dawid–Skene" in cards.methods[1]
    assert cards.card("bird").definition == "the bird class" and not cards.card("bird").definition_gap
    partial = guideline_cards(pets, taxonomy={"classes": [{"name": "cat", "definition": "only cats"}]})
    assert partial.card("cat").definition == "only cats" and partial.card("dog").definition_gap


def test_items_relabelled_in_two_rounds_keep_their_gold():
    rows = []
    for k in range(12):
        for rnd in ("1", "2"):
            label = "cat" if k < 6 or rnd == "2" else "dog"
            rows += [{"item_id": f"i{k:02d}", "annotator_id": a, "label": label, "round": rnd} for a in "abc"]
    gold = pd.DataFrame({"item_id": ["i07"], "gold_label": ["cat"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aset = load_annotations(pd.DataFrame(rows), gold=gold)
        cards = guideline_cards(aset, min_items=5)
    wrong = cards.card("dog").incorrect
    assert [(e.item_id, e.reference, e.reference_source) for e in wrong] == [("i07 (round 1)", "cat", "gold")]
