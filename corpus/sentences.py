"""Cut clean text into sentences that keep exact offsets into the original document.

* A sentence ends at 。！？! (kept, with any closing quotes/brackets right after it)
  or at a line break.  ASCII "?" is not a terminator: in these reports it is the
  placeholder for a character lost to a bad encoding (原因?导致…).
* Surrounding white space is stripped; empty sentences are dropped.
* A sentence longer than `max_chars` is split after ；/; and, if still too long,
  after ，/,, choosing split points outside brackets and quotes
  （）()《》“”‘’「」【】〔〕[] when any exist.  A piece that is still too long (a run
  with no punctuation at all: a table dump, a 20 MB file of one line) is cut at
  `max_chars` at the latest — after white space or 、：: if there is one in the last
  quarter, else between two chars that are not digits or Latin letters (a figure such
  as 27.482 or 5126户 is not cut), else hard.  So no sentence exceeds `max_chars`, and
  the model's time and memory per character stay flat however long the run.
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
    """[start, end) pieces of one sentence, each within max_chars."""
    pieces = [(0, len(text))]
    for separators in ("；;", "，,"):
        finer: list[tuple[int, int]] = []
        for start, end in pieces:
            if end - start <= max_chars:
                finer.append((start, end))
                continue
            outside, inside = _split_points(text[start:end], separators)
            points = outside or inside  # inside brackets only when there is nothing outside
            if not points:
                finer.append((start, end))
            else:
                finer.extend((start + s, start + e) for s, e in _pack(text[start:end], points, max_chars))
        pieces = finer
    out: list[tuple[int, int]] = []
    for start, end in pieces:
        out.extend(_cut(text, start, end, max_chars) if end - start > max_chars else [(start, end)])
    return out


_SOFT_BREAK = frozenset("、：:")
_WORDISH = re.compile(r"[0-9A-Za-z.%·．％]")


def _cut(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut [start, end) into pieces of at most max_chars, at the best point in each window's last quarter."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        hi = start + max_chars
        lo = max(start + 1, hi - max_chars // 4)
        cut = next((p for p in range(hi, lo - 1, -1) if text[p - 1].isspace() or text[p - 1] in _SOFT_BREAK), None)
        if cut is None:
            cut = next(
                (p for p in range(hi, lo - 1, -1) if not _WORDISH.match(text[p - 1]) and not _WORDISH.match(text[p])),
                hi,
            )
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def sentence_spans(text: str, max_chars: int = 200) -> list[tuple[int, int]]:
    """[start, end) of each sentence in clean `text`, stripped and non-empty."""
    spans: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group()  # once: a long run's pieces must not copy the whole run each time
        if not sentence:
            continue
        for s, e in split_long(sentence, max_chars):
            piece = sentence[s:e]
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
