"""Shared helpers for the sample-data generators: file writers and work schedules.

Only the standard library, numpy and PyYAML are used, so that every output is a
pure function of the fixed random seeds in ``make_samples.py``. Every file is written atomically
(``analytics._atomic``: a temporary file beside it, fsynced, then renamed over it).
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import yaml

from analytics._atomic import atomic_write, write_text_atomic

LUNCH_BREAK_S = 45 * 60


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a UTF-8 CSV with ``\\n`` line endings and minimal (RFC 4180) quoting."""
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_yaml(path: Path, data: Any) -> None:
    """Write ``data`` as block-style YAML, keeping the key order of the dicts."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    write_text_atomic(path, text)


def iso_utc(ts: datetime) -> str:
    """Format an aware UTC datetime as ``2026-03-02T09:15:30Z``."""
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def lognormal_durations(
    rng: np.random.Generator, n: int, median_s: float, sigma: float, trend: float = 0.0
) -> np.ndarray:
    """Per-annotation durations in seconds, rounded to 0.1 s (minimum 0.3 s).

    ``trend`` linearly scales the median over the sequence: with ``trend=-0.4`` the
    last task's median is 40 % shorter than the first one's (an annotator who rushes).
    """
    progress = np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(n)
    medians = median_s * (1.0 + trend * progress)
    durations = medians * np.exp(sigma * rng.standard_normal(n))
    return np.maximum(np.round(durations, 1), 0.3)


def work_day_schedule(
    rng: np.random.Generator, day: date, durations: np.ndarray, span_h: float = 7.0
) -> list[datetime]:
    """Submission times of ``len(durations)`` consecutive tasks spread over one working day.

    The annotator starts between 09:00 and 09:30 UTC, works through the tasks in the
    given order with random idle gaps (exponential, scaled so that the work fills about
    ``span_h`` hours) and takes a 45-minute lunch break half-way. Every task is submitted
    at least its own duration after the previous one.
    """
    n = len(durations)
    start = datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc)
    start += timedelta(minutes=float(rng.uniform(0, 30)))
    idle = rng.exponential(1.0, n)
    idle *= max(span_h * 3600.0 - float(durations.sum()), 0.0) / idle.sum()
    offsets = np.cumsum(durations + idle)
    offsets[n // 2 :] += LUNCH_BREAK_S
    return [start + timedelta(seconds=round(float(o))) for o in offsets]
