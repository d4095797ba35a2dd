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
from dataclasses import dataclass

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


def suspect_flags(text: str) -> list[bool]:
    """Per char: its GBK bytes re-decode as UTF-8, and it is rare or what they decode to is common."""
    owner: list[int] = []
    data = bytearray()
    for i, ch in enumerate(text):
        try:
            encoded = ch.encode("gbk") if ord(ch) > 0x7F else b"\x00"
        except UnicodeEncodeError:
            encoded = b"\x00"  # breaks any UTF-8 sequence
        data += encoded
        owner.extend([i] * len(encoded))
    total = [0] * len(text)
    valid = [0] * len(text)  # bytes inside well-formed multi-byte UTF-8 sequences
    meaningful = [0] * len(text)  # … that decode to a common character
    for i in owner:
        total[i] += 1
    pos, n = 0, len(data)
    while pos < n:
        lead = data[pos]
        length = (
            2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4 if 0xF0 <= lead <= 0xF4 else 0
        )
        try:
            decoded = (
                bytes(data[pos : pos + length]).decode("utf-8") if length and pos + length <= n else None
            )
        except UnicodeDecodeError:
            decoded = None
        if decoded is None:
            pos += 1
            continue
        for q in range(pos, pos + length):
            valid[owner[q]] += 1
            meaningful[owner[q]] += _is_common(decoded)
        pos += length
    return [
        ord(ch) > 0x7F
        and ch not in _CJK_PUNCT
        and 0 < total[i] == valid[i]
        and (meaningful[i] > 0 or not _is_common(ch))
        for i, ch in enumerate(text)
    ]


def find_mojibake(text: str, config: MojibakeConfig | None = None) -> list[tuple[int, int]]:
    """Sorted, non-overlapping [start, end) ranges of `text` that are mojibake.

    Lines are judged one by one (a run never spans a line break): a line whose
    suspects reach `line_share` of its visible chars goes whole, with its line
    break; otherwise only dense windows go, widened over adjacent rare symbols.
    """
    config = config or MojibakeConfig()
    found: list[tuple[int, int]] = []
    for match in re.finditer(r"[^\n]+\n?", text):
        line = match.group().rstrip("\n")
        flags = suspect_flags(line)
        visible = sum(1 for ch in line if not ch.isspace())
        if sum(flags) >= config.min_line_suspects and sum(flags) >= config.line_share * visible:
            found.append(match.span())
            continue
        found.extend((match.start() + lo, match.start() + hi) for lo, hi in _dense_runs(line, flags, config))
    return found


def _dense_runs(line: str, flags: list[bool], config: MojibakeConfig) -> list[tuple[int, int]]:
    need = max(2, round(config.window * config.min_share))
    prefix = [0]
    for flag in flags:
        prefix.append(prefix[-1] + flag)
    runs: list[tuple[int, int]] = []
    for start in range(0, max(1, len(line) - config.window + 1)):
        stop = min(len(line), start + config.window)
        if prefix[stop] - prefix[start] >= need:
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
