"""Find runs of mojibake: UTF-8 bytes that were decoded as GBK (鍛娾拻濞达絿鐡旈…).

Such a run has a fingerprint that normal text, simplified or traditional, lacks:

1. encode it back to GBK and the bytes are valid UTF-8 again (each char's bytes sit
   inside well-formed multi-byte UTF-8 sequences), and
2. either the characters are rare (outside GB2312 level 1 and Big5 level 1, the
   common 3–5 thousand characters every report is written in), or the UTF-8 they
   re-decode to is common Chinese (the text before it was garbled).

A character with both properties is *suspect*.  In the four reports normal text has
at most 2 suspects in any 8 chars (chance UTF-8 shapes); 001's tail has 72 %.  A window of `window` chars with at
least `min_share` suspects is mojibake; overlapping windows merge into runs, and a
line that is mostly mojibake goes entirely (its leftovers are mojibake too:
ASCII-looking letters, `€`, common chars that happen to appear).
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from corpus.readers import _is_common

_CJK_PUNCT = set("。，、；：？！“”‘’《》（）【】「」『』〔〕—…·")


@dataclass(frozen=True)
class MojibakeConfig:
    window: int = 8
    min_share: float = 0.5
    #: A line with at least this share of suspects among its non-space chars goes whole …
    line_share: float = 0.3
    #: … provided it has at least this many suspects.
    min_line_suspects: int = 4


#: A well-formed multi-byte UTF-8 sequence (what `bytes.decode("utf-8")` accepts, surrogates excluded).
_UTF8_SEQUENCE = re.compile(
    rb"[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}"
    rb"|\xED[\x80-\x9F][\x80-\xBF]|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}"
    rb"|\xF4[\x80-\x8F][\x80-\xBF]{2}"
)
_SPACE_RUNS = re.compile(r"\s+")


@lru_cache(maxsize=1 << 16)
def _gbk(ch: str) -> bytes:
    """The char's GBK bytes; ASCII and unencodable chars → one NUL, which breaks any UTF-8 sequence."""
    if ord(ch) <= 0x7F:
        return b"\x00"
    try:
        return ch.encode("gbk")
    except UnicodeEncodeError:
        return b"\x00"


@lru_cache(maxsize=1 << 16)
def _kind(ch: str) -> int:
    """1: could be mojibake (non-ASCII, not CJK punctuation); 2: … and common; 0: neither."""
    if ord(ch) <= 0x7F or ch in _CJK_PUNCT:
        return 0
    return 2 if _is_common(ch) else 1


@lru_cache(maxsize=1 << 16)
def _decodes_common(sequence: bytes) -> bool:
    return _is_common(sequence.decode("utf-8"))


#: Chars judged at a time, and the context on each side: a UTF-8 sequence spans at most 4 bytes,
#: and a greedy scan started a few bytes early is back in step within one sequence (continuation
#: bytes never start one), so blocks with this margin give exactly the whole-text flags.
_BLOCK, _MARGIN = 1 << 16, 4


def suspect_flags(text: str) -> np.ndarray:
    """Per char (a bool array): its GBK bytes re-decode as UTF-8, and it is rare or what they
    decode to is common.  Block by block, a few bytes a char: a report can be one 20 MB line."""
    flags = np.zeros(len(text), dtype=bool)
    if text.isascii():
        return flags
    for lo in range(0, len(text), _BLOCK):
        hi = min(len(text), lo + _BLOCK)
        left = max(0, lo - _MARGIN)
        block = _block_flags(text[left : hi + _MARGIN])
        flags[lo:hi] = block[lo - left : lo - left + hi - lo]
    return flags


def _block_flags(text: str) -> np.ndarray:
    n = len(text)
    # Joined in slices: bytes.join keeps an 80-byte buffer record per item while it works.
    data = b"".join(b"".join(map(_gbk, text[i : i + 8192])) for i in range(0, n, 8192))
    lengths = np.fromiter(map(len, map(_gbk, text)), dtype=np.int8, count=n)
    # Greedy left-to-right scan, as a decoder would: each well-formed sequence, else skip one byte.
    seq_start, seq_end, seq_common = array("q"), array("q"), array("q")
    for match in _UTF8_SEQUENCE.finditer(data):
        seq_start.append(match.start())
        seq_end.append(match.end())
        seq_common.append(_decodes_common(match.group()))
    char_starts = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1], out=char_starts[1:])
    valid = _per_char(len(data), seq_start, seq_end, None, char_starts)
    meaningful = _per_char(len(data), seq_start, seq_end, seq_common, char_starts)
    kind = np.fromiter(map(_kind, text), dtype=np.int8, count=n)
    return (kind > 0) & (valid == lengths) & ((meaningful > 0) | (kind == 1))


def _per_char(n_bytes: int, starts: array, ends: array, weights: array | None, char_starts: np.ndarray) -> np.ndarray:
    """Per char: how many of its bytes lie in a [start, end) sequence (with a non-zero weight)."""
    begin, stop = np.frombuffer(starts, dtype=np.int64), np.frombuffer(ends, dtype=np.int64)
    if weights is not None:
        keep = np.frombuffer(weights, dtype=np.int64) != 0
        begin, stop = begin[keep], stop[keep]
    marks = np.zeros(n_bytes + 1, dtype=np.int32)
    np.add.at(marks, begin, 1)
    np.add.at(marks, stop, -1)
    np.cumsum(marks, out=marks)
    return np.add.reduceat(marks[:-1], char_starts)


def find_mojibake(text: str, config: MojibakeConfig | None = None) -> list[tuple[int, int]]:
    """Sorted, non-overlapping [start, end) ranges of `text` that are mojibake.

    Lines are judged one by one (a run never spans a line break): a line whose
    suspects reach `line_share` of its visible chars goes whole, with its line
    break; otherwise only dense windows go, widened over adjacent rare symbols.
    """
    config = config or MojibakeConfig()
    found: list[tuple[int, int]] = []
    # Flagged once for the whole text, then read line by line: no UTF-8 sequence contains a line break
    # (0x0A), so the scan is in step at every line start and a line's flags are those it has alone.
    every = suspect_flags(text)
    if not every.any():
        return found
    for match in re.finditer(r"[^\n]+\n?", text):
        line = match.group().rstrip("\n")
        flags = every[match.start() : match.start() + len(line)]
        suspects = int(flags.sum())
        if not suspects:
            continue
        visible = len(line) - sum(len(run) for run in _SPACE_RUNS.findall(line))
        if suspects >= config.min_line_suspects and suspects >= config.line_share * visible:
            found.append(match.span())
            continue
        found.extend((match.start() + lo, match.start() + hi) for lo, hi in _dense_runs(line, flags, config))
    return found


def _dense_runs(line: str, flags: np.ndarray, config: MojibakeConfig) -> list[tuple[int, int]]:
    need = max(2, round(config.window * config.min_share))
    n = len(line)
    if int(flags.sum()) < need:
        return []
    prefix = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(flags, out=prefix[1:])
    width = min(config.window, n)  # a line shorter than a window is one window
    dense = np.flatnonzero(prefix[width:] - prefix[: n - width + 1] >= need)
    runs: list[tuple[int, int]] = []
    for start in dense.tolist():
        stop = min(n, start + config.window)
        suspects = [i for i in range(start, stop) if flags[i]]
        lo, hi = suspects[0], suspects[-1] + 1  # trim to suspects: never eat normal neighbours
        while lo > 0 and _rare_symbol(line[lo - 1]):
            lo -= 1
        while hi < len(line) and _rare_symbol(line[hi]):
            hi += 1
        if runs and lo <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], hi))
        else:
            runs.append((lo, hi))
    return runs


def _rare_symbol(ch: str) -> bool:
    return ord(ch) > 0x7F and not ch.isspace() and ch not in _CJK_PUNCT and not _is_common(ch)
