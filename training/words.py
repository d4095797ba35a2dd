"""Word boundaries for decoding: jieba's segmentation (MIT, dictionary in the wheel), adjusted to the guidelines.

A PROGRAM that starts or ends inside a word (临时救 for 临时救助) is never what
an annotator meant; constrained decoding (training/constraints.py) forbids it.
jieba joins a few suffixes that the guidelines keep outside a program — the 金 of
救助金 and 低保金, the 率 of 供养率, a measure word glued to the next word
(个村) — so those edges are added back as boundaries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache

#: A word ending in one of these has a boundary before it (救助金 → 救助|金, 供养率 → 供养|率).
SPLIT_SUFFIXES = frozenset("金率款费")
#: A word starting with one of these right after a numeral has a boundary after it (3个村居委会 → 个|村居委会).
#: Only after a numeral: elsewhere the word is a word (集中供养人数 is 集中供养|人数, never 集中供养人|数).
SPLIT_PREFIXES = frozenset("个名所家户人座张台项处")
NUMERALS = frozenset("0123456789０１２３４５６７８９零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def word_boundaries(text: str, before: str = "") -> frozenset[int]:
    """Character offsets where a word starts or ends (0 and len(text) included); `before` is the character
    in front of `text` when it is a piece of a longer one (the measure-word rule looks one character back)."""
    out = {0, len(text)}
    for word, start, end in _jieba().tokenize(text):
        out.add(start)
        out.add(end)
        if len(word) > 1 and word[-1] in SPLIT_SUFFIXES:
            out.add(end - 1)
        if len(word) > 1 and word[0] in SPLIT_PREFIXES and (text[start - 1] if start else before) in NUMERALS:
            out.add(start + 1)
    return frozenset(out)


def tagged_words(text: str) -> list[tuple[str, str]]:
    """(word, part-of-speech flag) pairs covering `text`, from jieba.posseg (its own segmentation)."""
    _jieba()
    import jieba.posseg

    return [(pair.word, pair.flag) for pair in jieba.posseg.cut(text)]


@lru_cache(maxsize=4096)
def _block_boundaries(block: str, before: str) -> frozenset[int]:
    return word_boundaries(block, before)


def boundaries_at(text: str, positions: Iterable[int]) -> dict[int, bool]:
    """Whether each position is in word_boundaries(text) — segmenting only the runs of Chinese characters
    (jieba's blocks) that hold one of the positions inside them.

    jieba cuts a text into blocks (its `re_han_default` runs) and each block on its own, so a block's
    words do not depend on the rest of the text; outside blocks every character is a word (a CR LF pair
    one). A decoder that asks about two edges of one program segments one clause, not the sentence."""
    jieba = _jieba()
    blocks = [(m.start(), m.end()) for m in jieba.re_han_default.finditer(text)]
    out = {}
    for p in set(positions):
        block = next(((lo, hi) for lo, hi in blocks if lo < p < hi), None)
        if block is None:
            out[p] = text[p - 1 : p + 1] != "\r\n" if 0 < p < len(text) else True
        else:
            lo, hi = block
            out[p] = p - lo in _block_boundaries(text[lo:hi], text[lo - 1] if lo else "")
    return out
