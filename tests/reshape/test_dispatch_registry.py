"""The one place where a public function finds the distributed form of a named operation."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

import analytics
from analytics._reshape import _dispatch
from analytics._reshape import distributed_implementation, register_distributed
from analytics.exceptions import InvalidParameterError


class _Distributed:
    """A stand-in distributed set: ``is_distributed`` is all the dispatch looks at."""

    is_distributed = True
    multilabel = False
    annotators_known = True


def test_registered_implementation_is_found(monkeypatch):
    monkeypatch.setattr(_dispatch, "_DISTRIBUTED", {})
    calls = []

    @register_distributed("majority_vote")
    def fake(aset, *, tie, seed):
        calls.append((aset, tie, seed))
        return "from the backend"

    aset = _Distributed()
    assert distributed_implementation(aset, "majority_vote") is fake
    assert analytics.majority_vote(aset, tie="random", seed=3) == "from the backend"
    assert calls == [(aset, "random", 3)]


def test_operation_without_implementation_names_the_way_out(monkeypatch):
    monkeypatch.setattr(_dispatch, "_DISTRIBUTED", {})
    with pytest.raises(InvalidParameterError, match=r"majority_vote is not available .*_Distributed.*backend='memory'"):
        analytics.majority_vote(_Distributed())


def test_in_memory_set_never_looks_up_the_registry(monkeypatch):
    monkeypatch.setattr(_dispatch, "_DISTRIBUTED", {})
    aset = analytics.load_annotations(pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": list("abab"),
                                                    "label": ["x", "x", "y", "x"]}))
    assert analytics.majority_vote(aset).labels.tolist()[0] == "x"


def test_the_dask_backend_registers_its_consensus_on_import():
    code = ("import json, sys, analytics.annotators.consensus, analytics._reshape._dispatch as d; "
            "before = sorted(d._DISTRIBUTED); loaded = 'analytics.dask_backend' in sys.modules; "
            "import analytics.dask_backend; print(json.dumps([before, loaded, sorted(d._DISTRIBUTED)]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    before, loaded, after = json.loads(out)
    assert before == [] and loaded is False  # the in-memory consensus module neither imports nor registers a backend
    assert {"majority_vote", "dawid_skene"} <= set(after)
