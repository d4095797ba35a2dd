"""The gold consistency check: each rule fires on a sentence that breaks it, and the project's gold is clean."""

from __future__ import annotations

import pytest

from annotation.consistency import check_consistency
from annotation.gold import GOLD_DIR, load_gold
from annotation.markup import parse_markup


def findings(*markups: str) -> list[str]:
    examples = [parse_markup(m, example_id=f"s{i}") for i, m in enumerate(markups)]
    return [f.rule for f in check_consistency(examples)]


@pytest.mark.parametrize(("markup", "rule"), [
    ("发放[[低保|P1]]资金[[多|A>P1]][[元|U]]", "AMOUNT without a numeral"),
    ("[[低保|P1]][[12|C>P1]][[3户|U]]", "UNIT with a digit"),
    ("[[发放低保|P1]][[12|C>P1]][[户|U]]", "PROGRAM starts with a leading verb or scope word"),
    ("[[低保资金|P1]][[12万|A>P1]][[元|U]]", "PROGRAM ends with a generic head (资金, 对象 …)"),
    ("[[残疾人“两项补贴|P1]]”[[12|C>P1]][[人|U]]", "unbalanced quotes or brackets inside the span"),
    ("[[低保，|P1]][[12|C>P1]][[户|U]]", "span ends on punctuation"),
    ("[[保|P1]][[12|C>P1]][[户|U]]", "one-character PROGRAM"),
])
def test_each_span_rule_fires(markup: str, rule: str) -> None:
    assert rule in findings(markup)


def test_names_whose_head_belongs_to_them_pass() -> None:
    assert findings("[[重点优抚对象|P1]][[12|C>P1]][[人|U]]") == []
    assert findings("[[残疾人“两项补贴”|P1]][[12|C>P1]][[人|U]]") == []


def test_same_string_two_labels_and_two_cuts() -> None:
    rules = findings("[[低保|P1]][[12|C>P1]][[户|U]]", "[[低保|U]]")
    assert any(r.startswith("labelled PROGRAM and UNIT") for r in rules)
    rules = findings("[[残疾人“两项补贴”|P1]][[12|C>P1]][[人|U]]", "享受[[残疾人“两项补贴|P1]]”[[3|C>P1]][[人|U]]")
    assert any("PROGRAM cut before '”'" in r for r in rules)


def test_project_gold_is_consistent() -> None:
    examples = [e for path in GOLD_DIR.glob("*.json") for e in load_gold(path)]
    assert len(examples) > 700
    assert [str(f) for f in check_consistency(examples)] == []
