"""The runnable examples in the docstrings of the report and gates modules."""

from __future__ import annotations

import doctest

import pytest

from analytics.report import gates, quality_report as report


@pytest.mark.parametrize("module", [report, gates], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
