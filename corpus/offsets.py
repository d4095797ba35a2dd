"""Exact offsets between a cleaned text and the original document text.

Design: an `OffsetMap` stores, for every character of the clean text, the
half-open range ``[start, end)`` of original characters it came from.

* a kept character maps to its own one-character range;
* an n→1 replacement (``&amp;`` → ``&``) maps the new character to all n sources;
* a 1→n replacement (``㈠`` → ``(一)``) maps every new character to the same source;
* deleted material simply has no clean character pointing at it.

The ranges are non-decreasing, which makes both directions a bisection, and two
maps compose (cleaning step after cleaning step) into one map from the final
clean text straight to the original.  Plain lists are fast enough: a 20k-char
report is a few milliseconds per step.

Cleaning steps never build maps by hand; they describe their edits to an
`EditBuilder` (replace / delete source ranges, everything else is kept) and
get back the new text plus the map for that step.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass


@dataclass(frozen=True)
class OffsetMap:
    """For clean char i: original source ``[starts[i], ends[i])``; `orig_len` is the original length."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    orig_len: int

    @classmethod
    def identity(cls, length: int) -> OffsetMap:
        return cls(tuple(range(length)), tuple(range(1, length + 1)), length)

    def __len__(self) -> int:
        return len(self.starts)

    def to_original(self, clean_start: int, clean_end: int) -> tuple[int, int]:
        """The original stretch a clean span came from.

        It starts at the source of the first included char and ends at the end of
        the source of the last one, so deleted material after the span is never
        included.  An empty span maps to the empty range after its preceding char.
        """
        n = len(self.starts)
        if not 0 <= clean_start <= clean_end <= n:
            raise IndexError(f"clean span [{clean_start}, {clean_end}) outside [0, {n}]")
        if clean_start == clean_end:
            pos = self.ends[clean_start - 1] if clean_start > 0 else (self.starts[0] if n else 0)
            return pos, pos
        return self.starts[clean_start], self.ends[clean_end - 1]

    def to_clean(self, orig_start: int, orig_end: int) -> tuple[int, int]:
        """The clean span made of every clean char whose source overlaps the original range.

        An original range that was entirely deleted maps to the empty clean span
        where it used to be.
        """
        if not 0 <= orig_start <= orig_end <= self.orig_len:
            raise IndexError(f"original span [{orig_start}, {orig_end}) outside [0, {self.orig_len}]")
        first = bisect_right(self.ends, orig_start)  # first char whose source ends after orig_start
        if orig_start == orig_end:
            return first, first
        last = bisect_left(self.starts, orig_end)  # chars before this start before orig_end
        return (first, last) if last > first else (first, first)

    def compose(self, later: OffsetMap) -> OffsetMap:
        """Chain maps: `self` maps text A to the original, `later` maps text B to A.

        The result maps B straight to the original.
        """
        if later.orig_len != len(self):
            raise ValueError(
                f"cannot compose: later map expects {later.orig_len} chars, this has {len(self)}"
            )
        starts: list[int] = []
        ends: list[int] = []
        for a0, a1 in zip(later.starts, later.ends, strict=True):
            s, e = self.to_original(a0, a1)
            starts.append(s)
            ends.append(e)
        return OffsetMap(tuple(starts), tuple(ends), self.orig_len)


class EditBuilder:
    """Collects the edits one cleaning step makes to `text`; `build()` applies them.

    Edits are non-overlapping source ranges, given in any order; everything not
    edited is kept one to one.  Each edit also counts towards `changed`, the
    number of source chars the step removed or replaced (its summary statistic).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._edits: list[tuple[int, int, str]] = []

    def replace(self, start: int, end: int, new_text: str) -> None:
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad source range [{start}, {end}) for a text of {len(self.text)} chars")
        if self.text[start:end] != new_text:
            self._edits.append((start, end, new_text))

    def delete(self, start: int, end: int) -> None:
        if start != end:
            self.replace(start, end, "")

    @property
    def changed(self) -> int:
        return sum(end - start for start, end, _ in self._edits)

    def build(self) -> tuple[str, OffsetMap]:
        pieces: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        cursor = 0
        for start, end, new in sorted(self._edits):
            if start < cursor:
                raise ValueError(f"overlapping edits at source offset {start}")
            pieces.append(self.text[cursor:start])
            starts.extend(range(cursor, start))
            ends.extend(range(cursor + 1, start + 1))
            pieces.append(new)
            starts.extend([start] * len(new))
            ends.extend([end] * len(new))
            cursor = end
        pieces.append(self.text[cursor:])
        starts.extend(range(cursor, len(self.text)))
        ends.extend(range(cursor + 1, len(self.text) + 1))
        return "".join(pieces), OffsetMap(tuple(starts), tuple(ends), len(self.text))
