"""annotation.active: uncertainty scores, the per-document cap, duplicates, random draws."""

import math

import numpy as np
import pytest

from annotation.active import document_cap, select_random, select_uncertain, token_uncertainty, uncertainty
from training.predict import FigureModel

LINES = [
    "全县[[城乡低保|P1]]对象[[5126|C>P1]][[户|U]]。",
    "发放[[临时救助|P1]]金[[27万|A>P1]][[元|U]]。",
    "[[集中供养|P1]]率[[53%|PCT>P1]]。",
    "召开会议。",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, train_tiny):
    folder, _, _ = train_tiny(tmp_path_factory.mktemp("active") / "model", LINES, linker="heuristic")
    return FigureModel.from_pretrained(folder)


def test_token_uncertainty_orders_confident_below_unsure():
    probs = np.array([[0.98, 0.01, 0.01], [0.5, 0.49, 0.01], [1 / 3, 1 / 3, 1 / 3]])
    for strategy in ("entropy", "margin"):
        u = token_uncertainty(probs, strategy)
        assert u[0] < u[1] <= u[2] + 1e-9, strategy
    assert token_uncertainty(probs, "entropy")[2] == pytest.approx(math.log(3))
    with pytest.raises(ValueError):
        token_uncertainty(probs, "max")


def test_uncertainty_is_the_mean_over_word_starts(tiny):
    texts = ["发放临时救助金27万元。", "召开会议。", ""]
    enc = tiny.encode(texts[:1])[0]
    keep = np.array([bool(w) and e > s for w, (s, e) in zip(enc.word_starts, enc.offsets, strict=True)])
    for strategy in ("entropy", "margin"):
        scores = uncertainty(tiny, texts, strategy)
        assert len(scores) == 3 and scores[2] == 0.0 and all(s > 0 for s in scores[:2])
        assert scores[0] == pytest.approx(float(token_uncertainty(enc.probs[keep], strategy).mean()), rel=1e-5)


def test_select_uncertain_ranks_and_caps_documents(tiny):
    texts = [f"全县城乡低保对象{n}户，发放资金{n * 3}万元。" for n in range(1, 7)] + ["召开会议。", "学习文件。"]
    rows = [{"id": f"a{i}", "text": t, "doc": "A"} for i, t in enumerate(texts)]
    rows += [{"id": f"b{i}", "text": t + "另", "doc": "B"} for i, t in enumerate(texts[:3])]
    rows += [{"id": "c0", "text": "特困人员2854人。", "doc": "C"}]
    scores = dict(zip([r["id"] for r in rows], uncertainty(tiny, [r["text"] for r in rows]), strict=True))
    picked = select_uncertain(tiny, rows, 6)
    assert len(picked) == 6
    per_doc = {d: sum(r["doc"] == d for r in picked) for d in "ABC"}
    # ⌈6 / 3⌉ = 2 cannot fill 6 when C has one sentence, so the cap rises to 3 (3 + 3 + 1 ≥ 6)
    assert document_cap([8, 3, 1], 6) == 3 and max(per_doc.values()) <= 3
    assert [r["uncertainty"] for r in picked] == sorted((r["uncertainty"] for r in picked), reverse=True)
    best_a = sorted((r for r in rows if r["doc"] == "A"), key=lambda r: -scores[r["id"]])[:per_doc["A"]]
    assert {r["id"] for r in picked if r["doc"] == "A"} == {r["id"] for r in best_a}
    capped = select_uncertain(tiny, rows, 6, per_doc_cap=1)
    assert sorted(r["doc"] for r in capped) == ["A", "B", "C"]  # the cap binds: fewer than n
    everything = select_uncertain(tiny, rows, 100, strategy="margin")
    assert len(everything) == len(rows)


def test_document_cap_fills_n_when_documents_are_small():
    assert document_cap([10, 10, 10], 6) == 2
    assert document_cap([10, 10, 1], 6) == 3  # 3 + 3 + 1 ≥ 6
    assert document_cap([], 6) == 0


def test_duplicate_texts_are_taken_once(tiny):
    rows = [{"id": str(i), "text": "发放临时救助金27万元。", "doc": f"d{i}"} for i in range(4)]
    rows.append({"id": "x", "text": "召开会议。", "doc": "d9"})
    picked = select_uncertain(tiny, rows, 5)
    assert [r["id"] for r in picked if r["text"].startswith("发放")] == ["0"]
    assert len(picked) == 2
    assert len(select_random(rows, 5, seed=3)) == 2


def test_select_random_is_deterministic():
    rows = [{"id": str(i), "text": f"句子{i}", "doc": f"d{i % 3}"} for i in range(50)]
    a, b = select_random(rows, 10, seed=7), select_random(rows, 10, seed=7)
    assert a == b and len({r["id"] for r in a}) == 10
    assert select_random(rows, 10, seed=8) != a
    assert select_random(rows, 0, seed=7) == [] and len(select_random(rows, 99, seed=7)) == 50
