"""Issue 21, point 3: two stray quotes must not merge rows silently. A quoted cell that spans lines and holds other
rows, or holds a delimiter-plus-id pattern on one line, is reported per row (reason ``merged_lines``, with the lines);
a label holding a line break is a skipped row unless ``allow_multiline_labels=True``; a label above the text limit is
a skipped row (``label_too_long``). The detection works on the parsed columns (``analytics.io._quotes``), so it does
not depend on the CSV parser; these tests drive it through ``load_annotations`` on files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import Limits, load_annotations
from analytics.cli import main


def _rows(n: int = 300) -> list[str]:
    """Header on line 1; line k + 2 holds item k (three annotators cycling, labels cat/dog)."""
    return ["item_id,annotator_id,label"] + [f"img_{k},ann_{k % 3},{'dog' if k % 2 else 'cat'}" for k in range(n)]


def _with_stray_quotes(tmp_path, opening: int = 101, closing: int = 201):
    lines = _rows()
    lines[opening - 1] = lines[opening - 1].rsplit(",", 1)[0] + ',"cat'  # line numbers are 1-based
    lines[closing - 1] = lines[closing - 1].rsplit(",", 1)[0] + ',cat"'
    path = tmp_path / "stray.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_stray_quotes_on_lines_101_and_201_are_reported_not_merged_into_a_category(tmp_path):
    path = _with_stray_quotes(tmp_path)
    aset = load_annotations(path)
    assert aset.categories == ("cat", "dog")  # no new category made of a hundred rows
    report = aset.report
    merged = report.skipped[report.skipped["reason"] == "merged_lines"]
    assert merged["row"].tolist() == [101]
    assert "lines 101–201" in merged["detail"].iloc[0] and "img_100,ann_1,cat" in merged["detail"].iloc[0]
    assert report.rows_read == 200 and report.rows_skipped == 1 and report.is_complete
    # rows after the merged cell keep their real line numbers
    assert aset.frame.loc[aset.frame["item_id"] == "img_200", "annotator_id"].item() == "ann_2"
    lines = report.summary_lines()
    assert any("merged_lines" in line and "line 101" in line for line in lines)


def test_validate_command_says_so(tmp_path, capsys):
    assert main(["validate", str(_with_stray_quotes(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "Skipped 1 × merged_lines" in out and "stray quote" in out


def test_a_row_inside_one_quoted_cell_on_one_line_is_reported(tmp_path):
    path = tmp_path / "inline.csv"
    path.write_text('item_id,annotator_id,label\nimg_0,ann_0,cat\nimg_1,ann_1,"dog,img_2,ann_0,cat"\n'
                    "img_2,ann_0,dog\nimg_0,ann_1,dog\n")
    aset = load_annotations(path)
    assert aset.report.skipped[["row", "reason"]].values.tolist() == [[3, "merged_lines"]]
    assert aset.categories == ("cat", "dog")


def test_genuine_quoted_cells_are_kept(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('item_id,annotator_id,label,comment\n"img_0","ann_0","cat","a, b"\n'
                    '"img_0","ann_1","dog","first line\nsecond line"\n"img_1","ann_0","cat",""\n'
                    '"img_1","ann_1","cat","say ""hi"""\n')
    aset = load_annotations(path)
    assert aset.report.rows_skipped == 0 and aset.n_annotations == 4
    assert aset.frame["comment"].tolist()[1] == "first line\nsecond line"
    # line numbers after a genuine two-line cell: the last row starts on line 6
    tags = tmp_path / "tags.csv"
    tags.write_text('item_id,annotator_id,label\n1,a,"cat,dog"\n1,b,"cat"\n2,a,"dog,bird"\n2,b,"bird"\n')
    assert load_annotations(tags, multilabel=True, label_sep=",").report.rows_skipped == 0


def test_a_label_with_a_line_break_is_skipped_unless_allowed(tmp_path):
    path = tmp_path / "multiline.csv"
    path.write_text('item_id,annotator_id,label\nimg_0,ann_0,"cat\nsitting"\nimg_0,ann_1,cat\nimg_1,ann_0,dog\n')
    aset = load_annotations(path)
    skipped = aset.report.skipped
    assert skipped[["row", "reason"]].values.tolist() == [[2, "multiline_label"]]
    assert "allow_multiline_labels=True" in skipped["detail"].iloc[0]
    assert aset.frame["item_id"].tolist() == ["img_0", "img_1"]
    kept = load_annotations(path, allow_multiline_labels=True)
    assert kept.report.rows_skipped == 0 and "cat sitting" in kept.categories
    assert main(["validate", str(path), "--allow-multiline-labels"]) == 0
    frame = pd.DataFrame({"item_id": ["a", "b"], "annotator_id": ["x", "x"], "label": ["cat\r\nx", "dog"]})
    assert load_annotations(frame).report.skipped_by_reason.to_dict() == {"multiline_label": 1}


def test_a_label_longer_than_the_cell_limit_is_a_skipped_row(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("item_id,annotator_id,label\nimg_0,ann_0," + "x" * 50 + "\nimg_0,ann_1,cat\n")
    aset = load_annotations(path, limits=Limits(max_text_length=40))
    assert aset.report.skipped[["row", "reason"]].values.tolist() == [[2, "label_too_long"]]
    assert aset.categories == ("cat",)


def test_detection_works_on_parsed_columns_whatever_parsed_them():
    """The function the CSV reader calls, on a frame as any parser would give it (vectorized, no file needed)."""
    from analytics.io._quotes import find_merged_rows, line_breaks_per_row, line_numbers

    n = 200_000
    frame = pd.DataFrame({"item_id": [f"img_{k}" for k in range(n)], "annotator_id": ["ann_0", "ann_1"] * (n // 2),
                          "label": ["cat"] * n}, dtype=object)
    frame.loc[7, "label"] = "cat\nimg_8,ann_0,dog\nimg_9,ann_1,cat"
    frame.loc[9, "label"] = "a, b"  # a label with the delimiter: not a row
    frame.loc[11, "label"] = "x,img_3,ann_1"  # two other columns' values: a row inside a cell
    merged, examples = find_merged_rows(frame, ",")
    assert np.flatnonzero(merged).tolist() == [7, 11] and examples == ["img_8,ann_0,dog", "x,img_3,ann_1"]
    breaks = line_breaks_per_row(frame)
    assert line_numbers(2, breaks)[[6, 7, 8]].tolist() == [8, 9, 12]


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_other_delimiters(tmp_path, sep):
    lines = [sep.join(r.split(",")) for r in _rows(40)]
    lines[10] = lines[10] + '"'
    lines[10] = lines[10].rsplit(sep, 1)[0] + sep + '"cat'
    lines[20] = lines[20].rsplit(sep, 1)[0] + sep + 'cat"'
    path = tmp_path / ("stray.tsv" if sep == "\t" else "stray.csv")
    path.write_text("\n".join(lines) + "\n")
    aset = load_annotations(path, sep=sep)
    assert aset.report.skipped_by_reason.to_dict() == {"merged_lines": 1}
    assert aset.categories == ("cat", "dog")
