"""Inline gold markup: how annotators write an annotated sentence as one line.

    截至目前,全市[[特困人员供养|P1]]对象[[2854|C>P1]][[人|U]],其中[[集中供养|P2]]人数[[1519|C>P2]][[人|U]]

`[[text|CODE]]` marks a span. CODE is P<n> for a PROGRAM (n names it within the
line), C / A / PCT for COUNT / AMOUNT / PERCENT, optionally `>P<n>` to link the
figure to program n (has_value), and U for a UNIT. Removing the markup gives
the sentence text exactly. Parsing checks every rule it can see and names the
line and the problem.
"""

from __future__ import annotations

import re

from annotation.schema import HAS_VALUE, LABEL_CODES, PROGRAM, Example, Relation, Span

_SPAN = re.compile(r"\[\[(?P<text>[^\[\]|]+)\|(?P<code>[A-Z]+)(?P<num>\d*)(?:>P(?P<link>\d+))?\]\]")


class MarkupError(ValueError):
    """A markup line that cannot be parsed; the message names the line."""


def parse_markup(line: str, example_id: str = "", where: str = "") -> Example:
    """Turn one markup line into an Example (span ids: p1… for programs, e1… for others)."""
    where = where or example_id or "markup"
    text_parts: list[str] = []
    spans: list[Span] = []
    links: list[tuple[str, str]] = []  # (figure span id, program number)
    programs: dict[str, str] = {}  # program number -> span id
    pos = 0
    out_len = 0
    n_other = 0
    for m in _SPAN.finditer(line):
        plain = line[pos : m.start()]
        text_parts.append(plain)
        out_len += len(plain)
        code, num, link = m["code"], m["num"], m["link"]
        if code not in LABEL_CODES:
            raise MarkupError(f"{where}: unknown label code {code!r} in {m.group(0)!r}")
        label = LABEL_CODES[code]
        start, end = out_len, out_len + len(m["text"])
        if label == PROGRAM:
            if not num:
                raise MarkupError(f"{where}: program {m['text']!r} needs a number (P1, P2…)")
            if link:
                raise MarkupError(f"{where}: a program cannot link to a program ({m.group(0)!r})")
            if num in programs:
                raise MarkupError(f"{where}: program number P{num} is used twice")
            span_id = f"p{num}"
            programs[num] = span_id
        else:
            if num:
                raise MarkupError(f"{where}: only programs take a number ({m.group(0)!r})")
            n_other += 1
            span_id = f"e{n_other}"
            if link:
                links.append((span_id, link))
        spans.append(Span(start, end, label, span_id))
        text_parts.append(m["text"])
        out_len = end
        pos = m.end()
    text_parts.append(line[pos:])
    text = "".join(text_parts)
    if "[[" in text or "]]" in text:
        raise MarkupError(f"{where}: malformed markup left in the text: {text!r}")
    relations = []
    for figure_id, num in links:
        if num not in programs:
            raise MarkupError(f"{where}: figure links to P{num}, which is not marked in the line")
        relations.append(Relation(programs[num], figure_id, HAS_VALUE))
    return Example(id=example_id, text=text, spans=spans, relations=relations)


def to_markup(example: Example) -> str:
    """The inverse of parse_markup (span ids are renumbered)."""
    code_of = {label: code for code, label in LABEL_CODES.items()}
    prog_num: dict[str, int] = {}
    for span in sorted(example.spans):
        if span.label == PROGRAM:
            prog_num[span.id] = len(prog_num) + 1
    link_of = {r.tail: r.head for r in example.relations}
    out, pos = [], 0
    for span in sorted(example.spans):
        out.append(example.text[pos : span.start])
        code = code_of[span.label]
        if span.label == PROGRAM:
            code += str(prog_num[span.id])
        elif span.id in link_of and link_of[span.id] in prog_num:
            code += f">P{prog_num[link_of[span.id]]}"
        out.append(f"[[{example.text[span.start:span.end]}|{code}]]")
        pos = span.end
    out.append(example.text[pos:])
    return "".join(out)
