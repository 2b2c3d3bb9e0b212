"""The Dask backend's docstring example runs (on a threaded LocalCluster of its own)."""

from __future__ import annotations

import doctest

import pytest

pytest.importorskip("distributed")


def test_dask_annotation_set_example():
    from analytics.dask_backend import _set

    result = doctest.testmod(_set, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 6 and result.failed == 0
