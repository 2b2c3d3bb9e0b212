"""The committed sample data is what ``sample_data/make_samples.py`` writes: regenerate it into a temporary
folder (``--out``) and compare every file with the committed one, byte for byte.

One documented exception (sample_data/README.md, "Regenerating"): TorchScript's ``digits_cnn.pt`` holds a
random ``.data/serialization_id`` and generated code whose order of ``Final`` constants follows Python's
randomised string hashing (with its ``.debug_pkl`` source maps). For that file the archive's member list,
the weight records and the constants are compared byte for byte, and the generated code line for line
regardless of order; its outputs are covered by ``predictions.csv``, compared byte for byte.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
MODEL = Path("digits") / "digits_cnn.pt"


def _files(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for sub in ("digits", "retail") for p in (folder / sub).rglob("*") if p.is_file()}


def _compare_torchscript(committed: Path, fresh: Path) -> None:
    with zipfile.ZipFile(committed) as a, zipfile.ZipFile(fresh) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name.endswith((".data/serialization_id", ".debug_pkl")):
                continue
            old, new = a.read(name), b.read(name)
            if "/code/" in name:
                assert sorted(old.splitlines()) == sorted(new.splitlines()), name
            else:
                assert old == new, name


@pytest.mark.slow  # about 8-16 s on 2 shared cores (training the CNN)
def test_make_samples_reproduces_committed_files(tmp_path):
    out = tmp_path / "regenerated"
    done = subprocess.run([sys.executable, str(SAMPLES / "make_samples.py"), "--out", str(out)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "digits:" in done.stdout and "done in" in done.stdout
    committed, fresh = _files(SAMPLES), _files(out)
    assert fresh == committed
    assert len(committed) == 512 and len([p for p in committed if p.suffix == ".png"]) == 500
    different = sorted(str(p) for p in committed - {MODEL} if (SAMPLES / p).read_bytes() != (out / p).read_bytes())
    assert different == []
    _compare_torchscript(SAMPLES / MODEL, out / MODEL)
