"""A tiny end-to-end run: build a base model, train NER + relation head a few steps, save, load, predict, score."""

import json

import pytest
import yaml

from annotation.schema import LABELS, SCHEMA_VERSION
from training.align import ID2LABEL
from training.card import write_model_card
from training.ner import parse_arguments
from training.predict import FigureModel, windows

LINES = [
    "全县[[城乡低保|P1]]对象[[5126|C>P1]][[户|U]][[8731|C>P1]][[人|U]]。",
    "發放[[臨時救助|P1]]金[[27.482萬|A>P1]][[元|U]]。",
    "[[集中供养|P1]]率[[53%|PCT>P1]]。",
    "2019年召开会议3次。",
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, train_tiny):
    folder, metrics, examples = train_tiny(tmp_path_factory.mktemp("tiny") / "model", LINES, steps=3, dev=True)
    assert examples[1].text.startswith("发放临时救助金")  # cleaned: simplified
    return folder, metrics, examples


def test_model_folder_carries_everything(tiny_model):
    folder, metrics, _ = tiny_model
    for name in ("config.json", "model.safetensors", "tokenizer.json", "label_map.json", "minzheng.json",
                 "training_args.json", "metrics.json", "train_log.jsonl", "relation_head.pt",
                 "relation_config.json"):
        assert (folder / name).is_file(), name
    assert not list(folder.glob("checkpoint-*"))
    info = json.loads((folder / "minzheng.json").read_text())
    assert info["schema_version"] == SCHEMA_VERSION and info["linker"] in ("model", "heuristic")
    assert json.loads((folder / "label_map.json").read_text())["id2label"]["1"] == ID2LABEL[1]
    assert set(metrics["dev"]) == {"model", "heuristic"}  # both linkers measured on dev
    write_model_card(folder, "minzheng train ner …", {"real": {"model": {}, "rules": {}}})
    card = (folder / "README.md").read_text()
    assert "Intended use" in card and "rules" in card


def test_load_predict_offsets(tiny_model):
    folder, _, examples = tiny_model
    model = FigureModel.from_pretrained(folder)
    predicted = model.predict([e.text for e in examples], ids=[e.id for e in examples])
    assert [p.id for p in predicted] == [e.id for e in examples]
    for p in predicted:  # whatever a 3-step model says, spans lie inside the text and relations resolve
        assert all(0 <= s.start < s.end <= len(p.text) and s.label in LABELS for s in p.spans)
        ids = {s.id for s in p.spans}
        assert all(r.head in ids and r.tail in ids for r in p.relations)
    model.constraints = ["linked"]  # every PROGRAM left is the head of a has_value
    for p in model.predict([e.text for e in examples] * 3):
        heads = {r.head for r in p.relations}
        assert all(s.id in heads for s in p.spans if s.label == "PROGRAM")


def test_long_text_is_windowed_not_truncated(tiny_model):
    folder, _, _ = tiny_model
    model = FigureModel.from_pretrained(folder)
    text = "发放临时救助金27万元，" * 30  # 360 characters, the window is 62
    (pred,) = model.predict([text])
    assert len(model.encode([text[: model.window]])) == 1
    with pytest.raises(ValueError):
        model.encode([text])
    assert all(s.end <= len(text) for s in pred.spans)


@pytest.mark.parametrize("length,size", [(10, 62), (62, 62), (63, 62), (360, 62), (1000, 254)])
def test_windows_cover_every_position_once(length, size):
    ws = windows(length, size)
    kept = [i for start, lo, hi in ws for i in range(lo, hi)]
    assert kept == list(range(max(length, 1))) or (length == 0)
    for start, lo, hi in ws:
        assert start <= lo < hi <= start + size or length <= size


def test_yaml_config_and_flags_are_interchangeable(tmp_path):
    cfg = tmp_path / "ner.yaml"
    cfg.write_text(yaml.safe_dump({"base_model": "x", "output_dir": "o", "num_train_epochs": 3,
                                   "dev_docs": ["a.txt", "b.txt"]}))
    model_args, data_args, train_args = parse_arguments(str(cfg), ["--num_train_epochs", "7"])
    assert model_args.base_model == "x" and data_args.dev_docs == ["a.txt", "b.txt"]
    assert train_args.num_train_epochs == 7
