"""Figures written with spaces between digit groups: 27 482元, 27\u00a0482元, 1\u2009234\u2009567人.

The tokenizer splits at white space, so the model sees "27" and "482" as two words and tags only
"482" (the rule baseline does the same): the fact came out as 482 元 instead of 27 482 元. Here a
predicted figure is widened over the digit groups around it, so the entity, the figure text and
its offsets cover the whole number and normalize_figure reads 27482. Only proper thousands
grouping is joined (1-3 digits, then groups of exactly three, one space between): "2019 123"
or "12 34" stay apart.
"""

from __future__ import annotations

import re

from annotation.schema import FIGURE_LABELS, Example, Relation, Span
from inference.normalize import GROUP_SPACES

_SP = f"[{GROUP_SPACES}]"
#: digit groups that end right before a figure starting with a full group of three
_GROUPS_BEFORE = re.compile(rf"(?<![\d.,])\d{{1,3}}(?:{_SP}\d{{3}})*{_SP}$")
#: groups of three right after a figure that ends in a group of one to three digits
_GROUPS_AFTER = re.compile(rf"(?:{_SP}\d{{3}})+(?![\d.,])")
_ENDS_IN_GROUP = re.compile(rf"(?:^|{_SP}|[^\d.,])\d{{1,3}}$")


def _widened(text: str, span: Span) -> tuple[int, int]:
    start, end = span.start, span.end
    if re.match(r"\d{3}(?!\d)", text[start:end]) and (m := _GROUPS_BEFORE.search(text[max(0, start - 64) : start])):
        start -= len(m.group())
    if _ENDS_IN_GROUP.search(text[max(0, start - 1) : end]) and (m := _GROUPS_AFTER.match(text, end)):
        end = m.end()
    return start, end


def join_digit_groups(example: Example) -> Example:
    """The example with figure spans widened over space-separated digit groups.

    When two figures end up covering one number ("27" tagged COUNT, "482" tagged AMOUNT) the last
    one, next to the unit, gives the label and id; spans inside the widened figure are dropped and
    their relations moved to it, so no has_value link is lost."""
    ranges = {s.id: _widened(example.text, s) for s in example.spans if s.label in FIGURE_LABELS}
    if all(ranges[s.id] == (s.start, s.end) for s in example.spans if s.id in ranges):
        return example
    figures = sorted((s for s in example.spans if s.id in ranges), key=lambda s: ranges[s.id])
    clusters: list[list[Span]] = []
    for fig in figures:  # figures whose widened ranges overlap are one number
        if clusters and ranges[fig.id][0] < max(ranges[f.id][1] for f in clusters[-1]):
            clusters[-1].append(fig)
        else:
            clusters.append([fig])
    replaced: dict[str, str] = {}  # dropped span id -> the figure that took its place
    widened: list[Span] = []
    for cluster in clusters:
        keep = max(cluster, key=lambda f: (f.end, f.start))
        start = min(ranges[f.id][0] for f in cluster)
        end = max(ranges[f.id][1] for f in cluster)
        widened.append(Span(start, end, keep.label, keep.id, keep.score))
        for other in example.spans:
            if other.id != keep.id and other.start < end and start < other.end:
                replaced[other.id] = keep.id
    kept_ids = {w.id for w in widened}
    spans = widened + [s for s in example.spans if s.id not in replaced and s.id not in kept_ids]
    relations: list[Relation] = []
    for r in example.relations:
        moved = Relation(replaced.get(r.head, r.head), replaced.get(r.tail, r.tail), r.label, r.score)
        if moved.head != moved.tail and all((x.head, x.tail, x.label) != (moved.head, moved.tail, moved.label)
                                            for x in relations):
            relations.append(moved)
    return Example(example.id, example.text, sorted(spans, key=lambda s: (s.start, s.end)), relations,
                   dict(example.meta))
