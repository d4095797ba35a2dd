"""`minzheng train ner --folds K`: cross-validation by document, report with the baseline, final model + card."""

import json

from typer.testing import CliRunner

from minzheng.cli import app

CONFIG = "training/configs/ner-default.yaml"


def test_cross_validate_then_train_final_model(tmp_path, tiny_base):
    base = tiny_base
    out, cv = tmp_path / "model", tmp_path / "cv"
    result = CliRunner().invoke(app, ["train", "ner", "--config", CONFIG, "--base_model", str(base),
                                      "--output_dir", str(out), "--folds", "2", "--cv_dir", str(cv),
                                      "--max_steps", "2", "--eval_strategy", "no"])
    assert result.exit_code == 0, result.output
    # two fold models, each trained without its held-out documents
    folds = [json.loads((cv / f"fold{i}" / "minzheng.json").read_text()) for i in range(2)]
    for info in folds:
        assert not set(info["dev_documents"]) & set(info["train_documents"])
    assert set(folds[0]["dev_documents"]).isdisjoint(folds[1]["dev_documents"])
    # the pooled report scores every real gold sentence, the baseline beside both linkers
    report = json.loads((cv / "report" / "real" / "metrics.json").read_text())
    assert set(report["systems"]) == {"model", "model+heuristic-linker", "rules"}
    assert report["meta"]["sentences"] == 323
    assert (cv / "report" / "written" / "report.md").is_file()
    # the final model: all documents, CV scores in its metrics and card
    info = json.loads((out / "minzheng.json").read_text())
    assert info["dev_documents"] == [] and info["linker"] in ("model", "heuristic")
    assert "cross_validation" in json.loads((out / "metrics.json").read_text())
    card = (out / "README.md").read_text()
    assert "Cross-validated by document" in card and "has_value, end to end" in card
