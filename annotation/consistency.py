"""Gold consistency: the same string labelled two ways, and spans that break GUIDELINES.md's span rules.

A tagger cannot fit labels that contradict each other, and every F1 figure is
only as good as the gold it is measured against. `check_consistency` reads the
gold examples (original text) and returns findings, each naming the sentence id,
the span and the rule; `minzheng annotate gold check` prints them and exits 1
when there are any.

Checks:
- span rules: a figure without a numeral; UNIT with a digit; PROGRAM that starts
  with a leading verb or scope word (发放, 全市 …) or ends with a generic head
  (资金, 对象 …); a span that starts or ends on white space or punctuation other
  than a closing bracket or quote that the span itself opened; unbalanced quotes
  or brackets inside a span; a one-character PROGRAM;
- labels: a span string labelled PROGRAM in one sentence and another entity label
  elsewhere; a figure labelled COUNT in one place and AMOUNT elsewhere when both
  are followed by the same unit;
- boundaries: a PROGRAM string that is a proper sub-string of a PROGRAM span in
  another sentence, directly followed there by the characters that the other span
  adds (the same name cut two ways, e.g. 残疾人“两项补贴 vs 残疾人“两项补贴”).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from annotation.schema import FIGURE_LABELS, PROGRAM, UNIT, Example

LEADING_WORDS = ("发放", "落实", "筹集", "全市", "全县", "我市", "共有", "全区", "全州")
GENERIC_HEADS = ("补助资金", "资金", "经费", "对象", "人数", "户数", "总数", "人员数")
#: names whose generic-looking head belongs to the name (GUIDELINES.md: "keep heads that belong to the name")
NAMES_WITH_HEADS = ("优抚对象",)
NUMERAL = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾]")
OPENERS = {"“": "”", "(": ")", "（": "）", "《": "》", "‘": "’", "「": "」", "\"": "\""}
CLOSERS = {v: k for k, v in OPENERS.items()}


@dataclass(frozen=True)
class Finding:
    example_id: str
    span: str
    rule: str

    def __str__(self) -> str:
        return f"{self.example_id}: {self.span!r}: {self.rule}"


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or "\u4e00" <= ch <= "\u9fff"


def _balanced(text: str) -> bool:
    stack: list[str] = []
    for ch in text:
        if ch in OPENERS and not (ch == "\"" and stack and stack[-1] == "\""):
            stack.append(ch)
        elif ch in CLOSERS:
            if not stack or stack[-1] != CLOSERS[ch]:
                return False
            stack.pop()
    return not stack


def span_rule_findings(example: Example) -> list[Finding]:
    out = []
    for s in example.spans:
        text = example.span_text(s)

        def add(rule: str, text: str = text) -> None:
            out.append(Finding(example.id, text, rule))

        if s.label in FIGURE_LABELS and not NUMERAL.search(text):
            add(f"{s.label} without a numeral")
        if s.label == UNIT and re.search(r"[0-9０-９]", text):
            add("UNIT with a digit")
        if text != text.strip():
            add("span starts or ends on white space")
        if not _balanced(text):
            add("unbalanced quotes or brackets inside the span")
        elif text and not (_is_word_char(text[0]) or text[0] in OPENERS):
            add("span starts on punctuation")
        elif text and not (_is_word_char(text[-1]) or text[-1] in CLOSERS or text[-1] in "%％‰"):
            add("span ends on punctuation")
        if s.label == PROGRAM:
            if len(text) == 1:
                add("one-character PROGRAM")
            if any(text.startswith(w) and len(text) > len(w) for w in LEADING_WORDS):
                add("PROGRAM starts with a leading verb or scope word")
            if (any(text.endswith(h) and len(text) > len(h) for h in GENERIC_HEADS)
                    and not text.endswith(NAMES_WITH_HEADS)):
                add("PROGRAM ends with a generic head (资金, 对象 …)")
    return out


def label_findings(examples: Sequence[Example]) -> list[Finding]:
    """The same span string with different entity labels across the gold."""
    labels: dict[str, dict[str, str]] = defaultdict(dict)  # text → label → first example id
    for e in examples:
        for s in e.spans:
            if s.label in (PROGRAM, UNIT):
                labels[e.span_text(s)].setdefault(s.label, e.id)
    return [Finding(", ".join(sorted(by_label.values())), text, f"labelled {' and '.join(sorted(by_label))}")
            for text, by_label in sorted(labels.items()) if len(by_label) > 1]


def boundary_findings(examples: Sequence[Example]) -> list[Finding]:
    """A PROGRAM cut shorter in one sentence than the same name in another, where the text continues alike."""
    programs = {e.span_text(s) for e in examples for s in e.spans if s.label == PROGRAM}
    out = []
    for e in examples:
        for s in e.spans:
            if s.label != PROGRAM:
                continue
            short = e.span_text(s)
            for longer in programs:
                if longer == short or not longer.startswith(short):
                    continue
                rest = longer[len(short):]
                if e.text.startswith(rest, s.end) and not _is_word_char(rest[0]):
                    out.append(Finding(e.id, short, f"PROGRAM cut before {rest!r}; elsewhere the span is {longer!r}"))
    return out


def check_consistency(examples: Sequence[Example]) -> list[Finding]:
    findings = [f for e in examples for f in span_rule_findings(e)]
    return findings + label_findings(examples) + boundary_findings(examples)
