"""Atomic writes: the new file replaces the old one whole, or the old one stays exactly as it was."""

from __future__ import annotations

import os
import stat

import pytest

from analytics._atomic import atomic_target, atomic_write, write_bytes_atomic, write_text_atomic
from analytics.exceptions import OutputWriteError


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_replaces_the_target_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    write_bytes_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert _leftovers(tmp_path) == []


def test_an_error_inside_the_block_keeps_the_old_file(tmp_path):
    target = tmp_path / "queue.csv"
    target.write_text("item_id\nA\n")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as fh:
            fh.write("item_id\n")
            raise RuntimeError("killed half-way")
    assert target.read_text() == "item_id\nA\n"
    assert _leftovers(tmp_path) == []


def test_a_failed_write_names_the_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "missing-folder" / "report.html"
    with pytest.raises(OutputWriteError, match="missing-folder.report.html"):
        write_text_atomic(target, "x")
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "r.txt").write_text("kept")
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(ro, os.W_OK):  # root ignores folder permissions: nothing to check there
            return
        with pytest.raises(OutputWriteError, match="r.txt"):
            write_text_atomic(ro / "r.txt", "new")
        assert (ro / "r.txt").read_text() == "kept"
    finally:
        ro.chmod(stat.S_IRWXU)


def test_target_path_for_writers_that_want_a_file_name(tmp_path):
    target = tmp_path / "t.bin"
    with atomic_target(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_bytes(b"abc")
        assert not target.exists()
    assert target.read_bytes() == b"abc"


def test_keeps_the_old_files_permissions_and_gives_new_files_the_usual_mode(tmp_path):
    old = tmp_path / "old.txt"
    old.write_text("x")
    old.chmod(0o640)
    write_text_atomic(old, "y")
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    new = tmp_path / "new.txt"
    write_text_atomic(new, "z")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
