"""Which reader turns a tidy annotations file into integer codes fastest: pyarrow, polars or DuckDB?

Each reader runs in a fresh process and does the whole job the loader needs from it: read the file with every
column as text (ids such as ``007`` must stay text) and give, per column, one integer code per row plus the
distinct values (dictionary encoding). Times are the first run of the process (cold: imports and first read)
and the best of three further runs (warm); peak memory is the process's ``ru_maxrss``.

    python benchmarks/bench_from_file.py generate --out /tmp/aqa-fromfile
    python benchmarks/bench_readers.py --data /tmp/aqa-fromfile --python /path/to/env/with/polars/and/duckdb/python

polars and DuckDB are not dependencies of the project: give ``--python`` an environment that has them (a reader
that cannot be imported is reported and skipped). The figures are in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

COLUMNS = ["item_id", "annotator_id", "label"]
READERS = ["pyarrow", "pyarrow-dictionary", "polars", "duckdb"]


def _dictionary_codes(table: Any) -> list:
    """Each column of ``COLUMNS`` as (codes, distinct values), dictionary-encoded by pyarrow."""
    import numpy as np
    import pyarrow.compute as pc

    out = []
    for c in COLUMNS:
        encoded = pc.dictionary_encode(table.column(c))
        out.append((np.concatenate([np.asarray(k.indices) for k in encoded.chunks]),
                    encoded.chunk(encoded.num_chunks - 1).dictionary))
    return out


def read(reader: str, path: str) -> list[tuple[object, object]]:
    """``[(codes, distinct values)]`` per column."""
    import numpy as np

    parquet = path.endswith(".parquet")
    if reader.startswith("pyarrow"):
        import pyarrow as pa
        import pyarrow.csv as pcsv
        import pyarrow.parquet as pq

        if reader == "pyarrow-dictionary":  # Parquet: the stored dictionaries; CSV: the reader's dictionary type
            table = (pq.read_table(path, read_dictionary=COLUMNS) if parquet else pcsv.read_csv(
                path, convert_options=pcsv.ConvertOptions(column_types={c: pa.dictionary(pa.int32(), pa.string())
                                                                        for c in COLUMNS})))
            table = table.unify_dictionaries()
            out = []
            for c in COLUMNS:
                col = table.column(c)
                out.append((np.concatenate([np.asarray(k.indices) for k in col.chunks]), col.chunk(0).dictionary))
            return out
        table = pq.read_table(path) if parquet else pcsv.read_csv(
            path, convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in COLUMNS}))
        return _dictionary_codes(table)
    if reader == "polars":
        import polars as pl

        frame = pl.read_parquet(path) if parquet else pl.read_csv(path, schema_overrides={c: pl.String for c in COLUMNS},
                                                                   infer_schema=False)
        out = []
        for c in COLUMNS:  # the distinct values in order, then the column as codes into them
            values = frame[c].unique(maintain_order=True).drop_nulls()
            out.append((frame[c].cast(pl.Enum(values)).to_physical().to_numpy(), values))
        return out
    if reader == "duckdb":
        import duckdb

        source = f"read_parquet('{path}')" if parquet else f"read_csv('{path}', all_varchar=true, header=true)"
        table = duckdb.sql(f"SELECT * FROM {source}").arrow()
        table = table.read_all() if hasattr(table, "read_all") else table
        return _dictionary_codes(table)
    raise ValueError(reader)


def worker(reader: str, path: str) -> None:
    import resource

    try:
        result = read(reader, path)
    except ImportError as exc:
        print(json.dumps({"reader": reader, "skipped": str(exc)}))
        return
    cold = time.time() - float(os.environ["AQA_BENCH_LAUNCH"])
    warm = []
    for _ in range(3):
        start = time.perf_counter()
        read(reader, path)
        warm.append(time.perf_counter() - start)
    print(json.dumps({"reader": reader, "cold_s": cold, "warm_s": min(warm), "distinct": [len(v) for _, v in result],
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--python", default=sys.executable, help="an interpreter with pyarrow, polars and duckdb")
    parser.add_argument("--sizes", nargs="+", default=["1m", "10m"])
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet"])
    parser.add_argument("--worker", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    print(f"uptime: {os.popen('uptime').read().strip()}")
    for size in args.sizes:
        for fmt in args.formats:
            path = args.data / f"annotations_{size}.{fmt}"
            for reader in READERS:
                env = dict(os.environ, AQA_BENCH_LAUNCH=repr(time.time()))
                out = subprocess.run([args.python, __file__, "--worker", reader, str(path)], capture_output=True,
                                     text=True, env=env)
                line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else json.dumps(
                    {"reader": reader, "failed": out.stderr.strip()[-300:]})
                res = json.loads(line)
                if "cold_s" in res:
                    print(f"{size} {fmt} {reader}: cold {res['cold_s']:.2f} s, warm {res['warm_s']:.2f} s, "
                          f"peak {res['peak_mb']:.0f} MB, distinct {res['distinct']}")
                else:
                    print(f"{size} {fmt} {reader}: {res}")
    print(f"uptime: {os.popen('uptime').read().strip()}")


if __name__ == "__main__":
    main()
