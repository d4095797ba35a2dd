"""The fast CPU paths (ONNX Runtime fp32 and its own dynamic int8) tag like the torch fp32 path."""

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
    shutil.copytree(DEFAULT_MODEL, folder, ignore=shutil.ignore_patterns("*.onnx"))
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


def test_int8_is_onnx_runtimes_own_quantisation_and_stays_close_to_fp32(model_copy):
    import onnx

    from evaluation.scoring import score_relations

    reference = FigureModel.from_pretrained(model_copy).predict(TEXTS)
    int8 = FigureModel.from_pretrained(model_copy, runtime="onnx", quantize=True)
    assert int8.onnx.quantized and (model_copy / "model.int8.onnx").is_file()
    ops = {n.op_type for n in onnx.load(str(model_copy / "model.int8.onnx")).graph.node}
    assert ops & {"DynamicQuantizeMatMul", "MatMulInteger", "MatMulIntegerToFloat"}, ops  # int8 weights really used
    assert not any("quantized" in type(m).__module__ for m in int8.ner.modules())  # no torch.ao anywhere
    got = int8.predict(TEXTS)
    assert score_entities(zip(reference, got, strict=True))["micro"].f1 >= 0.95
    assert score_relations(zip(reference, got, strict=True)).f1 >= 0.95
    with pytest.raises(ValueError, match="ONNX Runtime"):
        FigureModel.from_pretrained(model_copy, quantize=True)  # torch's deprecated quantiser is gone


def test_exported_files_follow_the_weights(model_copy, tmp_path):
    """A folder whose weights change (retrained, promoted over) is exported again, not run stale."""
    from safetensors.torch import load_file, save_file

    from training.export import onnx_file

    folder = tmp_path / "changed"
    shutil.copytree(model_copy, folder)
    first = onnx_file(folder)
    assert first == folder / "model.onnx"
    stamp = first.stat().st_mtime_ns
    assert onnx_file(folder).stat().st_mtime_ns == stamp  # unchanged weights: reused
    weights = load_file(str(folder / "model.safetensors"))
    name = next(k for k in weights if k.startswith("classifier.bias"))
    weights[name] = weights[name] + 1.0
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    assert onnx_file(folder).stat().st_mtime_ns != stamp  # new weights: exported again
    before = FigureModel.from_pretrained(folder).encode(TEXTS[:1])[0].probs
    after = FigureModel.from_pretrained(folder, runtime="onnx").encode(TEXTS[:1])[0].probs
    assert abs(before - after).max() < 1e-4


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
    out = tmp_path / "int8.jsonl"
    result = runner.invoke(app, ["extract", str(src), "--model", str(model_copy), "--out", str(out), "--quantize"])
    assert result.exit_code == 0, result.output
    assert "5126" in [f["figure"] for f in json.loads(out.read_text(encoding="utf-8"))["facts"]]
    bad = runner.invoke(app, ["extract", str(src), "--model", str(model_copy), "--out", str(tmp_path / "x.jsonl"),
                              "--runtime", "torch", "--quantize"])
    assert bad.exit_code == 2 and "ONNX Runtime" in bad.output
