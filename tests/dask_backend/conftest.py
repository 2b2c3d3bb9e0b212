"""A real ``distributed.LocalCluster`` (two worker processes) shared by the Dask-backend tests."""

from __future__ import annotations

import logging

import pytest

# Some test modules elsewhere import the root conftest as ``conftest``; with pytest's default import mode this
# file can take that module name first, so it offers the same names.
from tests.conftest import DATASETS, FORMATS, REPO, SAMPLES, SHARED, need  # noqa: F401


@pytest.fixture(scope="session")
def dask_client():
    """A client of a two-worker LocalCluster; the tests skip when ``distributed`` is not installed."""
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("dask.dataframe")
    for name in ("distributed.shuffle", "distributed.scheduler", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.ERROR)  # p2p shuffle start/stop notices are not failures
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                       memory_limit="2GiB")
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="session")
def pilot(dask_client, tmp_path_factory):
    """The generated pilot (rounds with re-labels, blanks, spelling variants, gold) in memory and on the cluster.

    Rows are shuffled over four Parquet files, so most items' ratings start in several files; the Dask set
    has three partitions of items. Returns ``(in-memory set, Dask set, file paths)``.
    """
    import analytics as aqa
    from dask_helpers import annotations_frame, gold_frame, write_parts

    df = annotations_frame(0)
    folder = tmp_path_factory.mktemp("pilot")
    paths = write_parts(df, folder)
    gold = gold_frame(df)
    memory = aqa.load_annotations([str(p) for p in paths], gold=gold)
    dask_set = aqa.load_annotations(str(folder / "*.parquet"), backend="dask", scheduler=dask_client,
                                    npartitions=3, gold=gold)
    return memory, dask_set, paths
