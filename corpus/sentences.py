"""Cut clean text into sentences that keep exact offsets into the original document.

* A sentence ends at 。！？! (kept, with any closing quotes/brackets right after it)
  or at a line break.  ASCII "?" is not a terminator: in these reports it is the
  placeholder for a character lost to a bad encoding (原因?导致…).
* Surrounding white space is stripped; empty sentences are dropped.
* A sentence longer than `max_chars` is split after ；/; and, if still too long,
  after ，/,, choosing split points outside brackets and quotes
  （）()《》“”‘’「」【】〔〕[] when any exist; with no split point at all it stays long.
* `start`/`end` point into the ORIGINAL text: original[start:end] runs from the
  source of the sentence's first clean char to the source of its last.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from corpus.offsets import OffsetMap

TERMINATORS = "。！？!"
_CLOSERS = "”’」』）)》】〕]\"'"
_SENTENCE = re.compile(rf"[^\n{TERMINATORS}]*(?:[{TERMINATORS}]+[{re.escape(_CLOSERS)}]*)?")
_OPEN = "（(《“‘「【〔["
_CLOSE = "）)》”’」】〕]"


@dataclass(frozen=True)
class Sentence:
    id: str
    doc: str
    index: int
    text: str
    start: int  # into the original document text
    end: int

    def to_dict(self) -> dict:
        return asdict(self)


def _split_points(text: str, separators: str) -> tuple[list[int], list[int]]:
    """Positions just after each separator: (outside any bracket/quote, inside one)."""
    outside: list[int] = []
    inside: list[int] = []
    depth = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in separators and i + 1 < len(text):
            (inside if depth else outside).append(i + 1)
    return outside, inside


def _pack(text: str, points: list[int], max_chars: int) -> list[tuple[int, int]]:
    """Greedy: a piece runs to the last split point that keeps it within max_chars."""
    pieces: list[tuple[int, int]] = []
    start = last = 0
    for point in [*points, len(text)]:
        if point - start > max_chars and last > start:
            pieces.append((start, last))
            start = last
        last = point
    pieces.append((start, len(text)))
    return pieces


def split_long(text: str, max_chars: int) -> list[tuple[int, int]]:
    """[start, end) pieces of one sentence, each within max_chars where split points allow."""
    pieces = [(0, len(text))]
    for separators in ("；;", "，,"):
        finer: list[tuple[int, int]] = []
        for start, end in pieces:
            outside, inside = _split_points(text[start:end], separators)
            points = outside or inside  # inside brackets only when there is nothing outside
            if end - start <= max_chars or not points:
                finer.append((start, end))
            else:
                finer.extend((start + s, start + e) for s, e in _pack(text[start:end], points, max_chars))
        pieces = finer
    return pieces


def sentence_spans(text: str, max_chars: int = 200) -> list[tuple[int, int]]:
    """[start, end) of each sentence in clean `text`, stripped and non-empty."""
    spans: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text):
        if not match.group():
            continue
        for s, e in split_long(match.group(), max_chars):
            piece = match.group()[s:e]
            lead = len(piece) - len(piece.lstrip())
            stripped = piece.strip()
            if stripped:
                start = match.start() + s + lead
                spans.append((start, start + len(stripped)))
    return spans


def make_sentences(
    clean: str, offsets: OffsetMap, doc: str, doc_hash: str, max_chars: int = 200
) -> list[Sentence]:
    """Sentences of a cleaned document; `doc_hash` is the sha1 hex of its original bytes."""
    out: list[Sentence] = []
    for index, (start, end) in enumerate(sentence_spans(clean, max_chars)):
        orig_start, orig_end = offsets.to_original(start, end)
        out.append(
            Sentence(f"{doc_hash[:12]}-{index:05d}", doc, index, clean[start:end], orig_start, orig_end)
        )
    return out
