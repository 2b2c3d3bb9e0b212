"""``aqa validate --backend dask --scheduler ADDRESS|local``: the same description as in memory."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("distributed")

from analytics.cli import main


@pytest.fixture(scope="module")
def files(pilot, tmp_path_factory):
    _, _, paths = pilot
    gold = tmp_path_factory.mktemp("gold") / "gold.csv"
    pilot[0].gold.rename_axis("item_id").reset_index().to_csv(gold, index=False)
    return [str(p) for p in paths], str(gold)


def test_validate_on_a_cluster_prints_what_memory_prints(files, dask_client, capsys):
    paths, gold = files
    assert main(["validate", *paths, "--gold", gold]) == 0
    expected = capsys.readouterr().out
    assert main(["validate", "--backend", "dask", "--scheduler", dask_client.scheduler.address, "--npartitions", "2",
                 *paths, "--gold", gold]) == 0
    assert capsys.readouterr().out == expected
    assert "Skipped 5 × blank_label" in expected and "Rounds: 1 (" in expected and "Gold: 50 items" in expected
    assert main(["validate", "--json", "--backend", "dask", "--scheduler", dask_client.scheduler.address, *paths]) == 0
    on_dask = json.loads(capsys.readouterr().out)
    assert main(["validate", "--json", *paths]) == 0
    assert on_dask == json.loads(capsys.readouterr().out)


def test_validate_starts_a_local_cluster(files, capsys):
    paths, _ = files
    assert main(["validate", "--backend", "dask", "--scheduler", "local", *paths]) == 0
    assert "Understood: 239 items, 7 annotators, 804 annotations" in capsys.readouterr().out


def test_scheduler_without_the_dask_backend_is_a_usage_error(files, capsys):
    paths, _ = files
    assert main(["validate", "--scheduler", "local", *paths]) == 2
    assert "--scheduler and --npartitions need --backend dask" in capsys.readouterr().err
