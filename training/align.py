"""Character spans ↔ token labels, through the fast tokenizer's offset mapping.

Works for the project's character tokenizer and for word-piece vocabularies
such as bert-base-chinese's, which merge digit runs (1234567 → 123 ##45 ##67):
a word's label goes to its first piece and its other pieces are ignored in the
loss (-100); decoding gives each span the full extent of the words it covers,
so predictions come back as exact character offsets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotation.schema import LABELS, Span, bio_labels

IGNORE = -100
BIO = bio_labels()
LABEL2ID = {tag: i for i, tag in enumerate(BIO)}
ID2LABEL = dict(enumerate(BIO))


def char_tags(length: int, spans: Sequence[Span]) -> list[str]:
    """BIO tag per character of a text of `length` characters."""
    tags = ["O"] * length
    for span in sorted(spans):
        if span.label not in LABELS:
            raise ValueError(f"unknown label {span.label!r}")
        tags[span.start] = f"B-{span.label}"
        for i in range(span.start + 1, span.end):
            tags[i] = f"I-{span.label}"
    return tags


@dataclass
class TokenView:
    """Per token: character offsets and whether it starts a word (None for special tokens)."""

    offsets: list[tuple[int, int]]
    word_starts: list[bool | None]


def token_view(encoding, index: int = 0) -> TokenView:
    """Offsets and first-piece flags from a BatchEncoding made with return_offsets_mapping=True."""
    offsets = [tuple(o) for o in encoding["offset_mapping"][index]]
    word_ids = encoding.word_ids(index)
    starts: list[bool | None] = []
    prev = None
    for wid in word_ids:
        starts.append(None if wid is None else wid != prev)
        prev = wid
    return TokenView(offsets, starts)


def align_labels(view: TokenView, tags: Sequence[str]) -> list[int]:
    """Label ids per token: the tag of a word's first character on its first piece, else IGNORE."""
    out = []
    for (start, end), first in zip(view.offsets, view.word_starts, strict=True):
        out.append(LABEL2ID[tags[start]] if first and end > start else IGNORE)
    return out


def decode_spans(
    view: TokenView, tag_ids: Sequence[int], scores: Sequence[float] | None = None
) -> list[Span]:
    """Predicted tag per token → character spans (continuation pieces extend the open span)."""
    spans: list[Span] = []
    label, start, end, probs = None, 0, 0, []

    def close():
        if label is not None:
            score = sum(probs) / len(probs) if probs else None
            spans.append(Span(start, end, label, score=score))

    for i, ((s, e), first) in enumerate(zip(view.offsets, view.word_starts, strict=True)):
        if first is None or e <= s:
            continue
        if not first:  # a continuation piece belongs to whatever its word belongs to
            if label is not None:
                end = e
            continue
        tag = ID2LABEL[int(tag_ids[i])]
        if tag == "O":
            close()
            label = None
            continue
        prefix, name = tag.split("-", 1)
        if prefix == "I" and label == name:
            end = e
        else:  # B-, or an I- that opens a span (lenient, as a reader would)
            close()
            label, start, end, probs = name, s, e, []
        if scores is not None:
            probs.append(float(scores[i]))
    close()
    return spans
