"""``aqa … | head``: a reader that leaves early ends the command quietly, without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_closed_pipe_ends_quietly():
    code = "import sys; from analytics.cli import main; sys.exit(main(['validate', 'sample_data/digits/annotations.csv']))"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(1)  # read the first byte, then leave like `head -c 1`
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
