"""Mention-replacement augmentation: program names swapped between training sentences.

A tagger that has seen 临时救助 only after 发放 learns the context, not the name.
Each augmented copy of a sentence replaces every PROGRAM mention with another
name drawn from the training data's own programs (never from held-out documents:
the names come from the sentences being augmented) and, when given, from extra names
(`--augment_names annotation/extra`: programs of sentences the project wrote, used only
as names, never as training sentences), keeping the sentence's figures,
units and links. With `novel` > 0 that share of the swapped names are new ones, one or two common
nouns of jieba's dictionary (MIT, in the wheel): real reports count one-off objects (职工259人,
专用车辆1车) that no name list holds, and a tagger that met only known names learns the names, not
the place a program stands in; offsets after a replaced mention shift by the length difference.
Copies carry the id `ORIGINAL~augK` and the original's meta, so splits by document
still hold.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from annotation.schema import PROGRAM, Example, Span


def program_names(examples: Sequence[Example]) -> list[str]:
    """Distinct PROGRAM strings of `examples`, in first-seen order."""
    return list(dict.fromkeys(e.span_text(s) for e in examples for s in e.spans if s.label == PROGRAM))


#: jieba dictionary entries that make novel names: common (frequency ≥ NOVEL_MIN_FREQ) nouns and verbal nouns
#: of 2–4 Chinese characters.
NOVEL_TAGS = frozenset({"n", "vn", "nz"})
NOVEL_MIN_FREQ = 300


@lru_cache(maxsize=1)
def novel_words() -> tuple[str, ...]:
    """The jieba dictionary words novel names are made of (about 6,000), in dictionary order."""
    import jieba

    words = []
    with (Path(jieba.__file__).parent / "dict.txt").open(encoding="utf-8") as fh:
        for line in fh:
            word, freq, tag = line.split()
            if (tag in NOVEL_TAGS and 2 <= len(word) <= 4 and int(freq) >= NOVEL_MIN_FREQ
                    and all("\u4e00" <= ch <= "\u9fff" for ch in word)):
                words.append(word)
    return tuple(words)


def novel_name(rng: random.Random) -> str:
    """One or two (even odds) common nouns: 车辆, 职工宿舍 — a name the training data need not hold."""
    words = novel_words()
    return rng.choice(words) + (rng.choice(words) if rng.random() < 0.5 else "")


def replace_programs(example: Example, names: Sequence[str] | Callable[[], str], rng: random.Random,
                     suffix: str) -> Example | None:
    """A copy of `example` with each PROGRAM span's text replaced by a random name (`names`, or a callable
    that draws one); None without programs."""
    if not any(s.label == PROGRAM for s in example.spans):
        return None
    pieces, spans, shift, pos = [], [], 0, 0
    for s in sorted(example.spans):
        if s.start < pos:  # overlapping spans: leave this sentence alone
            return None
        if s.label != PROGRAM:
            new = example.span_text(s)
        else:
            new = names() if callable(names) else rng.choice(names)
        pieces += [example.text[pos:s.start], new]
        start = s.start + shift
        spans.append(Span(start, start + len(new), s.label, s.id, s.score))
        shift += len(new) - (s.end - s.start)
        pos = s.end
    pieces.append(example.text[pos:])
    return Example(f"{example.id}~{suffix}", "".join(pieces), spans, list(example.relations), dict(example.meta))


def augment(examples: Sequence[Example], copies: int, seed: int = 42, extra_names: Sequence[str] = (),
            novel: float = 0.0) -> list[Example]:
    """`copies` program-swapped copies of every example that has a PROGRAM (the originals not included);
    names are drawn from the examples' programs and `extra_names`, or with probability `novel` made new
    (`novel_name`)."""
    if copies <= 0:
        return []
    if not 0.0 <= novel <= 1.0:
        raise ValueError(f"augment_novel must be between 0 and 1, not {novel}")
    names = list(dict.fromkeys([*program_names(examples), *extra_names]))
    rng = random.Random(seed)

    def draw() -> str:
        return novel_name(rng) if novel and rng.random() < novel else rng.choice(names)

    out = []
    for k in range(copies):
        for example in examples:
            copy = replace_programs(example, draw, rng, f"aug{k + 1}")
            if copy is not None:
                out.append(copy)
    return out
