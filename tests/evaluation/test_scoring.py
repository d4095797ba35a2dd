"""Scorers on hand-computed cases, and strict mode cross-checked against seqeval (IOB2, strict)."""

import random

import pytest
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from annotation.schema import LABELS, Example, Relation, Span
from evaluation.scoring import pair_by_id, score_entities, score_relations
from training.align import char_tags

TEXT = "城乡低保对象5126户8731人"


def ex(spans, relations=(), id_="s1"):
    return Example(id=id_, text=TEXT, spans=list(spans), relations=list(relations))


GOLD = ex([Span(0, 4, "PROGRAM", "p"), Span(6, 10, "COUNT", "c1"), Span(10, 11, "UNIT", "u1"),
           Span(11, 15, "COUNT", "c2"), Span(15, 16, "UNIT", "u2")],
          [Relation("p", "c1"), Relation("p", "c2")])


def test_strict_and_partial_on_hand_computed_case():
    pred = ex([Span(2, 4, "PROGRAM", "p"), Span(6, 10, "COUNT", "c1"), Span(10, 11, "UNIT", "u1"),
               Span(11, 15, "AMOUNT", "c2")])
    strict = score_entities([(GOLD, pred)])
    assert (strict["PROGRAM"].tp, strict["PROGRAM"].fp, strict["PROGRAM"].fn) == (0, 1, 1)
    assert (strict["COUNT"].tp, strict["COUNT"].fn) == (1, 1)
    assert (strict["AMOUNT"].fp, strict["UNIT"].fn) == (1, 1)
    assert strict["micro"].tp == 2 and strict["micro"].fp == 2 and strict["micro"].fn == 3
    assert strict["micro"].precision == pytest.approx(0.5)
    assert strict["micro"].recall == pytest.approx(0.4)
    partial = score_entities([(GOLD, pred)], mode="partial")
    assert partial["PROGRAM"].tp == 1  # 低保 overlaps 城乡低保


def test_relations_end_to_end_need_matching_entities():
    pred = ex([Span(0, 4, "PROGRAM", "a"), Span(6, 10, "COUNT", "b"), Span(11, 14, "COUNT", "c")],
              [Relation("a", "b"), Relation("a", "c")])
    prf = score_relations([(GOLD, pred)])
    assert (prf.tp, prf.fp, prf.fn) == (1, 1, 1)
    assert prf.f1 == pytest.approx(0.5)


def test_missing_prediction_scores_as_empty_and_unknown_ids_are_errors():
    pairs = pair_by_id([GOLD], [])
    assert score_entities(pairs)["micro"].fn == 5
    with pytest.raises(ValueError, match="not in the gold"):
        pair_by_id([GOLD], [ex([], id_="zzz")])


def _random_spans(rng, n):
    spans, pos = [], 0
    while pos < n - 1:
        pos += rng.randint(0, 3)
        length = rng.randint(1, 4)
        if pos + length > n:
            break
        spans.append(Span(pos, pos + length, rng.choice(LABELS)))
        pos += length
    return spans


def test_strict_micro_and_per_label_agree_with_seqeval():
    rng = random.Random(7)
    gold, pred, y_true, y_pred = [], [], [], []
    for i in range(200):
        g, p = _random_spans(rng, 30), _random_spans(rng, 30)
        if rng.random() < 0.5:  # make many predictions partly right
            p = [s for s in g if rng.random() < 0.7] + p[: rng.randint(0, 2)]
            p = sorted({(s.start, s.end): s for s in p}.values())
            p = [s for j, s in enumerate(p) if j == 0 or s.start >= p[j - 1].end]
        gold.append(Example(str(i), "x" * 30, g))
        pred.append(Example(str(i), "x" * 30, p))
        y_true.append(char_tags(30, g))
        y_pred.append(char_tags(30, p))
    ours = score_entities(pair_by_id(gold, pred))
    ref = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    for label in LABELS:
        assert ours[label].f1 == pytest.approx(ref[label]["f1-score"])
        assert ours[label].tp + ours[label].fn == ref[label]["support"]
    assert ours["micro"].f1 == pytest.approx(ref["micro avg"]["f1-score"])
