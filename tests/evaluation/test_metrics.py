"""Confusion, value accuracy and the evaluate_examples dict on hand-computed cases."""

import json

import pytest

from annotation.schema import LABELS, Example, Relation, Span
from evaluation.metrics import evaluate_examples, label_confusion, match_any_label, value_accuracy

TEXT = "城乡低保对象5126户8731人"


def ex(spans, relations=(), id_="s1", text=TEXT):
    return Example(id=id_, text=text, spans=list(spans), relations=list(relations))


GOLD = ex([Span(0, 4, "PROGRAM", "p"), Span(6, 10, "COUNT", "c1"), Span(10, 11, "UNIT", "u1"),
           Span(11, 15, "COUNT", "c2"), Span(15, 16, "UNIT", "u2")],
          [Relation("p", "c1"), Relation("p", "c2")])


def test_confusion_counts_label_swaps_misses_and_spurious_spans():
    pred = ex([Span(0, 4, "PROGRAM", "p"), Span(6, 10, "COUNT", "c1"), Span(10, 11, "UNIT", "u1"),
               Span(11, 15, "AMOUNT", "c2"),  # same offsets, wrong label
               Span(4, 6, "PROGRAM", "x")])  # nothing in gold there; gold u2 is missed
    conf = label_confusion([(GOLD, pred)])
    assert list(conf) == [*LABELS, "O"]
    assert all(list(row) == [*LABELS, "O"] for row in conf.values())
    assert conf["COUNT"]["AMOUNT"] == 1
    assert conf["COUNT"]["COUNT"] == 1
    assert conf["PROGRAM"]["PROGRAM"] == 1 and conf["UNIT"]["UNIT"] == 1
    assert conf["UNIT"]["O"] == 1
    assert conf["O"]["PROGRAM"] == 1
    assert conf["O"]["O"] == 0
    assert sum(map(sum, (r.values() for r in conf.values()))) == 6  # 4 pairs, 1 missed, 1 spurious
    # strict scoring counts the swap as wrong on both sides
    strict = evaluate_examples([GOLD], [pred])["entities"]["strict"]
    assert (strict["COUNT"]["tp"], strict["COUNT"]["fn"]) == (1, 1)
    assert (strict["AMOUNT"]["tp"], strict["AMOUNT"]["fp"]) == (0, 1)


def test_confusion_pairs_by_largest_overlap_each_span_once():
    gold = ex([Span(0, 6, "PROGRAM")])
    pred = ex([Span(0, 2, "COUNT"), Span(1, 6, "PROGRAM")])
    assert match_any_label(gold.spans, pred.spans) == [(Span(0, 6, "PROGRAM"), Span(1, 6, "PROGRAM"))]
    conf = label_confusion([(gold, pred)])
    assert conf["PROGRAM"]["PROGRAM"] == 1 and conf["O"]["COUNT"] == 1 and conf["PROGRAM"]["O"] == 0


def test_confusion_missing_prediction_and_unknown_label():
    conf = label_confusion([(GOLD, ex([])), (ex([]), ex([Span(0, 2, "OTHER")]))])
    assert conf["COUNT"]["O"] == 2 and conf["PROGRAM"]["O"] == 1 and conf["UNIT"]["O"] == 2
    assert list(conf)[-2:] == ["OTHER", "O"] and conf["O"]["OTHER"] == 1


def _digits(example, span):
    """Toy normaliser: the digits in the span as an int, None when there are none."""
    digits = "".join(ch for ch in example.span_text(span) if ch.isdigit())
    return int(digits) if digits else None


def test_value_accuracy_with_toy_normalizer():
    pred = ex([Span(5, 10, "COUNT"),  # 象5126: overlaps c1, same value -> correct
               Span(11, 14, "COUNT"),  # 873 ≠ 8731 -> wrong
               Span(0, 4, "PROGRAM")])
    v = value_accuracy([(GOLD, pred)], _digits)
    assert v == {"correct": 1, "total": 2, "accuracy": 0.5}
    # same value but a different label does not count
    v = value_accuracy([(GOLD, ex([Span(6, 10, "AMOUNT"), Span(11, 15, "COUNT")]))], _digits)
    assert v["correct"] == 1
    # a gold value that normalises to None is never correct, even against None
    none = value_accuracy([(GOLD, ex([Span(6, 10, "COUNT")]))], lambda e, s: None)
    assert none == {"correct": 0, "total": 2, "accuracy": 0.0}
    assert value_accuracy([], _digits) == {"correct": 0, "total": 0, "accuracy": 0.0}


def test_evaluate_examples_structure_and_json():
    pred = ex([Span(0, 4, "PROGRAM", "a"), Span(6, 10, "COUNT", "b"), Span(11, 14, "COUNT", "c")],
              [Relation("a", "b"), Relation("a", "c")])
    with_gold = ex(GOLD.spans, [Relation("p", "c1"), Relation("p", "c2")])
    other = ex([Span(0, 4, "PROGRAM")], id_="s2")
    res = evaluate_examples([GOLD, other], [pred], gold_entity_pred=[with_gold, other], normalize=_digits)
    assert res["sentences"] == 2
    assert set(res) == {"sentences", "entities", "figures", "relations", "values", "confusion"}
    strict = res["entities"]["strict"]
    assert res["figures"]["strict"]["tp"] == sum(strict[la]["tp"] for la in ("COUNT", "AMOUNT", "PERCENT"))
    assert set(res["entities"]["strict"]) == {*LABELS, "micro"}
    assert set(res["entities"]["strict"]["micro"]) == {"tp", "fp", "fn", "precision", "recall", "f1", "support"}
    assert res["entities"]["strict"]["PROGRAM"]["fn"] == 1  # s2 had no prediction
    assert res["entities"]["partial"]["COUNT"]["tp"] == 2
    e2e = res["relations"]["end_to_end"]
    assert (e2e["tp"], e2e["fp"], e2e["fn"]) == (1, 1, 1) and e2e["f1"] == pytest.approx(0.5)
    assert res["relations"]["gold_entities"]["f1"] == pytest.approx(1.0)
    assert res["values"] == {"correct": 1, "total": 2, "accuracy": 0.5}
    assert json.loads(json.dumps(res)) == res
    bare = evaluate_examples([GOLD], [pred])
    assert bare["relations"]["gold_entities"] is None and bare["values"] is None
