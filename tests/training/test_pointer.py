"""The figure-conditioned program pointer: inputs, targets, learning to point, decoding in a model folder."""

import numpy as np
import pytest
import torch

from annotation.markup import parse_markup
from annotation.schema import FIGURE_LABELS, PROGRAM
from training.align import BIO
from training.pointer import _EXTRA, ProgramPointer, point, pointer_items, targets_of, train_pointer
from training.predict import FigureModel

TEXT = "安排驻村队员10人，专用车辆1车。"


def char_offsets(text):
    """One token per character between [CLS] and [SEP], as the Chinese tokenizer gives."""
    return [(0, 0)] + [(i, i + 1) for i in range(len(text))] + [(0, 0)]


def items_of(example, hidden_size=8, seed=0):
    offsets = char_offsets(example.text)
    hidden = torch.randn(len(offsets), hidden_size, generator=torch.Generator().manual_seed(seed))
    probs = np.zeros((len(offsets), len(BIO)), dtype=np.float32)
    found = pointer_items(example.text, offsets, hidden, probs, example.spans)
    targets_of(example, offsets, found)
    return offsets, found


def test_one_item_per_figure_with_targets_on_its_program_and_figures_masked():
    example = parse_markup("安排[[驻村队员|P1]][[10|C>P1]][[人|U]]，[[专用车辆|P2]][[1|C>P2]][[车|U]]。")
    assert example.text == TEXT
    offsets, found = items_of(example)
    assert [example.span_text(it.figure) for it in found] == ["10", "1"]
    assert [it.target for it in found] == [(3, 6), (11, 14)]  # token k holds character k - 1
    mask = found[0].mask.tolist()
    assert mask[0] and not mask[-1]  # [CLS] means "no program"; [SEP] is never a program edge
    assert not any(mask[7:10]) and not any(mask[15:17])  # 10 人 and 1 车: figures and units
    assert all(mask[1:7])
    # the comma lies between the second program and the first figure, not inside the first clause
    assert found[0].features[11, _EXTRA].item() == 1.0 and found[0].features[4, _EXTRA].item() == 0.0


def test_a_figure_without_a_program_points_at_cls():
    example = parse_markup("召开会议[[3|C]][[次|U]]。")
    _, found = items_of(example)
    assert [it.target for it in found] == [(0, 0)]


def test_the_pointer_learns_where_programs_stand():
    names = ["驻村队员", "网格员", "专职社工", "护理员", "联络员", "督导员", "信息员", "巡查员", "志愿者", "调解员"]
    lines = [f"安排[[{n}|P1]][[{k + 3}|C>P1]][[人|U]]，召开会议[[{k + 1}|C]][[次|U]]。" for k, n in enumerate(names)]
    items, offsets_of = [], []
    for k, line in enumerate(lines):
        offsets, found = items_of(parse_markup(line), seed=k)
        items += found
        offsets_of += [offsets] * len(found)
    head = train_pointer(items, hidden_size=8, n_tags=len(BIO), epochs=60, batch=8)
    got = [point(head, [it], offsets)[0] for it, offsets in zip(items, offsets_of, strict=True)]
    want = [(2, 2 + len(n)) for n in names]
    assert [g[:2] if g else None for g in got[0::2]] == want  # each name, whatever its length
    assert got[1::2] == [None] * len(names)  # 次 of 会议: no program


def test_threshold_one_returns_nothing():
    example = parse_markup("安排[[驻村队员|P1]][[10|C>P1]][[人|U]]。")
    offsets, found = items_of(example)
    head = train_pointer(found, hidden_size=8, n_tags=len(BIO), epochs=5)
    head.config.threshold = 1.0
    assert point(head, found, offsets) == [None]


def test_pointer_option_in_a_trained_folder(tmp_path, train_tiny):
    lines = ["全县[[城乡低保|P1]]对象[[5126|C>P1]][[户|U]]。", "安排[[驻村队员|P1]][[10|C>P1]][[人|U]]。"]
    plain, _, _ = train_tiny(tmp_path / "plain", lines, steps=2)
    assert not (plain / "pointer_head.pt").exists()  # opt-in: trained only when a pointer option is named
    with pytest.raises(ValueError, match="pointer_head.pt"):
        FigureModel.from_pretrained(plain, constraints=["pointer"]).predict(["安排驻村队员10人。"])
    folder, _, _ = train_tiny(tmp_path / "pointer", lines, steps=2, constraints=["numeral", "pointer-first"])
    assert ProgramPointer.load(folder) is not None
    model = FigureModel.from_pretrained(folder)
    assert "pointer-first" in model.constraints
    for pred in model.predict(["安排驻村队员10人，专用车辆1车。", "全县城乡低保对象5126户。"]):
        by_id = {s.id: s for s in pred.spans}
        assert len(by_id) == len(pred.spans)
        ordered = sorted(pred.spans, key=lambda s: s.start)
        assert all(a.end <= b.start for a, b in zip(ordered, ordered[1:], strict=False))  # no overlaps
        for r in pred.relations:
            assert by_id[r.head].label == PROGRAM and by_id[r.tail].label in FIGURE_LABELS
