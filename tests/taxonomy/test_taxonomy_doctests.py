"""The runnable examples in the docstrings of the confusion / taxonomy-redesign modules."""

from __future__ import annotations

import doctest

import pytest

from analytics.taxonomy import confusion, guideline, hierarchy, imbalance, recommend, rounds, simulate, unknown
from analytics.annotators import gold
from analytics import _taxonomy_model as taxonomy
from tests.conftest import REPO


@pytest.mark.parametrize("module", [confusion, hierarchy, simulate, unknown, imbalance, rounds, recommend, taxonomy,
                                    gold, guideline], ids=lambda m: m.__name__)
def test_docstring_examples(module, monkeypatch):
    monkeypatch.chdir(REPO)  # the examples read sample_data/ relative to the repository root
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
