"""CPU, wall time and peak memory of each quality-report section on one annotation file (issue 17, point 6).

Loads the file, then computes the sections in the report's own order (``COMPUTE_ORDER``, as
``QualityReport.from_annotations`` does) and prints, per section, the process CPU time (user + system), the wall
time and the peak resident memory after it. ``--profile KEY[,KEY…]`` also writes a cProfile of those sections.
Run two trees in one invocation to compare them (same machine state):

    for tree in /work/main .; do PYTHONPATH=$tree python benchmarks/bench_report_sections.py \\
        /tmp/aqa-fromfile/annotations_10m.parquet; done
"""

from __future__ import annotations

import argparse
import cProfile
import resource
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="annotation file (anything load_annotations reads)")
    parser.add_argument("--profile", default="", help="comma-separated section keys to profile (cProfile)")
    parser.add_argument("--profile-dir", default=".", help="where KEY.prof files go (default: here)")
    args = parser.parse_args()
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    from analytics import load_annotations
    from analytics.report._sections import COMPUTE_ORDER, ReportSettings
    from analytics.report.quality_report import _run_section

    aset = load_annotations(args.path)
    print(f"{'imports + loading':24s} cpu {time.process_time() - start_cpu:6.2f} s  wall "
          f"{time.perf_counter() - start_wall:6.2f} s  peak {_peak_mb():,.0f} MB", flush=True)
    profiled = {k for k in args.profile.split(",") if k}
    settings, computed = ReportSettings(), {}
    for key, title, builder in COMPUTE_ORDER:
        cpu, wall = time.process_time(), time.perf_counter()
        profile = cProfile.Profile() if key in profiled else None
        if profile:
            profile.enable()
        computed[key] = _run_section(key, title, builder, aset, settings, computed)
        if profile:
            profile.disable()
            profile.dump_stats(f"{args.profile_dir}/{key}.prof")
        print(f"{key:24s} cpu {time.process_time() - cpu:6.2f} s  wall {time.perf_counter() - wall:6.2f} s  "
              f"peak {_peak_mb():,.0f} MB  ({computed[key].status})", flush=True)
    print(f"{'total':24s} cpu {time.process_time() - start_cpu:6.2f} s  wall {time.perf_counter() - start_wall:6.2f} s")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
