"""`minzheng evaluate`: score any system's predictions or a model folder, rule baseline beside it."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.rules import RuleAnnotator
from minzheng.cli import app
from training.crossval import write_predictions
from training.data import load_gold

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "annotation" / "gold" / "real.json"
runner = CliRunner()


def test_rule_predictions_score_like_the_baseline(tmp_path):
    gold = load_gold([REAL])
    rules = RuleAnnotator()
    pred_file = tmp_path / "rules_output.jsonl"
    write_predictions(pred_file, [rules.annotate(e) for e in gold])
    out = tmp_path / "eval"
    result = runner.invoke(app, ["evaluate", "--predictions", str(pred_file), "--data", str(REAL),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    systems = json.loads((out / "real" / "metrics.json").read_text())["systems"]
    assert set(systems) == {"rules_output", "rules"}
    # the same predictions through the file and through the built-in baseline score the same
    assert systems["rules_output"]["entities"] == systems["rules"]["entities"]
    assert 0.5 < systems["rules"]["entities"]["strict"]["micro"]["f1"] < 1.0
    assert (out / "real" / "report.md").is_file() and (out / "real" / "f1_by_label.png").is_file()
    assert (out / "real" / "confusion_rules.png").is_file()
    assert "rules_output" in result.output


def test_model_evaluation_reports_relations_and_values(tmp_path):
    out = tmp_path / "eval"
    result = runner.invoke(app, ["evaluate", "--model", str(ROOT / "models" / "default"), "--data", str(REAL),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    systems = json.loads((out / "real" / "metrics.json").read_text())["systems"]
    assert set(systems) == {"model", "rules"}
    model = systems["model"]
    assert model["relations"]["gold_entities"] is not None and model["values"]["total"] > 0
    assert model["entities"]["strict"]["COUNT"]["support"] == 76  # every real gold COUNT was scored
    assert (out / "summary.json").is_file()
    # models/default was trained on these documents: the table title says so
    assert "were in the model's training data" in result.output
    assert "training data" in (out / "real" / "report.md").read_text()


def test_bad_prediction_line_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "a", "spans": [], "relations": []}\n{"id": 1\n', encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--predictions", str(bad), "--data", str(REAL), "--out",
                                 str(tmp_path / "e")])
    assert result.exit_code != 0
    assert "bad.jsonl:2" in result.output


@pytest.mark.parametrize("args", [[], ["--model", "m", "--predictions", "p.jsonl"], ["--predictions", "p.jsonl",
                                                                                      "--folds", "2"]])
def test_argument_errors(args, tmp_path):
    result = runner.invoke(app, ["evaluate", *args, "--data", str(REAL), "--out", str(tmp_path)])
    assert result.exit_code == 2
