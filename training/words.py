"""Word boundaries for decoding: jieba's segmentation (MIT, dictionary in the wheel), adjusted to the guidelines.

A PROGRAM that starts or ends inside a word (临时救 for 临时救助) is never what
an annotator meant; constrained decoding (training/constraints.py) forbids it.
jieba joins a few suffixes that the guidelines keep outside a program — the 金 of
救助金 and 低保金, the 率 of 供养率, a measure word glued to the next word
(个村) — so those edges are added back as boundaries.
"""

from __future__ import annotations

import logging
from functools import lru_cache

#: A word ending in one of these has a boundary before it (救助金 → 救助|金, 供养率 → 供养|率).
SPLIT_SUFFIXES = frozenset("金率款费")
#: A word starting with one of these after a figure has a boundary after it (个村居委会 → 个|村居委会).
SPLIT_PREFIXES = frozenset("个名所家户人座张台项处")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def word_boundaries(text: str) -> frozenset[int]:
    """Character offsets where a word starts or ends (0 and len(text) included)."""
    out = {0, len(text)}
    for word, start, end in _jieba().tokenize(text):
        out.add(start)
        out.add(end)
        if len(word) > 1 and word[-1] in SPLIT_SUFFIXES:
            out.add(end - 1)
        if len(word) > 1 and word[0] in SPLIT_PREFIXES:
            out.add(start + 1)
    return frozenset(out)
