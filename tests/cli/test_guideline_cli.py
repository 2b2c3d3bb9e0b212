"""``aqa guideline``: HTML and Markdown, the format from the suffix or --output-format, embeddings, real data without
images, and the exit code 2 with a message for what cannot be used."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analytics.cli import main
from tests.conftest import DATASETS, SAMPLES, need

DIGITS = SAMPLES / "digits"
RETAIL = SAMPLES / "retail"
DIGIT_ARGS = [str(DIGITS / "annotations.csv"), "--gold", str(DIGITS / "gold.csv"), "--predictions",
              str(DIGITS / "predictions.csv"), "--taxonomy", str(DIGITS / "taxonomy.yaml")]


def test_html_with_embedded_thumbnails(tmp_path, capsys):
    out = tmp_path / "guideline.html"
    assert main(["guideline", *DIGIT_ARGS, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "11 class cards from 500 items" in printed and f"Wrote {out} (HTML, 11 class cards)" in printed
    html = out.read_text()
    assert html.count("data:image/png;base64,") >= 66 and "model&#39;s class probabilities" in html


def test_markdown_from_the_suffix_links_images_relative_to_the_file(tmp_path, capsys):
    out = tmp_path / "wiki" / "guideline.md"
    assert main(["guideline", *DIGIT_ARGS, "--out", str(out)]) == 0
    text = out.read_text()
    links = re.findall(r"!\[item [^\]]+\]\(([^)]+)\)", text)
    assert links and all(not link.startswith("/") for link in links)
    assert all((out.parent / link).resolve().is_file() for link in links)
    assert "(Markdown, 11 class cards)" in capsys.readouterr().out


def test_output_format_overrides_the_suffix_and_no_images(tmp_path):
    out = tmp_path / "guideline.txt"
    assert main(["guideline", *DIGIT_ARGS, "--out", str(out), "--output-format", "markdown", "--no-images"]) == 0
    text = out.read_text()
    assert text.startswith("# Annotation guideline draft") and "![" not in text


def test_embeddings_spread_the_examples(tmp_path):
    items = pd.read_csv(RETAIL / "annotations.csv")["item_id"].drop_duplicates()
    emb = pd.DataFrame(np.random.default_rng(0).normal(size=(len(items), 4)), columns=list("wxyz"))
    emb.insert(0, "item_id", items.to_numpy())
    emb.to_csv(tmp_path / "emb.csv", index=False)
    out = tmp_path / "retail.html"
    assert main(["guideline", str(RETAIL / "annotations.csv"), "--taxonomy", str(RETAIL / "taxonomy.yaml"),
                 "--embeddings", str(tmp_path / "emb.csv"), "--n-examples", "4", "--out", str(out)]) == 0
    assert "on the image embeddings given" in out.read_text()


def test_real_data_without_images(tmp_path, capsys):
    folder = need(DATASETS / "dog")
    out = tmp_path / "dog.html"
    assert main(["guideline", str(folder / "answers.csv"), "--gold", str(folder / "truth.csv"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "4 without a definition" in printed and "1 suggested rule from gold" in printed
    assert "no Unknown/Other class" in printed and "<img" not in out.read_text()


def test_unusable_input_exits_2_with_the_reason(tmp_path, capsys):
    assert main(["guideline", *DIGIT_ARGS, "--out", str(tmp_path / "g.pdf")]) == 2
    assert "name it .html or .md" in capsys.readouterr().err
    assert main(["guideline", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "g.html")]) == 2
    assert "missing.csv" in capsys.readouterr().err
    assert main(["guideline", *DIGIT_ARGS, "--n-examples", "-1", "--out", str(tmp_path / "g.html")]) == 2
    assert "n_examples" in capsys.readouterr().err
    (tmp_path / "emb.csv").write_text("item_id,x\nd0001,1\n")
    assert main(["guideline", *DIGIT_ARGS, "--embeddings", str(tmp_path / "emb.csv"),
                 "--out", str(tmp_path / "g.html")]) == 2
    assert "have no row" in capsys.readouterr().err
    assert not (tmp_path / "g.html").exists()
