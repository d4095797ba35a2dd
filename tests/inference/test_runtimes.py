"""The fast CPU paths (ONNX Runtime, dynamic int8) tag like the torch fp32 path."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evaluation.scoring import score_entities
from minzheng.cli import app
from training.predict import FigureModel

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "default"
TEXTS = ["全县城乡低保对象5126户8731人（城市低保1204户2015人、农村低保3922户6716人）。",
         "累计发放临时救助金27.482万元，救助4321人次，集中供养率53%。",
         "发放高龄津贴1895万元，惠及80周岁以上老人3760名。", "无数字的一句话。"]


@pytest.fixture(scope="module")
def model_copy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("m") / "default"
    shutil.copytree(DEFAULT_MODEL, folder, ignore=shutil.ignore_patterns("model.onnx"))
    return folder


def test_onnx_matches_torch(model_copy):
    reference = FigureModel.from_pretrained(model_copy).predict(TEXTS)
    onnx = FigureModel.from_pretrained(model_copy, runtime="onnx")
    assert (model_copy / "model.onnx").is_file()  # exported once, next to the weights
    for ref, got in zip(reference, onnx.predict(TEXTS), strict=True):
        assert [(s.start, s.end, s.label) for s in got.spans] == [(s.start, s.end, s.label) for s in ref.spans]
        assert [(r.head, r.tail) for r in got.relations] == [(r.head, r.tail) for r in ref.relations]
        for a, b in zip(ref.spans, got.spans, strict=True):
            assert abs(a.score - b.score) < 1e-3


def test_int8_stays_close_to_fp32(model_copy):
    reference = FigureModel.from_pretrained(model_copy).predict(TEXTS)
    int8 = FigureModel.from_pretrained(model_copy, quantize=True)
    assert "Quantized" in type(int8.ner.classifier).__name__ or "quantized" in type(int8.ner.classifier).__module__
    f1 = score_entities(zip(reference, int8.predict(TEXTS), strict=True))["micro"].f1
    assert f1 >= 0.9


def test_cli_runtime_options(model_copy, tmp_path):
    src = tmp_path / "a.txt"
    src.write_text(TEXTS[0], encoding="utf-8")
    runner = CliRunner()
    outs = {}
    for args in (["--runtime", "torch"], ["--runtime", "onnx"]):
        out = tmp_path / f"{args[1]}.jsonl"
        result = runner.invoke(app, ["extract", str(src), "--model", str(model_copy), "--out", str(out), *args])
        assert result.exit_code == 0, result.output
        outs[args[1]] = [f["figure"] for f in json.loads(out.read_text(encoding="utf-8"))["facts"]]
    assert outs["onnx"] == outs["torch"] and "5126" in outs["torch"]
    bad = runner.invoke(app, ["extract", str(src), "--model", str(model_copy), "--out", str(tmp_path / "x.jsonl"),
                              "--runtime", "onnx", "--quantize"])
    assert bad.exit_code == 2
