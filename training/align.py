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

import numpy as np

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


def word_starts(word_ids: Sequence[int | None]) -> list[bool | None]:
    """Per token: None for a special token, else whether it is its word's first piece."""
    starts: list[bool | None] = []
    prev = None
    for wid in word_ids:
        starts.append(None if wid is None else wid != prev)
        prev = wid
    return starts


def token_view(encoding, index: int = 0) -> TokenView:
    """Offsets and first-piece flags from a BatchEncoding made with return_offsets_mapping=True."""
    offsets = [(int(o[0]), int(o[1])) for o in encoding["offset_mapping"][index]]
    return TokenView(offsets, word_starts(encoding.word_ids(index)))


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


def _allowed_transitions() -> np.ndarray:
    """allowed[i, j]: tag j may follow tag i in IOB2 (I-X only after B-X or I-X)."""
    n = len(BIO)
    allowed = np.ones((n, n), dtype=bool)
    for j, tag in enumerate(BIO):
        if tag.startswith("I-"):
            for i, prev in enumerate(BIO):
                allowed[i, j] = prev in (f"B-{tag[2:]}", tag)
    return allowed


def _transition_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(trans, forced, start_ok): log transition scores (0 or -inf); the same when the previous tag must be
    continued (only its I- tag may follow); which tags may open a sequence."""
    trans = np.where(_allowed_transitions(), 0.0, -np.inf)
    forced = np.full_like(trans, -np.inf)
    for t, c in enumerate(_continuation()):
        forced[t, c] = trans[t, c]
    start_ok = np.array([not t.startswith("I-") for t in BIO])
    return trans, forced, start_ok


_TABLES: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
_IDENTITY = np.where(np.eye(len(BIO), dtype=bool), 0.0, -np.inf)


def _continuation() -> np.ndarray:
    """cont[i]: the I- tag that continues tag i (itself for O, never used)."""
    return np.array([LABEL2ID[f"I-{t[2:]}"] if t != "O" else i for i, t in enumerate(BIO)])


_CONTINUATION = _continuation()


def viterbi_tags(probs: np.ndarray, mask: Sequence[bool], begin_ok: np.ndarray | None = None,
                 must_continue: np.ndarray | None = None) -> np.ndarray:
    """The most probable IOB2-valid tag sequence over the positions where mask is True.

    A softmax head scores tokens independently and can emit I-X after O, which a
    lenient reader turns into one-character fragments; constrained decoding
    (the decoding half of a CRF, with hard transitions) removes them.
    begin_ok / must_continue (masked positions × tags, training/constraints.py) add
    position-dependent rules: a tag may not stand where begin_ok is False, and a tag
    where must_continue is True must be followed by the I- tag of its label.
    Positions outside the mask keep their argmax.
    """
    return viterbi_batch([(probs, mask, begin_ok, must_continue)])[0]


def path_allowed(tags: np.ndarray, begin_ok: np.ndarray | None = None,
                 must_continue: np.ndarray | None = None) -> bool:
    """Whether a tag sequence (over the decoded positions) is IOB2-valid and obeys the constraints.

    When the per-token argmax is allowed it is also the Viterbi path — it maximises every position on
    its own — so most sentences need no dynamic programming at all."""
    global _TABLES
    if _TABLES is None:
        _TABLES = _transition_tables()
    trans, _, start_ok = _TABLES
    if not len(tags):
        return True
    if not start_ok[tags[0]] or np.isneginf(trans[tags[:-1], tags[1:]]).any():
        return False
    steps = np.arange(len(tags))
    if begin_ok is not None and not begin_ok[steps, tags].all():
        return False
    if must_continue is not None:
        must = must_continue[steps, tags]
        if must[-1] or (tags[1:][must[:-1]] != _CONTINUATION[tags[:-1][must[:-1]]]).any():
            return False
    return True


def viterbi_batch(items: Sequence[tuple[np.ndarray, Sequence[bool], np.ndarray | None, np.ndarray | None]]
                  ) -> list[np.ndarray]:
    """`viterbi_tags` for many sequences at once: one numpy step per position for the whole batch
    instead of one per position per sequence (decoding was a fifth of an extraction run).
    Items are (probs, mask, begin_ok, must_continue); give sequences of similar length together."""
    global _TABLES
    if _TABLES is None:
        _TABLES = _transition_tables()
    trans, forced, start_ok = _TABLES
    n = len(BIO)
    outs = [np.asarray(probs).argmax(-1) for probs, *_ in items]
    chosen = [np.flatnonzero(np.asarray(mask, dtype=bool)) for _, mask, _, _ in items]
    rows = [b for b, idx in enumerate(chosen) if len(idx)]
    if not rows:
        return outs
    lengths = np.array([len(chosen[b]) for b in rows])
    width = int(lengths.max())
    logp = np.zeros((len(rows), width, n))
    must = np.zeros((len(rows), width, n), dtype=bool)
    for r, b in enumerate(rows):
        probs, _, begin_ok, must_continue = items[b]
        lp = np.log(np.clip(np.asarray(probs)[chosen[b]], 1e-12, 1.0))
        if begin_ok is not None:
            lp = np.where(begin_ok, lp, -np.inf)
        logp[r, : lengths[r]] = lp
        if must_continue is not None:
            must[r, : lengths[r]] = must_continue
    # One transition table per (row, position): rows whose tag must be continued use `forced`, and
    # positions past a row's end the identity (score carried unchanged, and read back unchanged).
    steps = np.where(must[:, :-1, :, None], forced, trans)
    steps[np.arange(width - 1)[None, :] >= lengths[:, None] - 1] = _IDENTITY
    score = np.where(start_ok, logp[:, 0], -np.inf)
    back = np.zeros((len(rows), width, n), dtype=np.intp)
    for k in range(1, width):
        cand = score[:, :, None] + steps[:, k - 1]  # rows × previous × next
        back[:, k] = cand.argmax(1)
        score = cand.max(1) + logp[:, k]
    score = np.where(must[np.arange(len(rows)), lengths - 1], -np.inf, score)
    path = np.zeros((len(rows), width), dtype=np.intp)
    path[:, -1] = score.argmax(-1)
    every = np.arange(len(rows))
    for k in range(width - 1, 0, -1):
        path[:, k - 1] = back[every, k, path[:, k]]
    for r, b in enumerate(rows):
        outs[b] = outs[b].copy()
        outs[b][chosen[b]] = path[r, : lengths[r]]
    return outs
