"""Writing files atomically: a temporary file in the same folder, flushed and fsynced, then one rename.

Every file the project writes (reports, queues, samples, predictions, chart images, exports) goes through
:func:`atomic_write` (an open file object) or :func:`atomic_target` (a temporary path for writers that want
a file name, such as ``DataFrame.to_parquet`` or kaleido). Either the whole new file replaces the target in
one :func:`os.replace`, or — on any error, a full disk, a kill — the previous file is left exactly as it was
and at most a hidden ``.NAME.*.tmp`` file remains beside it (removed on errors the process survives).

References
----------
POSIX ``rename(2)``: "If newpath already exists, it will be atomically replaced".
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator, Literal

from .exceptions import OutputWriteError

__all__ = ["atomic_write", "atomic_target", "write_text_atomic", "write_bytes_atomic"]


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (a no-op where directories cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _permissions_for(path: Path) -> int:
    """The mode the finished file gets: the old file's mode, else what ``open()`` would give (0666 & ~umask)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _failure(path: Path, exc: OSError) -> OutputWriteError:
    reason = exc.strerror or str(exc)
    return OutputWriteError(
        f"could not write {path}: {reason}. The previous file (if there was one) is unchanged; "
        "free some space or choose another folder (--out / --json / --html), then run the command again.")


@contextlib.contextmanager
def atomic_target(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path``; when the block ends without error it replaces ``path`` atomically.

    For writers that need a file name. The writer must close the file before the block ends; this
    function fsyncs it, renames it over ``path`` and fsyncs the folder.

    Raises
    ------
    OutputWriteError
        The file could not be written or renamed (the message names ``path``); the old file is intact.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _failure(target, exc) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _permissions_for(target))
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _failure(target, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: Literal["w", "wb"] = "w", *, encoding: str | None = "utf-8",
                 newline: str | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; on success it atomically replaces ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_write(folder / "queue.csv") as fh:
    ...     _ = fh.write("item_id,decision\\n")
    >>> (folder / "queue.csv").read_text()
    'item_id,decision\\n'
    """
    with atomic_target(path) as tmp:
        binary = "b" in mode
        with open(tmp, mode, encoding=None if binary else encoding, newline=None if binary else newline) as fh:
            yield fh
            fh.flush()


def write_text_atomic(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> None:
    """``Path(path).write_text(text)``, atomically (see :func:`atomic_write`)."""
    with atomic_write(path, "w", encoding=encoding, newline="") as fh:
        fh.write(text)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """``Path(path).write_bytes(data)``, atomically (see :func:`atomic_write`)."""
    with atomic_write(path, "wb") as fh:
        fh.write(data)
