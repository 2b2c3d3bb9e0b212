"""The runnable examples in the annotator-quality modules' docstrings."""

from __future__ import annotations

import doctest

import pytest

from analytics import _wording
from analytics.annotators import consensus, drift, gold, gold_confusion, label_errors, routing


@pytest.mark.parametrize("module", [consensus, gold, gold_confusion, routing, drift, label_errors, _wording], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
