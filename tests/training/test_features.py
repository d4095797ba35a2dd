"""Per-token input features: the three default slots, and the opt-in word slots (jieba place-in-word and POS)."""

import json

import pytest

from training.features import FEATURE_SIZES, POS_CLASSES, WORD_FEATURE_SIZES, token_features, word_features
from training.predict import FigureModel

TEXT = "全市城乡低保对象5126户8731人，发放临时救助金27.482万元。"


def test_word_features_mark_each_characters_place_in_its_word():
    feats = word_features(TEXT)
    assert len(feats) == len(TEXT)
    places = "".join("_BMES"[place] for place, _ in feats)
    # every word is S, or B M* E: the place sequence parses as words, and the words tile the text
    import re

    assert re.fullmatch(r"(S|BM*E)+", places), places
    words = re.findall(r"S|BM*E", places)
    assert sum(map(len, words)) == len(TEXT)
    # a word's characters share one part of speech, within the slot's range
    pos = 0
    for w in words:
        assert len({feats[i][1] for i in range(pos, pos + len(w))}) == 1
        pos += len(w)
    assert all(1 <= p < WORD_FEATURE_SIZES[1] for _, p in feats)
    assert 1 <= min(place for place, _ in feats) and max(place for place, _ in feats) < WORD_FEATURE_SIZES[0]


def test_nouns_and_verbs_get_different_classes():
    feats = word_features("发放临时救助金")
    verb = feats[0][1]  # 发放
    assert verb == 1 + POS_CLASSES.index("v")
    assert len({p for _, p in feats}) >= 2


def test_token_features_append_word_slots_only_when_asked():
    offsets = [(0, 0), (0, 1), (1, 2), (8, 12), (0, 0)]
    three = token_features(TEXT, offsets)
    five = token_features(TEXT, offsets, len(FEATURE_SIZES) + len(WORD_FEATURE_SIZES))
    assert all(len(row) == 3 for row in three) and all(len(row) == 5 for row in five)
    assert [row[:3] for row in five] == three  # the default slots are unchanged
    assert five[0] == [0] * 5 and five[-1] == [0] * 5  # special tokens
    assert five[3][3] == 1  # 5126 starts a word (B)


@pytest.fixture(scope="module")
def word_model(tmp_path_factory, train_tiny):
    lines = ["全县[[城乡低保|P1]]对象[[5126|C>P1]][[户|U]]。", "[[集中供养|P1]]率[[53%|PCT>P1]]。"]
    folder, _, examples = train_tiny(tmp_path_factory.mktemp("words") / "model", lines, steps=2, word_features=True)
    return folder, examples


def test_a_model_trained_with_word_features_keeps_and_uses_them(word_model):
    folder, examples = word_model
    config = json.loads((folder / "config.json").read_text())
    assert config["feature_sizes"] == list(FEATURE_SIZES) + list(WORD_FEATURE_SIZES)
    model = FigureModel.from_pretrained(folder)
    predicted = model.predict([e.text for e in examples])
    assert all(0 <= s.start < s.end <= len(p.text) for p in predicted for s in p.spans)
    # the word slots reach the model: zeroing their embeddings changes its logits
    import torch

    ids, mask, views = model.tokenize([examples[0].text])
    feats = torch.tensor([token_features(examples[0].text, views[0].offsets, 5)])
    with torch.no_grad():
        before = model.ner(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask),
                           feature_ids=feats).logits
        for table in model.ner.feature_embeddings[3:]:
            table.weight.zero_()
        after = model.ner(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask),
                          feature_ids=feats).logits
    assert not torch.allclose(before, after)
