"""The runnable examples in the agreement docstrings stay correct."""

from __future__ import annotations

import doctest
import importlib

import pytest

from agreement_helpers import SAMPLES

MODULES = ["cohen", "fleiss", "gwet", "krippendorff", "summary", "planning", "multilabel", "bootstrap", "_results"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(SAMPLES.parent)  # examples read sample_data/... relative to the repository root
    module = importlib.import_module(f"analytics.agreement.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0
