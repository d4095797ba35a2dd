"""`--engine ray`: a Ray Data pipeline on a local runtime writes exactly what the local engine writes."""

import shutil
from pathlib import Path

import pytest
import ray
from typer.testing import CliRunner

import inference.batch
from inference.batch import extract_paths
from inference.ray_engine import extract_paths_ray
from minzheng.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = ROOT / "models" / "default"
pytestmark = pytest.mark.slow  # a Ray runtime and model actors: about a minute on two cores


@pytest.fixture(scope="module")
def ray_runtime():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def inputs(tmp_path, monkeypatch):
    """corpus/raw (4 reports) and a .docx that is not a zip, under a relative path, in chunks of 2 files."""
    src = tmp_path / "in"
    src.mkdir()
    for report in sorted((ROOT / "corpus" / "raw").glob("*.txt")):
        shutil.copy(report, src / report.name)
    (src / "bad.docx").write_bytes(b"not a zip file")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(inference.batch, "CHUNK_FILES", 2)  # 3 chunks: two actors, results out of order
    return [Path("in")]


def test_ray_output_is_identical_to_local(ray_runtime, extractor, inputs, tmp_path):
    local = extract_paths(extractor, inputs, tmp_path / "local.jsonl")
    remote = extract_paths_ray(DEFAULT_MODEL, inputs, tmp_path / "ray.jsonl", workers=2)
    assert local.counts["documents"] == 4 and local.counts["facts"] > 0
    assert [path for path, _ in local.failed] == [str(Path("in") / "bad.docx")]
    assert remote.failed == local.failed and remote.counts == local.counts and remote.files == local.files == 5
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()


def test_ray_cli_csv_is_identical_to_local(ray_runtime, extractor, inputs, tmp_path):
    local = extract_paths(extractor, inputs, tmp_path / "local.csv")
    result = CliRunner().invoke(app, ["extract", "in", "--model", str(DEFAULT_MODEL), "--out", "ray.csv",
                                      "--engine", "ray", "--workers", "2"])
    assert result.exit_code == 1, result.output  # bad.docx failed, as with the local engine
    assert "bad.docx" in result.output and "1 of 5 files failed" in result.output
    assert (tmp_path / "ray.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert local.counts["facts"] == len((tmp_path / "local.csv").read_text(encoding="utf-8-sig").splitlines()) - 1


def test_engine_options_are_checked():
    result = CliRunner().invoke(app, ["extract", "x.txt", "--workers", "2"])
    assert result.exit_code == 2 and "--engine ray" in result.output
