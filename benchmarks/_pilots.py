"""Labeling pilots with planted defects and a known answer, for the decision benchmark (``decisions.py``) and its tests.

Every pilot: ``n_items`` items in two rounds (half each), every item labelled by each of ``n_annotators`` annotators,
8 classes ``c0``–``c7`` plus ``Unknown``, mildly unequal class sizes (Dirichlet(8) prevalences), a golden set of 10 %
of the items (at least 10) whose gold label is the true class, timestamps (each annotator works through a round's
items in their own random order, 40 s apart), and a 32-dimensional embedding per item (its class centroid plus
noise, so distinct images are far apart: cosine well below 0.95).

Clean annotators have an accuracy drawn from U(0.92, 0.97); an error goes with probability 0.4 to the true class's
fixed *neighbour* (a random pairing of the classes per seed: the everyday confusions every real taxonomy has) and
otherwise to a uniformly drawn other class; 1.5 % of annotations are ``Unknown`` (unsure).

Defects (:data:`DEFECTS`), planted on top of that:

``ambiguous_pair``  classes ``c0``/``c1`` overlap: 35 % of their items are borderline, and on those every annotator
                    picks ``c0`` or ``c1`` at random (when not making an ordinary error).
``confuser``        one annotator swaps ``c2`` and ``c3``: labels 40 % of the true ``c2`` items ``c3`` and vice versa.
``careless``        one annotator has accuracy 0.60 with uniformly spread errors.
``drift``           one annotator's accuracy falls linearly from 0.95 to 0.55 over each session (round).
``missing_class``   in round 2, 25 % of the items belong to a class the taxonomy lacks: annotators say ``Unknown``
                    with probability 0.6, else a random class (round 1 has none).
``wrong_gold``      20 % of the gold labels (at least one) are replaced by another class.
``near_duplicates`` five pairs of near-identical images (cosine ≈ 1) whose items are of different classes, so their
                    labels conflict.
``clean``           none of the above.

The truth of a clean pilot includes its per-class agreement: :func:`population_class_kappa` gives each class's
Fleiss' kappa over infinitely many items drawn like the pilot's, with the same annotators
(:attr:`Pilot.true_class_kappa`). Clean annotators of accuracy 0.92–0.97 with Dirichlet class sizes leave a small
class below the field's 0.8 bar in about a fifth of the clean pilots (uniform errors from every other class weigh
on a small class's kappa), so a clean pilot is one without a planted defect, not necessarily one that meets the bar;
``decisions.py`` scores an alarm that names such a class separately from one that names nothing truly wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["DEFECTS", "Pilot", "make_pilot", "population_class_kappa"]

DEFECTS = ("ambiguous_pair", "confuser", "careless", "drift", "missing_class", "wrong_gold", "near_duplicates",
           "clean")
N_CLASSES = 8
CLASSES = [f"c{k}" for k in range(N_CLASSES)]
UNKNOWN = "Unknown"
EMBED_DIM = 32
UNSURE = 0.015  # share of Unknown answers of every annotator
BORDERLINE = 0.35  # share of the c0/c1 items that are borderline in ambiguous_pair


@dataclass
class Pilot:
    """A generated pilot and what was planted."""

    defect: str
    annotations: pd.DataFrame
    gold: pd.DataFrame
    embeddings: np.ndarray
    item_ids: np.ndarray
    truth: np.ndarray                      # true class code per item (-1: the missing class)
    culprit: str | None = None             # the annotator of confuser / careless / drift
    pair: tuple[str, str] | None = None    # the ambiguous or confused pair
    wrong_gold_items: frozenset = frozenset()
    duplicate_pairs: frozenset = frozenset()  # frozensets of two item ids
    notes: dict = field(default_factory=dict)
    true_class_kappa: dict = field(default_factory=dict)  # class -> population Fleiss' kappa (clean, ambiguous_pair)


def _errors(rng: np.random.Generator, truth: np.ndarray, neighbour: np.ndarray, uniform_only: bool) -> np.ndarray:
    """An erroneous class for every entry of ``truth`` (never the true class)."""
    uniform = (truth + rng.integers(1, N_CLASSES, truth.shape)) % N_CLASSES
    if uniform_only:
        return uniform
    return np.where(rng.random(truth.shape) < 0.4, neighbour[truth], uniform)


def population_class_kappa(prevalence: np.ndarray, neighbour: np.ndarray, accuracy: np.ndarray,
                           borderline: float = 0.0) -> np.ndarray:
    r"""Each category's Fleiss' kappa in the population of a pilot's items (clean annotators; ``borderline``: the share
    of the c0/c1 items that are borderline, as in ``ambiguous_pair``), the value the pilot's estimate converges to.

    Annotator :math:`r` says category :math:`k` of an item of true class :math:`t` with probability
    :math:`P_r(k \mid t)` (accuracy; of the errors 40 % to the neighbour and 60 % spread evenly over the seven other
    classes; then 1.5 % Unknown). With :math:`m` annotators, Fleiss' per-category kappa (Fleiss 1971, eq. 12) tends to

    .. math::

        \kappa_k = 1 - \frac{E_t\big[\sum_{r \ne s} P_r(k \mid t)\,(1 - P_s(k \mid t))\big]}
                            {m (m - 1)\, \bar p_k (1 - \bar p_k)},
        \qquad \bar p_k = E_t\big[\tfrac1m \textstyle\sum_r P_r(k \mid t)\big],

    the expectation over the true class (``prevalence``; a borderline item is a class of its own whose correct
    answers split evenly between c0 and c1). Returns the kappas of ``c0``–``c7`` and ``Unknown``.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin, 76(5),
    378–382. https://doi.org/10.1037/h0031619
    """
    m, k = len(accuracy), N_CLASSES + 1
    other = (np.ones((N_CLASSES, N_CLASSES)) - np.eye(N_CLASSES)) * 0.6 / (N_CLASSES - 1)
    other[np.arange(N_CLASSES), neighbour] += 0.4
    acc = np.asarray(accuracy, dtype=float)[:, None, None]
    wrong = np.concatenate([other, np.zeros((N_CLASSES, 1))], axis=1)[None]
    right = np.eye(N_CLASSES, k)[None]
    kinds = [(prevalence, right)]
    if borderline:
        split = np.zeros((N_CLASSES, k))
        split[:, :2] = 0.5
        weight = np.zeros(N_CLASSES)
        weight[:2] = prevalence[:2] * borderline
        kinds = [(prevalence - weight, right), (weight, split[None])]
    p_bar, disagree = np.zeros(k), np.zeros(k)
    for w, correct in kinds:
        probs = (acc * correct + (1.0 - acc) * wrong) * (1.0 - UNSURE)
        probs[..., N_CLASSES] += UNSURE  # (m, true class, category)
        total, squares = probs.sum(axis=0), (probs ** 2).sum(axis=0)
        pairs = (m - 1) * total - (total ** 2 - squares)  # sum over r != s of P_r (1 - P_s)
        p_bar += w @ total / m
        disagree += w @ pairs / (m * (m - 1))
    return 1.0 - disagree / (p_bar * (1.0 - p_bar))


def make_pilot(defect: str, n_items: int, n_annotators: int, seed: int, *,
               ambiguous_rounds: tuple[int, ...] = (1, 2)) -> Pilot:
    """One pilot with ``defect`` planted (see the module docstring); deterministic in ``seed``.

    ``ambiguous_rounds``: the rounds whose c0/c1 items are borderline on an ``ambiguous_pair`` pilot (the round
    comparison study of ``pair_verdicts.py`` fixes or opens the overlap between rounds; the draws do not change).
    """
    if defect not in DEFECTS:
        raise ValueError(f"defect must be one of {DEFECTS}; got {defect!r}")
    rng = np.random.default_rng([seed, DEFECTS.index(defect), n_items, n_annotators])
    prevalence = rng.dirichlet(np.full(N_CLASSES, 8.0))
    truth = rng.choice(N_CLASSES, size=n_items, p=prevalence)
    rounds = np.where(np.arange(n_items) < n_items // 2, 1, 2)
    perm = rng.permutation(N_CLASSES)
    neighbour = np.empty(N_CLASSES, dtype=np.int64)
    neighbour[perm[0::2]], neighbour[perm[1::2]] = perm[1::2], perm[0::2]
    accuracy = rng.uniform(0.92, 0.97, n_annotators)
    names = np.array([f"a{k}" for k in range(n_annotators)], dtype=object)
    culprit = int(rng.integers(n_annotators))
    pilot = Pilot(defect=defect, annotations=pd.DataFrame(), gold=pd.DataFrame(), embeddings=np.zeros(0),
                  item_ids=np.array([f"i{k:04d}" for k in range(n_items)], dtype=object), truth=truth)

    if defect == "missing_class":
        second = np.flatnonzero(rounds == 2)
        missing = rng.choice(second, size=int(round(0.25 * len(second))), replace=False)
        truth[missing] = -1
    borderline = np.zeros(n_items, dtype=bool)
    if defect == "ambiguous_pair":
        borderline = np.isin(truth, [0, 1]) & (rng.random(n_items) < BORDERLINE) & np.isin(rounds, ambiguous_rounds)
        pilot.pair = ("c0", "c1")

    # working order and position within the session (drift), per annotator and round
    order = np.zeros((n_annotators, n_items))
    for r in (1, 2):
        idx = np.flatnonzero(rounds == r)
        for a in range(n_annotators):
            order[a, idx] = rng.permutation(len(idx)) / max(len(idx) - 1, 1)

    labels = np.empty((n_annotators, n_items), dtype=np.int64)
    t = np.where(truth >= 0, truth, 0)
    for a in range(n_annotators):
        acc = np.full(n_items, accuracy[a])
        uniform_only = False
        if defect == "careless" and a == culprit:
            acc[:], uniform_only = 0.60, True
        if defect == "drift" and a == culprit:
            acc = 0.95 - 0.40 * order[a]
        correct = rng.random(n_items) < acc
        lab = np.where(correct, t, _errors(rng, t, neighbour, uniform_only))
        if defect == "ambiguous_pair":
            lab = np.where(borderline & correct, rng.integers(0, 2, n_items), lab)
        if defect == "confuser" and a == culprit:
            swap = correct & np.isin(t, [2, 3]) & (rng.random(n_items) < 0.40)
            lab = np.where(swap, 5 - t, lab)  # 2 <-> 3
        unsure = rng.random(n_items) < UNSURE
        lab = np.where(unsure, N_CLASSES, lab)
        if defect == "missing_class":
            gone = truth < 0
            lab = np.where(gone, np.where(rng.random(n_items) < 0.6, N_CLASSES, rng.integers(0, N_CLASSES, n_items)),
                           lab)
        labels[a] = lab
    if defect in ("clean", "ambiguous_pair"):
        share = BORDERLINE * len({1, 2} & set(ambiguous_rounds)) / 2 if defect == "ambiguous_pair" else 0.0
        pilot.true_class_kappa = dict(zip(CLASSES + [UNKNOWN], population_class_kappa(prevalence, neighbour, accuracy,
                                                                                      share).tolist()))
    if defect in ("confuser", "careless", "drift"):
        pilot.culprit = str(names[culprit])
    if defect == "confuser":
        pilot.pair = ("c2", "c3")

    cats = np.array(CLASSES + [UNKNOWN], dtype=object)
    start = pd.Timestamp("2026-03-02T09:00:00Z")
    seconds = ((rounds[None, :] - 1) * 86_400 + np.round(order * (n_items // 2) * 40)).ravel()
    stamps = start + pd.to_timedelta(seconds, unit="s")
    pilot.annotations = pd.DataFrame({
        "item_id": np.tile(pilot.item_ids, n_annotators), "annotator_id": np.repeat(names, n_items),
        "label": cats[labels.ravel()], "round": np.tile(rounds.astype(str), n_annotators),
        "timestamp": stamps})

    eligible = np.flatnonzero(truth >= 0)
    n_gold = min(len(eligible), max(10, int(round(0.10 * n_items))))
    gold_idx = np.sort(rng.choice(eligible, size=n_gold, replace=False))
    gold_codes = truth[gold_idx].copy()
    if defect == "wrong_gold":
        k = max(1, int(round(0.20 * n_gold)))
        flip = rng.choice(len(gold_idx), size=k, replace=False)
        gold_codes[flip] = (gold_codes[flip] + rng.integers(1, N_CLASSES, k)) % N_CLASSES
        pilot.wrong_gold_items = frozenset(pilot.item_ids[gold_idx[flip]])
    pilot.gold = pd.DataFrame({"item_id": pilot.item_ids[gold_idx], "gold_label": cats[gold_codes]})

    centroids = rng.normal(size=(N_CLASSES + 1, EMBED_DIM))
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    emb = centroids[np.where(truth >= 0, truth, N_CLASSES)] + rng.normal(scale=0.35, size=(n_items, EMBED_DIM))
    if defect == "near_duplicates":
        pairs = set()
        free = rng.permutation(n_items)
        used: set[int] = set()
        for i in free:
            if len(pairs) == 5:
                break
            if i in used:
                continue
            others = [j for j in free if j not in used and j != i and truth[j] != truth[i] and truth[j] >= 0]
            if not others or truth[i] < 0:
                continue
            j = others[0]
            emb[j] = emb[i] + rng.normal(scale=0.01, size=EMBED_DIM)
            used.update((int(i), int(j)))
            pairs.add(frozenset((pilot.item_ids[i], pilot.item_ids[j])))
        pilot.duplicate_pairs = frozenset(pairs)
    pilot.embeddings = emb
    return pilot
