"""The decision log: a decision recorded from a recommendation carries its evidence and simulated effect; a later
delivery verifies it (predicted vs observed, with the interval of the difference); schema 1 workspaces upgrade."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import analytics as aqa
from analytics.exceptions import InvalidParameterError
from analytics.workspace import open_workspace
from analytics.workspace._stats import z_value

FIXTURE = Path(__file__).with_name("fixtures") / "workspace_v1.aqa"
RETAIL = Path(__file__).resolve().parents[2] / "sample_data" / "retail"


@pytest.fixture(scope="module")
def retail_batches():
    frame = pd.read_csv(RETAIL / "annotations.csv")
    items = sorted(frame["item_id"].unique(), key=lambda s: int(s[1:]))
    halves = [frame[frame["item_id"].isin(items[:150])], frame[frame["item_id"].isin(items[150:])]]
    gold = RETAIL / "gold.csv"
    return [aqa.load_annotations(h.copy(), gold=gold, taxonomy=RETAIL / "taxonomy.yaml") for h in halves], halves


def test_a_merge_decision_is_predicted_and_verified(location, retail_batches):
    sets, halves = retail_batches
    with open_workspace(location, create=True) as ws:
        ws.add(sets[0], name="batch-1")
        decision = ws.record_decision(recommendation=1, into="Top", note="guideline v2 merges them", author="pm")
        assert decision.action == "merge" and decision.classes == ("Shirt", "Blouse")
        assert decision.new_classes == ("Top",) and decision.recommendation["rank"] == 1
        assert "pairs of disagreeing ratings" in decision.evidence and decision.checks == ()
        sim = aqa.simulate_merge(sets[0], ["Shirt", "Blouse"], into="Top")
        p = decision.prediction
        assert p["after"] == pytest.approx(sim.after.value("fleiss_kappa"), abs=1e-12)
        assert p["change_ci_low"] == pytest.approx(sim.change()["ci_low"], abs=1e-12)
        # the next delivery follows the new guideline: Shirt and Blouse are labelled Top
        merged = halves[1].assign(label=halves[1]["label"].replace({"Shirt": "Top", "Blouse": "Top"}))
        gold = pd.read_csv(RETAIL / "gold.csv").replace({"Shirt": "Top", "Blouse": "Top"})
        later = aqa.load_annotations(merged, gold=gold)
        ws.add(later, name="batch-2")
        (checked,) = ws.decisions()
    (check,) = checked.checks
    kappa = aqa.agreement_summary(later).table.set_index("coefficient").loc["fleiss_kappa"]
    assert check.delivery == "batch-2" and check.applied is True
    assert check.kappa_after == pytest.approx(kappa["value"], abs=1e-12)
    assert check.difference == pytest.approx(kappa["value"] - p["after"], abs=1e-12)
    half = z_value(0.95) * math.sqrt(kappa["standard_error"] ** 2 + p["se_after"] ** 2)
    assert (check.difference_ci_low, check.difference_ci_high) == pytest.approx(
        (check.difference - half, check.difference + half), abs=1e-12)
    inside = check.difference_ci_low <= 0 <= check.difference_ci_high
    assert check.verdict == ("as predicted" if inside else
                             "better than predicted" if check.difference_ci_low > 0 else "short of the prediction")
    per = aqa.fleiss_kappa_by_category(later).set_index("category")
    assert check.class_name == "Top" and check.class_after == pytest.approx(per.at["Top", "kappa"])
    assert "In batch-2" in check.sentence() and check.outcome in ("improved", "no significant change", "worse")


def test_hand_recorded_decisions_and_their_checks(tmp_path, retail_batches):
    sets, _ = retail_batches
    with open_workspace(tmp_path / "w.aqa", create=True) as ws:
        ws.add(sets[0], name="batch-1")
        clarify = ws.record_decision(action="clarify", classes=["Jeans"], definition="Denim trousers, rivets.")
        assert clarify.prediction["after"] is None and "not simulated" in clarify.prediction["reason"]
        assert clarify.prediction["before"] is not None
        lift = ws.record_decision(action="lift_to_parent", classes=["Bottoms"])
        assert lift.new_classes == ("Bottoms",) and lift.prediction["after"] > lift.prediction["before"]
        retrain = ws.record_decision(action="retrain_annotator", annotators=["ann_c"], classes=["Sneakers", "Sandals"])
        assert "record it from a retrain_annotator recommendation" in retrain.prediction["reason"]
        with pytest.raises(InvalidParameterError, match="new definition"):
            ws.record_decision(action="clarify", classes=["Jeans"])
        with pytest.raises(InvalidParameterError, match="not classes of delivery"):
            ws.record_decision(action="merge", classes=["Shirt", "Cardigan"])
        with pytest.raises(InvalidParameterError, match="no recommendation ranked 99"):
            ws.record_decision(recommendation=99)
        with pytest.raises(InvalidParameterError, match="action must be one of"):
            ws.record_decision(action="rename", classes=["Jeans"])
        ws.add(sets[1], name="batch-2")
        decisions = {d.id: d for d in ws.decisions()}
        ws.remove_decision(retrain.id)
        assert [d.id for d in ws.decisions()] == [clarify.id, lift.id]
    c = decisions[clarify.id].checks[0]
    assert c.verdict == "not predicted" and c.class_name == "Jeans" and math.isfinite(c.class_change)
    lifted = decisions[lift.id].checks[0]
    assert lifted.applied is False and "still uses" in lifted.notes[0]


def test_schema_1_fixture_upgrades_and_keeps_its_numbers(tmp_path):
    path = tmp_path / "old.aqa"
    shutil.copy(FIXTURE, path)
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        stored = conn.execute(sa.text("SELECT d.name, c.value FROM coefficients c JOIN deliveries d ON "
                                      "d.id = c.delivery_id WHERE c.coefficient = 'fleiss_kappa' ORDER BY d.id")).all()
    with open_workspace(path) as ws:
        history = ws.history()
        assert [d.name for d in ws.deliveries()] == ["batch-1", "batch-2"]
        kappas = [(r["delivery"], r["value"]) for r in history.agreement if r["coefficient"] == "fleiss_kappa"]
        assert kappas == [tuple(r) for r in stored]
        decision = ws.record_decision(recommendation=1, delivery="batch-1")
        assert decision.checks[0].delivery == "batch-2"
        assert ws.load("batch-2").n_annotations == 450
        assert ws.check_no_regression().status == "pass"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0002"
    engine.dispose()


def test_decision_cli(capsys, tmp_path):
    from analytics.cli import main

    path = tmp_path / "w.aqa"
    shutil.copy(FIXTURE, path)
    assert main(["decision", "list", "-w", str(path)]) == 0
    assert "no decision recorded yet" in capsys.readouterr().out
    assert main(["decision", "record", "-w", str(path), "--merge", "Shirt,Blouse", "--into", "Top",
                 "--delivery", "batch-1", "--note", "v2 guideline"]) == 0
    out = capsys.readouterr().out
    assert "#1 merge Shirt + Blouse → Top" in out and "In batch-2" in out and "predicted: Fleiss' kappa" in out
    assert main(["decision", "record", "-w", str(path), "--clarify", "Jeans"]) == 2
    assert "new definition" in capsys.readouterr().err
    assert main(["history", "-w", str(path)]) == 0
    assert "Decisions (predicted effect vs what later deliveries show)" in capsys.readouterr().out
    assert main(["decision", "remove", "1", "-w", str(path)]) == 0
