"""Progress reporting for long runs: the ``progress(done, total)`` callback protocol and a text bar.

Long-running functions (:func:`analytics.model.scoring.score_images`, :func:`analytics.model.scoring.embed_images`)
accept ``progress``: ``None`` (silent), a callable ``progress(done, total)`` called once at the start
and after every batch (the dashboard maps it to ``st.progress(done / total)``), or ``True`` for a
:class:`ProgressBar` on standard error. The library never writes anything unless asked to.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO, Union

__all__ = ["ProgressBar", "ProgressCallback", "resolve_progress"]

#: ``progress(done, total)``: items finished so far and the total.
ProgressCallback = Callable[[int, int], None]


class ProgressBar:
    """A one-line text progress bar, drawn only when the run outlasts ``delay`` seconds.

    Parameters
    ----------
    stream : file, optional
        Where to draw (default: standard error, looked up at each call).
    delay : float
        Seconds to wait before the first draw, so short runs stay quiet.
    width : int
        Width of the bar in characters.
    label : str
        Text in front of the bar.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgressBar(stream=out, delay=0, label="scoring")
    >>> bar(0, 4); bar(2, 4); bar(4, 4)
    >>> out.getvalue().splitlines()[-1].startswith("scoring [")
    True
    """

    def __init__(self, stream: TextIO | None = None, *, delay: float = 1.0, width: int = 30,
                 label: str = "scoring") -> None:
        self.stream = stream
        self.delay = delay
        self.width = width
        self.label = label
        self._start: float | None = None
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self._start is None or done == 0:
            self._start = now
        elapsed = now - self._start
        if elapsed < self.delay and not self._drawn:
            return
        stream = self.stream if self.stream is not None else sys.stderr
        frac = done / total if total else 1.0
        filled = int(round(frac * self.width))
        rate = done / elapsed if elapsed > 0 else float("nan")
        line = (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done:,}/{total:,} "
                f"({frac:.0%}, {rate:,.0f}/s)")
        stream.write("\r" + line)
        if done >= total:
            stream.write("\n")
        stream.flush()
        self._drawn = True


def resolve_progress(progress: Union[ProgressCallback, bool, None]) -> ProgressCallback | None:
    """``None``/``False`` → no callback, ``True`` → a :class:`ProgressBar`, a callable → itself."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return ProgressBar()
    if not callable(progress):
        from .exceptions import InvalidParameterError

        raise InvalidParameterError(
            f"progress must be None, True/False or a callable progress(done, total); got {type(progress).__name__}."
        )
    return progress
