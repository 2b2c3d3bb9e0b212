"""Cost of the quality report: time per section, JSON and HTML rendering, and file sizes.

The report runs the analyses themselves, so its own overhead is what it adds on top: capturing warnings,
serializing to the documented JSON, and rendering HTML with the charts. This measures each section as the
report computes it (through its progress callback), then the analyses called directly (same options), and
reports the ratio report build / direct calls. Count tables are cached on the set (analytics._reshape), so
the first build (cold) is reported separately.

    PYTHONPATH=. python benchmarks/bench_report.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

from plotly.offline import get_plotlyjs

from analytics import load_annotations
from analytics.report.quality_report import SECTIONS, QualityReport, ReportSettings
from analytics.samples import load_sample

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def _sets():
    yield "digits sample (2,335 annotations, gold, predictions, taxonomy)", load_sample("digits")
    folder = SHARED / "cifar10h"
    if folder.exists():
        yield "CIFAR-10H counts (511,000 annotations, gold, predictions)", load_annotations(
            folder / "human_counts.csv", gold=folder / "truth.csv", predictions=folder / "model_probs_resnet18.csv")


def _direct(aset, settings) -> float:
    """The analyses behind the sections, called directly (errors of sections that do not apply ignored)."""
    start = time.perf_counter()
    for _, _, builder in SECTIONS:
        try:
            builder(aset, settings)
        except ValueError:
            pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    for title, aset in _sets():
        start = time.perf_counter()
        QualityReport.from_annotations(aset, device="cpu")  # cold: imports, torch, the set's count tables
        cold = time.perf_counter() - start
        stamps: list[float] = []
        builds, direct, to_json, to_html = [], [], [], []
        for _ in range(args.repeat):
            stamps.clear()
            start = time.perf_counter()
            report = QualityReport.from_annotations(aset, device="cpu",
                                                    progress=lambda d, t: stamps.append(time.perf_counter()))
            builds.append(time.perf_counter() - start)
            direct.append(_direct(aset, ReportSettings(device="cpu")))
            t = time.perf_counter(); text = report.to_json(); to_json.append(time.perf_counter() - t)
            t = time.perf_counter(); html = report.to_html(); to_html.append(time.perf_counter() - t)
        per = sorted(((b - a, key) for (key, _, _), a, b in zip(SECTIONS, stamps, stamps[1:])), reverse=True)
        print(f"\n{title}")
        print(f"  first build {cold:.2f} s (cold: imports, torch, the set's cached count tables)")
        print(f"  build {min(builds):.2f} s (warm, best of {args.repeat}); the analyses called directly {min(direct):.2f} s; "
              f"ratio {min(builds) / min(direct):.2f}")
        print("  slowest sections: " + ", ".join(f"{k} {s:.2f} s" for s, k in per[:4]))
        print(f"  to_json {min(to_json) * 1000:.0f} ms ({len(text.encode()) / 1e3:,.0f} kB); "
              f"to_html {min(to_html) * 1000:.0f} ms ({len(html.encode()) / 1e6:.1f} MB, of which plotly.js "
              f"{len(get_plotlyjs().encode()) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
