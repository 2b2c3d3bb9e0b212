"""``aqa score``: the digits sample end to end, and exit code 2 on invalid input."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from _scoring_helpers import DIGITS
from analytics import load_annotations, load_predictions
from analytics.cli import build_parser, main

MODEL = str(DIGITS / "digits_cnn.pt")
ANNOTATIONS = str(DIGITS / "annotations.csv")


def _expected() -> pd.DataFrame:
    return pd.read_csv(DIGITS / "predictions.csv", dtype={"item_id": str}).set_index("item_id")


def _check_reproduces_sample(out) -> None:
    got = load_predictions(str(out))
    assert got.kind == "probabilities" and got.classes == tuple("0123456789")
    frame = got.frame.set_index("item_id")
    expected = _expected()
    assert sorted(frame.index) == sorted(expected.index) and len(frame) == 500
    np.testing.assert_allclose(frame.loc[expected.index].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-5)


def test_digits_model_from_the_annotations_image_column(tmp_path, capsys):
    out = tmp_path / "predictions.csv"
    assert main(["score", MODEL, "--annotations", ANNOTATIONS, "--out", str(out), "--batch-size", "64"]) == 0
    _check_reproduces_sample(out)
    assert "Scored 500 images" in capsys.readouterr().out
    # what the product reads next: the predictions attach to the pilot's items
    aset = load_annotations(ANNOTATIONS, predictions=str(out))
    assert aset.summary()["n_predicted_items"] == 500


def test_digits_model_from_the_image_folder_with_explicit_preprocessing(tmp_path):
    out = tmp_path / "sub" / "predictions.csv"
    args = ["score", MODEL, str(DIGITS / "images"), "--grayscale", "--input-size", "32", "--classes",
            ",".join("0123456789"), "--device", "cpu", "--precision", "fp32", "--quiet", "--out", str(out)]
    assert main(args) == 0
    _check_reproduces_sample(out)


def test_score_is_listed_in_help():
    assert "score" in build_parser().format_help()


def _tiny_annotations(tmp_path, image_name="a.png"):
    Image.fromarray(np.full((32, 32), 255, np.uint8)).save(tmp_path / "a.png")
    table = tmp_path / "ann.csv"
    table.write_text(f"item_id,annotator_id,label,picture\nx,ann1,3,{image_name}\nx,ann2,3,{image_name}\n")
    return table


def test_image_column_option(tmp_path):
    out = tmp_path / "p.csv"
    table = _tiny_annotations(tmp_path)
    assert main(["score", MODEL, "--annotations", str(table), "--image-column", "picture", "--out", str(out)]) == 0
    assert pd.read_csv(out)["item_id"].tolist() == ["x"]


@pytest.mark.parametrize("extra, message", [
    ([], "No images"),
    (["IMAGES", "--annotations", ANNOTATIONS], "either IMAGES or --annotations"),
    (["IMAGES", "--classes", "a,b"], "2 class names"),
    (["IMAGES", "--rgb"], "expected input.*to have 1 channels"),
    (["IMAGES", "--input-size", "28"], "shapes cannot be multiplied"),
    (["IMAGES", "--input-size", "big"], "--input-size expects"),
    (["IMAGES", "--input-size", "1,2,3"], "N or H,W"),
    (["IMAGES", "--std", "0"], "std values must be positive"),
    (["IMAGES", "--batch-size", "0"], "batch_size must be a positive integer"),
    (["IMAGES", "--model-factory", "nowhere"], "MODULE:FUNCTION"),
    (["IMAGES", "--model-factory", "no_such_module_xyz:build"], "Cannot import"),
    (["IMAGES", "--device", "gpu0"], "device must be"),
])
def test_invalid_input_exits_with_2(tmp_path, capsys, extra, message):
    images = [str(DIGITS / "images" / f"d000{k}.png") for k in range(1, 4)]
    args = ["score", MODEL] + [a for e in extra for a in (images if e == "IMAGES" else [e])]
    args += ["--out", str(tmp_path / "p.csv"), "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("aqa: invalid input:")
    assert re.search(message, err), err
    assert not (tmp_path / "p.csv").exists()


def test_missing_files_exit_with_2(tmp_path, capsys):
    out = str(tmp_path / "p.csv")
    assert main(["score", str(tmp_path / "nope.pt"), str(DIGITS / "images"), "--out", out]) == 2
    assert "does not exist" in capsys.readouterr().err
    table = _tiny_annotations(tmp_path, image_name="missing.png")
    assert main(["score", MODEL, "--annotations", str(table), "--image-column", "picture", "--out", out]) == 2
    assert "missing.png" in capsys.readouterr().err
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(tmp_path / "d0001.png")
    assert main(["score", MODEL, str(tmp_path / "d0001.png"), str(DIGITS / "images" / "d0001.png"), "--out", out]) == 2
    assert "Two images have the item id 'd0001'" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["score", MODEL, str(empty), "--out", out]) == 2
    assert "holds no image files" in capsys.readouterr().err


# -- issue 21: images only inside the image root; a model that returns NaN ------------------------------------------
def test_score_refuses_an_image_outside_the_annotations_folder(tmp_path, capsys):
    pilot = tmp_path / "pilot"
    pilot.mkdir()
    Image.fromarray(np.full((32, 32), 255, np.uint8)).save(tmp_path / "secret.png")  # next to pilot/, not in it
    out = tmp_path / "predictions.csv"
    for reference in ("../secret.png", str(tmp_path / "secret.png")):
        table = pilot / "ann.csv"
        table.write_text(f"item_id,annotator_id,label,image\nx,ann1,3,{reference}\nx,ann2,3,{reference}\n")
        assert main(["score", MODEL, "--annotations", str(table), "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "2 image references" in err and "were refused" in err and f"image root {pilot}" in err
        assert "--image-root DIR" in err and not out.exists()
    (pilot / "link.png").symlink_to(tmp_path / "secret.png")
    table.write_text("item_id,annotator_id,label,image\nx,ann1,3,link.png\nx,ann2,3,link.png\n")
    assert main(["score", MODEL, "--annotations", str(table), "--out", str(out), "--quiet"]) == 2
    assert "symbolic link to a file outside the image root" in capsys.readouterr().err
    # the folder that holds the images, named explicitly: read
    table.write_text("item_id,annotator_id,label,image\nx,ann1,3,secret.png\nx,ann2,3,secret.png\n")
    assert main(["score", MODEL, "--annotations", str(table), "--image-root", str(tmp_path), "--out", str(out),
                 "--quiet"]) == 0
    assert out.exists()


def test_score_refuses_a_model_that_returns_nan(tmp_path, capsys):
    import torch

    class NaNModel(torch.nn.Module):
        def forward(self, x):
            return torch.full((x.shape[0], 3), float("nan"))

    model = tmp_path / "nan.pt"
    with warnings.catch_warnings():  # torch.jit is deprecated in recent torch; scripting still works
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(NaNModel()).save(str(model))
    table = _tiny_annotations(tmp_path)
    out = tmp_path / "p.csv"
    assert main(["score", str(model), "--annotations", str(table), "--image-column", "picture", "--out", str(out),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "NaN or infinite values for 1 of 1 image:" in err and "a.png" in err and not out.exists()
