"""Exact offsets between a cleaned text and the original document text.

Design: an `OffsetMap` stores, for every character of the clean text, the
half-open range ``[start, end)`` of original characters it came from.

* a kept character maps to its own one-character range;
* an n→1 replacement (``&amp;`` → ``&``) maps the new character to all n sources;
* a 1→n replacement (``㈠`` → ``(一)``) maps every new character to the same source;
* deleted material simply has no clean character pointing at it.

The ranges are non-decreasing, which makes both directions a bisection, and two
maps compose (cleaning step after cleaning step) into one map from the final
clean text straight to the original.  The ranges are numpy int arrays (8 bytes a
clean char for both, int32), not tuples of Python ints (~70 bytes a char): a 20 MB
report must clean in bounded memory, and composing is one vectorised gather.

Cleaning steps never build maps by hand; they describe their edits to an
`EditBuilder` (replace / delete source ranges, everything else is kept) and
get back the new text plus the map for that step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _index_dtype(length: int) -> type:
    return np.int32 if length < 2**31 - 1 else np.int64


@dataclass(frozen=True, eq=False)
class OffsetMap:
    """For clean char i: original source ``[starts[i], ends[i])``; `orig_len` is the original length.

    `starts`/`ends` are read-only numpy arrays; sequences given to the constructor are converted.
    """

    starts: np.ndarray
    ends: np.ndarray
    orig_len: int

    def __post_init__(self) -> None:
        dtype = _index_dtype(self.orig_len)
        for name in ("starts", "ends"):
            array = np.asarray(getattr(self, name), dtype=dtype)
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        if self.starts.shape != self.ends.shape:
            raise ValueError(f"starts and ends differ in length ({len(self.starts)} vs {len(self.ends)})")

    @classmethod
    def identity(cls, length: int) -> OffsetMap:
        dtype = _index_dtype(length)
        return cls(np.arange(length, dtype=dtype), np.arange(1, length + 1, dtype=dtype), length)

    def __len__(self) -> int:
        return len(self.starts)

    def __repr__(self) -> str:
        return f"OffsetMap({len(self)} clean chars → {self.orig_len} original chars)"

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
            pos = int(self.ends[clean_start - 1]) if clean_start > 0 else (int(self.starts[0]) if n else 0)
            return pos, pos
        return int(self.starts[clean_start]), int(self.ends[clean_end - 1])

    def to_clean(self, orig_start: int, orig_end: int) -> tuple[int, int]:
        """The clean span made of every clean char whose source overlaps the original range.

        An original range that was entirely deleted maps to the empty clean span
        where it used to be.
        """
        if not 0 <= orig_start <= orig_end <= self.orig_len:
            raise IndexError(f"original span [{orig_start}, {orig_end}) outside [0, {self.orig_len}]")
        # first char whose source ends after orig_start
        first = int(np.searchsorted(self.ends, orig_start, side="right"))
        if orig_start == orig_end:
            return first, first
        last = int(np.searchsorted(self.starts, orig_end, side="left"))  # chars before this start before orig_end
        return (first, last) if last > first else (first, first)

    def compose(self, later: OffsetMap) -> OffsetMap:
        """Chain maps: `self` maps text A to the original, `later` maps text B to A.

        The result maps B straight to the original.
        """
        if later.orig_len != len(self):
            raise ValueError(
                f"cannot compose: later map expects {later.orig_len} chars, this has {len(self)}"
            )
        # Every range of `later` is non-empty (EditBuilder never makes an empty one), so
        # to_original(a0, a1) is (starts[a0], ends[a1 - 1]): one gather per array.
        if len(later) and not np.all(later.ends > later.starts):
            raise ValueError("cannot compose: the later map has an empty source range")
        return OffsetMap(self.starts[later.starts], self.ends[later.ends - 1], self.orig_len)


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

    @property
    def deleted(self) -> int:
        """Source chars the step removed outright (net of what replaced them): its deletions."""
        return sum(max(0, (end - start) - len(new)) for start, end, new in self._edits)

    def removed_visible(self) -> int:
        """Non-space source chars that leave the text (replaced by fewer non-space chars)."""
        total = 0
        for start, end, new in self._edits:
            gone = sum(1 for ch in self.text[start:end] if not ch.isspace())
            total += max(0, gone - sum(1 for ch in new if not ch.isspace()))
        return total

    def build(self) -> tuple[str, OffsetMap]:
        edits = sorted(self._edits)
        n = len(self.text)
        dtype = _index_dtype(n)
        src_start = np.fromiter((e[0] for e in edits), dtype=np.int64, count=len(edits))
        src_end = np.fromiter((e[1] for e in edits), dtype=np.int64, count=len(edits))
        new_len = np.fromiter((len(e[2]) for e in edits), dtype=np.int64, count=len(edits))
        clash = np.flatnonzero(src_start[1:] < src_end[:-1])
        if len(clash):
            raise ValueError(f"overlapping edits at source offset {int(src_start[clash[0] + 1])}")
        pieces: list[str] = []
        cursor = 0
        for start, end, new in edits:
            pieces += [self.text[cursor:start], new]
            cursor = end
        pieces.append(self.text[cursor:])
        clean = "".join(pieces)
        # Vectorised, because one edit a char (width, t2s) is common, and in int32 with few
        # temporaries, because a report can be one 20 MB line.  The clean text is a sequence of
        # segments — kept run 0, edit 0, kept run 1, edit 1, …, kept run E — and each clean char's
        # source is its segment's base plus (in a kept run only) its rank in the segment.
        kept_from = np.concatenate(([0], src_end))
        segments = len(edits) * 2 + 1
        seg_len = np.empty(segments, dtype=np.int64)
        seg_len[0::2] = np.concatenate((src_start, [n])) - kept_from
        seg_len[1::2] = new_len
        seg_start = np.empty(segments, dtype=dtype)
        seg_start[0::2] = kept_from
        seg_start[1::2] = src_start
        seg_end = np.empty(segments, dtype=dtype)
        seg_end[0::2] = kept_from + 1
        seg_end[1::2] = src_end
        seg_kept = np.zeros(segments, dtype=dtype)
        seg_kept[0::2] = 1
        seg_offset = (np.cumsum(seg_len) - seg_len).astype(dtype)
        segment = np.repeat(np.arange(segments, dtype=dtype), seg_len)
        rank = np.arange(len(clean), dtype=dtype)
        rank -= seg_offset[segment]
        rank *= seg_kept[segment]
        starts = seg_start[segment]
        starts += rank
        ends = seg_end[segment]
        ends += rank
        return clean, OffsetMap(starts, ends, n)


