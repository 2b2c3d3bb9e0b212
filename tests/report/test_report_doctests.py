"""The runnable examples in the docstrings of the report and gates modules."""

from __future__ import annotations

import doctest

import pytest

from analytics.report import gates, guideline_html, guideline_markdown, quality_report as report
from tests.conftest import REPO


@pytest.mark.parametrize("module", [report, gates, guideline_html, guideline_markdown], ids=lambda m: m.__name__)
def test_docstring_examples(module, monkeypatch):
    monkeypatch.chdir(REPO)  # the guideline examples read sample_data/ relative to the repository root
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
