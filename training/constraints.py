"""Span constraints for decoding: what a tag sequence may never say, whatever the model's probabilities.

Five named constraints, each switchable (the model folder's minzheng.json lists
the ones it decodes with; the CV bake-off measures each one's effect):

- ``numeral``: a figure (COUNT, AMOUNT, PERCENT) starts on a numeral — the
  guidelines start a figure at its first digit, so a figure never lacks one;
- ``single``: a one-character PROGRAM never, a one-character UNIT only when the
  unit lexicon knows it (人, 户, 元 …);
- ``words``: a PROGRAM starts and ends on a word boundary (training/words.py), and one
  that opens a quote or bracket right before its closing mark takes the mark in (`close_quotes`);
- ``linked``: after linking, a PROGRAM that heads no has_value is dropped (the
  guidelines mark a program only as the program of a figure in its sentence).
- ``distractors``: a figure GUIDELINES.md lists under "What is not a figure" that its
  neighbours give away is dropped with its unit: ordinals and article numbers (第4条),
  numbers inside codes, dates and brackets (2014.12.16, 〔2016〕15号), document numbers
  (…号), ages (60岁) and procedure durations (5个工作日, 24小时).

They become two boolean arrays over the decoded positions, read by
`training.align.viterbi_tags`: ``begin_ok[k, tag]`` (may the tag stand at k) and
``must_continue[k, tag]`` (the tag at k must be followed by I- of its label).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from annotation.consistency import CLOSERS
from annotation.rules import COUNT_UNITS
from annotation.schema import FIGURE_LABELS, HAS_VALUE, PROGRAM, UNIT, Relation, Span
from training.align import BIO, LABEL2ID
from training.words import NUMERALS

CONSTRAINTS: tuple[str, ...] = ("numeral", "single", "words", "linked", "distractors")
SINGLE_UNITS = frozenset(u for u in (*COUNT_UNITS, "元", "岁", "米", "亩", "吨", "斤") if len(u) == 1)


#: Decoding options besides the constraints (off unless named): ``rules`` adds the figures, with their
#: units, that the rule baseline finds where the model marked nothing — a back-off for missed figures
#: (measured: it changes nothing on the CV sentences, training/BAKEOFF.md).
#: ``pointer`` asks the figure-conditioned program pointer (training/pointer.py) for the program of each
#: figure the linker left unlinked; ``pointer-first`` asks it for every figure.
#: ``lexicon`` gives a figure the linker left unlinked the program the rule baseline links it to, when
#: that program is a name of the program lexicon (annotation/rules.py) — a back-off for missed programs.
OPTIONS: tuple[str, ...] = ("rules", "pointer", "pointer-first", "lexicon")
LEXICON_SCORE = 0.8  # the rule baseline's score of a program found as a lexicon name (patterns score less)
_OPEN, _CLOSE = "〔[【［", "〕]】］"  # not parentheses: （城市1204户） is a breakdown
_NOT_AFTER = ("号", "號", "岁", "周岁", "週歲", "歲", "个工作日", "個工作日", "工作日", "小时", "小時")


def check_constraints(names: Sequence[str]) -> list[str]:
    unknown = [n for n in names if n not in CONSTRAINTS + OPTIONS]
    if unknown:
        raise ValueError(f"unknown decoding constraint(s) {unknown}; known: {', '.join(CONSTRAINTS + OPTIONS)}")
    return list(names)


def pointer_mode(names: Sequence[str]) -> str | None:
    """The pointer option among the named constraints ('pointer' or 'pointer-first'), or None."""
    return next((n for n in names if n in ("pointer", "pointer-first")), None)


def add_rule_figures(text: str, spans: Sequence) -> list:
    """`spans` plus each figure (and its unit) of the rule baseline that overlaps none of them."""
    from annotation.rules import RuleAnnotator

    taken = np.zeros(len(text) + 1, dtype=bool)
    for span in spans:
        taken[span.start : span.end] = True
    rules = RuleAnnotator()(text).spans
    units = {s.id[1:]: s for s in rules if s.label == UNIT}
    out = list(spans)
    for fig in (s for s in rules if s.label in FIGURE_LABELS):
        unit = units.get(fig.id[1:])
        end = unit.end if unit is not None else fig.end
        if taken[fig.start : end].any():
            continue
        out.append(Span(fig.start, fig.end, fig.label, score=fig.score))
        if unit is not None:
            out.append(Span(unit.start, unit.end, UNIT, score=unit.score))
    return sorted(out, key=lambda s: (s.start, s.end))


def attach_program(spans: list, relations: list, figure, start: int, end: int, score: float | None, new_id,
                   reuse_overlapping: bool = False) -> None:
    """Make text[start:end] the program of `figure`, in place: an existing PROGRAM span there (the identical
    one, or with `reuse_overlapping` any one it overlaps) heads the has_value; otherwise a new PROGRAM
    named `new_id(len(spans) + 1)` is added, unless it would overlap another span (then nothing changes).
    The figure's earlier has_value, if any, is replaced."""

    def there(s) -> bool:
        return s.start < end and start < s.end if reuse_overlapping else (s.start, s.end) == (start, end)

    program = next((s for s in spans if s.label == PROGRAM and there(s)), None)
    if program is None:
        if any(s.start < end and start < s.end for s in spans):
            return
        program = Span(start, end, PROGRAM, new_id(len(spans) + 1), score)
        spans.append(program)
    relations[:] = [r for r in relations if r.tail != figure.id]
    relations.append(Relation(program.id, figure.id, HAS_VALUE, score))


def add_lexicon_programs(text: str, spans: Sequence, relations: Sequence, new_id) -> tuple[list, list]:
    """`spans` and `relations` plus, for each figure with no has_value, the rule baseline's program for
    the same figure span when the lexicon names it (score ≥ LEXICON_SCORE), by `attach_program`: an
    identical PROGRAM span already there is linked; a program overlapping any other span is not added."""
    from annotation.rules import RuleAnnotator


    linked = {r.tail for r in relations}
    unlinked = {(s.start, s.end): s for s in spans if s.label in FIGURE_LABELS and s.id not in linked}
    spans, relations = list(spans), list(relations)
    if not unlinked:
        return spans, relations
    rules = RuleAnnotator()(text)
    by_id = {s.id: s for s in rules.spans}
    for rel in rules.relations:
        program, figure = by_id[rel.head], by_id[rel.tail]
        target = unlinked.get((figure.start, figure.end))
        if target is not None and (program.score or 0) >= LEXICON_SCORE:
            attach_program(spans, relations, target, program.start, program.end, program.score, new_id)
    return sorted(spans, key=lambda s: (s.start, s.end)), relations


def span_constraints(text: str, offsets: Sequence[tuple[int, int]], names: Sequence[str]
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(begin_ok, must_continue), each positions × tags, for the tokens at `offsets` (decoded positions only)."""
    n = len(offsets)
    begin_ok = np.ones((n, len(BIO)), dtype=bool)
    must_continue = np.zeros((n, len(BIO)), dtype=bool)
    if not n or not names:
        return begin_ok, must_continue
    first = [text[s] if e > s else "" for s, e in offsets]
    if "numeral" in names:
        for label in FIGURE_LABELS:
            begin_ok[:, LABEL2ID[f"B-{label}"]] = [ch in NUMERALS for ch in first]
    if "single" in names:
        must_continue[:, LABEL2ID[f"B-{PROGRAM}"]] = True
        must_continue[:, LABEL2ID[f"B-{UNIT}"]] = [ch not in SINGLE_UNITS or e - s > 1 for ch, (s, e) in
                                                    zip(first, offsets, strict=True)]
    if "words" in names:
        from training.words import word_boundaries

        bounds = word_boundaries(text)
        starts = np.array([s in bounds for s, _ in offsets])
        ends = np.array([e in bounds for _, e in offsets])
        begin_ok[:, LABEL2ID[f"B-{PROGRAM}"]] &= starts
        for tag in (f"B-{PROGRAM}", f"I-{PROGRAM}"):
            must_continue[:, LABEL2ID[tag]] |= ~ends
    return begin_ok, must_continue


def close_quotes(text: str, spans: Sequence) -> list:
    """`spans` with each PROGRAM that opens a quote or bracket it does not close, and stops right before
    the closing mark, carried over that mark: 残疾人“两项补贴 → 残疾人“两项补贴” (part of `words`: a name cut
    inside its quotes is cut inside a word). Position-wise constraints cannot say this (it depends on where
    the span starts), so it is a repair after decoding."""
    out = []
    for span in spans:
        inside = text[span.start : span.end]
        if span.label == PROGRAM and span.end < len(text):
            after = text[span.end]
            opener = CLOSERS.get(after)
            if opener is not None and inside.count(opener) > inside.count(after):
                span = Span(span.start, span.end + 1, span.label, span.id, span.score)
        out.append(span)
    return out


def programs_on_word_edges(text: str, offsets: Sequence[tuple[int, int]], tags: np.ndarray) -> bool:
    """Whether every PROGRAM of an IOB2-valid tag sequence starts and ends on a word boundary: the same
    verdict as `words` in span_constraints, asking jieba only about those edges (training/words.py)."""
    from training.words import boundaries_at

    b, i = LABEL2ID[f"B-{PROGRAM}"], LABEL2ID[f"I-{PROGRAM}"]
    edges = []
    for k, tag in enumerate(tags):
        if tag == b:
            edges.append(offsets[k][0])
        if tag in (b, i) and (k + 1 == len(tags) or tags[k + 1] != i):
            edges.append(offsets[k][1])
    return all(boundaries_at(text, edges).values()) if edges else True


def path_obeys(text: str, offsets: Sequence[tuple[int, int]], tags: np.ndarray, names: Sequence[str]) -> bool:
    """Whether an IOB2-valid tag sequence obeys the named constraints: the verdict span_constraints +
    viterbi would give, reading only the positions that open a span (most tokens are O)."""
    b_program, i_program = LABEL2ID[f"B-{PROGRAM}"], LABEL2ID[f"I-{PROGRAM}"]
    b_unit, i_unit = LABEL2ID[f"B-{UNIT}"], LABEL2ID[f"I-{UNIT}"]
    figure_starts = {LABEL2ID[f"B-{label}"] for label in FIGURE_LABELS}
    opens = np.zeros(len(BIO), dtype=bool)
    opens[[b_program, b_unit, *figure_starts]] = True
    for k in np.flatnonzero(opens[tags]):
        tag, (s, e) = tags[k], offsets[k]
        follows = tags[k + 1] if k + 1 < len(tags) else -1
        if "numeral" in names and tag in figure_starts and not (e > s and text[s] in NUMERALS):
            return False
        if "single" in names and tag == b_program and follows != i_program:
            return False
        if "single" in names and tag == b_unit and follows != i_unit and (
                e - s > 1 or not (e > s and text[s] in SINGLE_UNITS)):  # span_constraints' must_continue
            return False
    return "words" not in names or programs_on_word_edges(text, offsets, tags)


def is_distractor(text: str, start: int, end: int) -> bool:
    """Whether the figure text[start:end] (its unit, if any, starts at `end`) is one GUIDELINES.md says
    is not a figure, judged from its neighbours."""
    before = text[start - 1] if start else ""
    if before == "第" or before.isascii() and (before.isalnum() or before == "."):
        return True
    if text.startswith(_NOT_AFTER, end):
        return True
    depth = 0  # inside an unclosed bracket on this side: 〔2016〕 and codes
    for ch in reversed(text[max(0, start - 12) : start]):
        if ch in _CLOSE:
            depth += 1
        elif ch in _OPEN:
            if depth == 0:
                return text.find(_CLOSE[_OPEN.index(ch)], end, end + 12) != -1
            depth -= 1
    return False


def drop_distractors(text: str, spans: Sequence) -> list:
    """`spans` without the figures `is_distractor` rejects, and without the units right after them."""
    dropped_ends = {s.end for s in spans if s.label in FIGURE_LABELS and is_distractor(text, s.start, s.end)}
    return [s for s in spans if not (s.label in FIGURE_LABELS and s.end in dropped_ends)
            and not (s.label == UNIT and s.start in dropped_ends)]
