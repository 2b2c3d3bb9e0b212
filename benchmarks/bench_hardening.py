"""What the hardening costs, and what streaming saves.

1. Peak memory (tracemalloc) of reading a Label Studio full-JSON export with the streaming reader
   (``iter_json_items``) against ``json.load`` of the whole document, and of the whole
   ``load_annotations`` against the same baseline.
2. Time of the JSON nesting check (``analytics._json.json_depth``) against ``json.loads`` of the same text.
3. Time of ``load_annotations`` with the default limits against generous ones (the limit checks' overhead).

Run: ``python benchmarks/bench_hardening.py [n_tasks]`` (default 20,000 tasks, about 21 MB).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics import Limits, load_annotations  # noqa: E402
from analytics._atomic import write_text_atomic  # noqa: E402
from analytics._json import json_depth  # noqa: E402
from analytics.io._tools import iter_json_items  # noqa: E402


def export(n_tasks: int) -> list[dict]:
    labels = ["cat", "dog", "bird", "Other"]
    return [{"id": t, "data": {"image": f"/data/upload/1/3aa355b2-img_{t}.jpg"}, "annotations": [
        {"id": 10 * t + k, "completed_by": k + 1, "was_cancelled": False, "lead_time": 3.2 + k,
         "created_at": "2024-05-01T10:00:00.000000Z", "result": [
             {"id": f"r{t}{k}", "type": "choices", "from_name": "animal", "to_name": "image", "origin": "manual",
              "value": {"choices": [labels[(t + k) % 4]]}}]} for k in range(3)]} for t in range(n_tasks)]


def peak(fn) -> tuple[float, float]:
    """(seconds, peak MiB) of one call under tracemalloc."""
    tracemalloc.start()
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, top / 2**20


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(n_tasks: int = 20_000) -> None:
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.json"
        text = json.dumps(export(n_tasks))
        write_text_atomic(path, text)
        size = path.stat().st_size / 2**20
        print(f"Label Studio export: {n_tasks:,} tasks, {3 * n_tasks:,} annotations, {size:.1f} MiB")

        _, whole = peak(lambda: json.load(open(path)))
        _, stream = peak(lambda: sum(1 for _ in iter_json_items(path)))
        _, loaded = peak(lambda: load_annotations(path))
        print(f"peak memory: json.load {whole:.0f} MiB | streaming reader {stream:.1f} MiB "
              f"({stream / whole:.3f}x) | whole load_annotations {loaded:.0f} MiB ({loaded / whole:.2f}x)")

        t_parse = best(lambda: json.loads(text))
        t_depth = best(lambda: json_depth(text))
        print(f"nesting check: json_depth {t_depth:.3f} s vs json.loads {t_parse:.3f} s ({t_depth / t_parse:.2f}x)")

        generous = Limits(max_rows=10**12, max_columns=10**9, max_categories=10**9, max_text_length=10**9,
                          max_json_depth=10**6, max_file_bytes=2**62)
        t_default = best(lambda: load_annotations(path))
        t_generous = best(lambda: load_annotations(path, limits=generous))
        print(f"load_annotations: default limits {t_default:.2f} s vs generous limits {t_generous:.2f} s "
              f"({t_default / t_generous:.2f}x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
