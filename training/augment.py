"""Mention-replacement augmentation: program names swapped between training sentences.

A tagger that has seen 临时救助 only after 发放 learns the context, not the name.
Each augmented copy of a sentence replaces every PROGRAM mention with another
name drawn from the training data's own programs (never from held-out documents:
the names come from the sentences being augmented) and, when given, from extra names
(`--augment_names annotation/extra`: programs of sentences the project wrote, used only
as names, never as training sentences), keeping the sentence's figures,
units and links; offsets after a replaced mention shift by the length difference.
Copies carry the id `ORIGINAL~augK` and the original's meta, so splits by document
still hold.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from annotation.schema import PROGRAM, Example, Span


def program_names(examples: Sequence[Example]) -> list[str]:
    """Distinct PROGRAM strings of `examples`, in first-seen order."""
    return list(dict.fromkeys(e.span_text(s) for e in examples for s in e.spans if s.label == PROGRAM))


def replace_programs(example: Example, names: Sequence[str], rng: random.Random, suffix: str) -> Example | None:
    """A copy of `example` with each PROGRAM span's text replaced by a random name; None without programs."""
    if not any(s.label == PROGRAM for s in example.spans):
        return None
    pieces, spans, shift, pos = [], [], 0, 0
    for s in sorted(example.spans):
        if s.start < pos:  # overlapping spans: leave this sentence alone
            return None
        new = rng.choice(names) if s.label == PROGRAM else example.span_text(s)
        pieces += [example.text[pos:s.start], new]
        start = s.start + shift
        spans.append(Span(start, start + len(new), s.label, s.id, s.score))
        shift += len(new) - (s.end - s.start)
        pos = s.end
    pieces.append(example.text[pos:])
    return Example(f"{example.id}~{suffix}", "".join(pieces), spans, list(example.relations), dict(example.meta))


def augment(examples: Sequence[Example], copies: int, seed: int = 42, extra_names: Sequence[str] = ()
            ) -> list[Example]:
    """`copies` program-swapped copies of every example that has a PROGRAM (the originals not included);
    names are drawn from the examples' programs and `extra_names`."""
    if copies <= 0:
        return []
    names = list(dict.fromkeys([*program_names(examples), *extra_names]))
    rng = random.Random(seed)
    out = []
    for k in range(copies):
        for example in examples:
            copy = replace_programs(example, names, rng, f"aug{k + 1}")
            if copy is not None:
                out.append(copy)
    return out
