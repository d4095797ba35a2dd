"""Only full JSON exports are read: a JSON-MIN or CSV export is an error, never "valid" with every label ignored."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.convert import ConversionError, load_export
from minzheng.cli import app

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad_inputs"
runner = CliRunner()


@pytest.mark.parametrize("name, kind", [("json_min_export.json", "a JSON-MIN export"),
                                        ("csv_export.csv", "looks like a CSV/TSV export")])
@pytest.mark.parametrize("command", [["annotate", "validate"], ["annotate", "gold", "stats"]])
def test_flat_exports_are_refused_naming_the_file_and_what_is_needed(name, kind, command):
    result = runner.invoke(app, [*command, str(BAD / name)])
    assert result.exit_code == 2, result.output
    assert f"{BAD / name}: {kind}" in result.output
    assert "needs a full JSON export, whose tasks carry data and annotations[].result" in result.output
    assert "valid" not in result.output.replace("not valid", "")


def test_loading_a_json_min_export_raises():
    with pytest.raises(ConversionError, match="JSON-MIN export .* no data/annotations"):
        load_export(BAD / "json_min_export.json")


def test_validate_says_how_many_tasks_are_annotated(tmp_path):
    result = runner.invoke(app, ["annotate", "validate", str(BAD / "tiny_gold.json")])
    assert result.exit_code == 0, result.output
    assert "3 tasks, valid (3 annotated)" in result.output
    tasks = json.loads((BAD / "tiny_gold.json").read_text(encoding="utf-8"))
    for task in tasks:
        task["annotations"] = []
    bare = tmp_path / "tasks_only.json"
    bare.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["annotate", "validate", str(bare)])
    assert result.exit_code == 1
    assert "3 tasks, none annotated: nothing to validate" in result.output


def test_gold_stats_of_nothing_is_an_error(tmp_path):
    result = runner.invoke(app, ["annotate", "gold", "stats", str(tmp_path)])
    assert result.exit_code == 1
    assert f"no annotated sentences in {tmp_path}" in result.output
