"""Model folders are checked before loading: each breakage is one line naming folder, file and problem."""

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.schema import SCHEMA_VERSION
from minzheng.cli import app
from training.folder import ModelFolderError, check_model_folder
from training.predict import FigureModel

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "models" / "default"
BAD = ROOT / "tests" / "fixtures" / "bad_inputs" / "model"
SMALL = ("config.json", "label_map.json", "minzheng.json", "relation_config.json", "relation_head.pt",
         "tokenizer.json", "tokenizer_config.json")


@pytest.fixture
def folder(tmp_path):
    """models/default: small files copied, the 20 MB weights linked."""
    out = tmp_path / "model"
    out.mkdir()
    for name in SMALL:
        shutil.copy(DEFAULT / name, out / name)
    os.symlink(DEFAULT / "model.safetensors", out / "model.safetensors")
    return out


def truncate(path: Path, keep: int) -> None:
    data = path.read_bytes()[:keep]
    path.unlink()
    path.write_bytes(data)


def test_the_shipped_model_passes(folder):
    assert check_model_folder(folder)["schema_version"] == SCHEMA_VERSION


BREAKAGES = {
    "missing config.json": (lambda f: (f / "config.json").unlink(), "config.json: missing: not a model folder"),
    "no weights": (lambda f: (f / "model.safetensors").unlink(), "no weights (model.safetensors or pytorch_model.bin)"),
    "no tokenizer": (lambda f: (f / "tokenizer.json").unlink(), "no tokenizer (tokenizer.json or vocab.txt)"),
    "bad JSON": (lambda f: shutil.copy(BAD / "minzheng-truncated.json", f / "minzheng.json"),
                 "minzheng.json: not valid JSON"),
    "other schema": (lambda f: shutil.copy(BAD / "minzheng-schema-2.json", f / "minzheng.json"),
                     f"minzheng.json: schema_version '2.0' does not match this minzheng's annotation schema "
                     f"{SCHEMA_VERSION}"),
    "other labels": (lambda f: shutil.copy(BAD / "label_map-without-percent.json", f / "label_map.json"),
                     "label_map.json: label2id {"),
    "relation head missing": (lambda f: (f / "relation_head.pt").unlink(),
                              "relation_head.pt: missing, but relation_config.json is there"),
    "pointer head missing": (lambda f: (f / "pointer_config.json").write_text("{}"),
                             "pointer_head.pt: missing, but pointer_config.json is there"),
    "truncated weights": (lambda f: truncate(f / "model.safetensors", 10_000_000),
                          "model.safetensors: cannot be loaded, truncated or corrupt?"),
    "truncated relation head": (lambda f: truncate(f / "relation_head.pt", 1000),
                                "relation_head.pt: cannot be loaded, truncated or corrupt?"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_each_breakage_is_named(folder, breakage):
    damage, message = BREAKAGES[breakage]
    damage(folder)
    with pytest.raises(ModelFolderError) as err:
        check_model_folder(folder)
    assert str(err.value).startswith(f"model folder {folder}: ") and message in str(err.value)
    assert "\n" not in str(err.value)
    with pytest.raises(ModelFolderError):  # loading checks first, before transformers or torch
        FigureModel.from_pretrained(folder)


def test_missing_folder(tmp_path):
    with pytest.raises(ModelFolderError, match=f"model folder {tmp_path / 'nope'}: no such folder"):
        check_model_folder(tmp_path / "nope")


@pytest.mark.parametrize("breakage", ["missing", "truncated weights"])
def test_extract_turns_it_into_one_line_and_exit_2(folder, tmp_path, breakage):
    model = tmp_path / "nope" if breakage == "missing" else folder
    if breakage != "missing":
        BREAKAGES[breakage][0](folder)
    report = ROOT / "corpus" / "raw" / "000_662ad0a119c961b4.txt"
    out = tmp_path / "facts.jsonl"
    result = CliRunner().invoke(app, ["extract", str(report), "--model", str(model), "--out", str(out)])
    assert result.exit_code == 2
    (line,) = [x for x in result.output.splitlines() if x.strip()]
    assert line.startswith(f"error: model folder {model}: ")
    assert not out.exists()
