"""``load_annotations(progress=…)`` reports the loading stages; the CLI draws them as a bar on a terminal."""

from __future__ import annotations

import io

import pandas as pd

from analytics import load_annotations
from analytics.cli._inputs import loading_progress
from analytics._progress import ProgressBar
from tests.conftest import SAMPLES


def test_progress_counts_every_stage(tmp_path):
    calls = []
    aset = load_annotations(SAMPLES / "digits" / "annotations.csv", gold=SAMPLES / "digits" / "gold.csv",
                            progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)] and aset.has_gold
    frame = pd.DataFrame({"item_id": [1, 1, 2], "annotator_id": ["a", "b", "a"], "label": ["x", "y", "x"]})
    frame.iloc[:2].to_csv(tmp_path / "one.csv", index=False)
    frame.iloc[2:].to_csv(tmp_path / "two.csv", index=False)
    calls.clear()
    load_annotations([tmp_path / "one.csv", tmp_path / "two.csv"], progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]


def test_progress_true_draws_a_bar(capsys):
    load_annotations(pd.DataFrame({"item_id": [1, 1], "annotator_id": ["a", "b"], "label": ["x", "x"]}),
                     progress=False)
    assert capsys.readouterr().err == ""
    out = io.StringIO()
    bar = ProgressBar(stream=out, delay=0, label="loading")
    load_annotations(pd.DataFrame({"item_id": [1, 1], "annotator_id": ["a", "b"], "label": ["x", "x"]}), progress=bar)
    last = out.getvalue().rstrip("\n").split("\r")[-1]
    assert last.startswith("loading [###") and "3/3 (100%" in last


def test_cli_loading_bar_follows_the_progress_flag(monkeypatch):
    assert loading_progress(False) is None
    bar = loading_progress(True)
    assert isinstance(bar, ProgressBar) and bar.label == "loading" and bar.delay == 1.0
    monkeypatch.setattr("sys.stderr", io.StringIO())  # not a terminal: quiet unless asked
    assert loading_progress(None) is None
