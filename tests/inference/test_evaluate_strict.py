"""`evaluate --predictions` is strict: junk is an error naming file:line and what, never a perfect score."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.schema import LABELS
from minzheng.cli import app

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad_inputs"
GOLD = BAD / "tiny_gold.json"
runner = CliRunner()


def evaluate(predictions: Path, out: Path):
    return runner.invoke(app, ["evaluate", "--predictions", str(predictions), "--data", str(GOLD), "--out", str(out)])


def test_gold_itself_scores_one(tmp_path):
    pred = tmp_path / "gold_copy.jsonl"
    lines = [json.loads(line) for line in (BAD / "predictions_unknown_label.jsonl").read_text("utf-8").splitlines()]
    for row in lines:
        row["spans"] = [s for s in row["spans"] if s["label"] != "MONEY"]
    pred.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    result = evaluate(pred, tmp_path / "eval")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "eval" / "real" / "metrics.json").read_text())
    assert metrics["systems"]["gold_copy"]["entities"]["strict"]["micro"]["f1"] == 1.0


@pytest.mark.parametrize("name, line, expected", [
    ("predictions_unknown_label.jsonl", 1, f"unknown label 'MONEY' (allowed: {', '.join(LABELS)})"),
    ("predictions_lowercase_label.jsonl", 2, "unknown label 'count' (allowed: PROGRAM, COUNT, AMOUNT, PERCENT, UNIT); "
                                             "labels are upper case: did you mean 'COUNT'?"),
    ("predictions_text_mismatch.jsonl", 3, "id 'a515f0cff5af-00009': the text is not the gold sentence's"),
    ("predictions_duplicate_ids.jsonl", 4, "id '4e19eeecc857-00014' is also on line 1"),
    ("predictions_string_offsets.jsonl", 1, "span 0 (p1): start '10' is not an integer"),
])
def test_bad_predictions_are_an_error_naming_file_line_and_problem(tmp_path, name, line, expected):
    result = evaluate(BAD / name, tmp_path / "eval")
    assert result.exit_code == 2, result.output
    assert f"{BAD / name}:{line}: " in result.output and expected in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert len(result.output.splitlines()) <= 24  # one screen
    assert not (tmp_path / "eval").exists()  # nothing scored, no report


def test_every_junk_line_is_reported_not_only_the_first(tmp_path):
    result = evaluate(BAD / "predictions_unknown_label.jsonl", tmp_path / "eval")
    assert "3 problem(s)" in result.output
    for n, k in ((1, 8), (2, 6), (3, 6)):  # the junk span follows the gold spans of each line
        assert f"predictions_unknown_label.jsonl:{n}: span {k} (junk): unknown label 'MONEY'" in result.output


def test_a_missing_model_folder_is_one_line(tmp_path):
    result = runner.invoke(app, ["evaluate", "--model", str(tmp_path / "nope"), "--data", str(GOLD)])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: model folder {tmp_path / 'nope'}: no such folder"
