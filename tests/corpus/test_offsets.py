"""OffsetMap and EditBuilder: edits, both directions, composition."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.offsets import EditBuilder, OffsetMap


def test_replacements_and_deletions_map_back() -> None:
    original = "ab&amp;c㈠d  e"
    builder = EditBuilder(original)
    builder.replace(2, 7, "&")  # n → 1
    builder.replace(8, 9, "(一)")  # 1 → n
    builder.delete(10, 12)  # deletion
    clean, offsets = builder.build()
    assert clean == "ab&c(一)de"
    assert offsets.to_original(2, 3) == (2, 7)
    assert offsets.to_original(5, 6) == (8, 9)  # one char of a 1→n replacement → its whole source
    assert offsets.to_original(4, 7) == (8, 9)
    assert offsets.to_original(7, 8) == (9, 10)  # "d": the deleted spaces after it are not included
    assert offsets.to_original(7, 9) == (9, 13)
    assert offsets.to_clean(2, 7) == (2, 3)
    assert offsets.to_clean(3, 4) == (2, 3)  # part of an entity → the char it became
    assert offsets.to_clean(10, 12) == (8, 8)  # entirely deleted → empty span where it was
    assert offsets.to_clean(0, len(original)) == (0, len(clean))
    assert builder.changed == 5 + 1 + 2


def test_overlapping_edits_are_rejected() -> None:
    builder = EditBuilder("abcdef")
    builder.delete(1, 4)
    builder.replace(3, 5, "x")
    with pytest.raises(ValueError, match="overlapping"):
        builder.build()


def test_out_of_range_spans_raise() -> None:
    offsets = OffsetMap.identity(3)
    with pytest.raises(IndexError):
        offsets.to_original(2, 5)
    with pytest.raises(IndexError):
        offsets.to_clean(-1, 2)


def test_compose_chains_two_steps() -> None:
    first = EditBuilder("A  B&lt;C")
    first.delete(1, 3)
    first.replace(4, 8, "<")
    text1, map1 = first.build()
    assert text1 == "AB<C"
    second = EditBuilder(text1)
    second.replace(2, 3, "《")
    second.delete(0, 1)
    text2, map2 = second.build()
    composed = map1.compose(map2)
    assert text2 == "B《C"
    assert composed.to_original(1, 2) == (4, 8)
    assert composed.to_original(0, 3) == (3, 9)
    with pytest.raises(ValueError):
        map2.compose(map1)


# --- properties -------------------------------------------------------------------------------------

ALPHABET = "民政低保城乡发放万元户人12345.ab ,。\n"


@st.composite
def edited_texts(draw):
    """A text plus random non-overlapping edits (keep / replace 1→n, n→1 / delete)."""
    text = draw(st.text(alphabet=ALPHABET, min_size=0, max_size=60))
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=12))))
    builder = EditBuilder(text)
    for start, end in zip(cuts, cuts[1:], strict=False):
        kind = draw(st.sampled_from(["keep", "replace", "delete"]))
        if kind == "replace":
            builder.replace(start, end, draw(st.text(alphabet="XYZ", min_size=1, max_size=3)))
        elif kind == "delete":
            builder.delete(start, end)
    return text, builder


@settings(deadline=None)  # timings on a loaded CI machine are not what this tests
@given(edited_texts())
def test_every_clean_char_maps_to_what_it_replaced(case) -> None:
    text, builder = case
    edits = {(s, e): new for s, e, new in builder._edits}
    clean, offsets = builder.build()
    assert len(offsets) == len(clean) and offsets.orig_len == len(text)
    for i, ch in enumerate(clean):
        start, end = offsets.to_original(i, i + 1)
        if (start, end) in edits:
            assert ch in edits[(start, end)]
        else:
            assert end == start + 1 and text[start] == ch
    # monotone and round trip clean → original → clean covers the span
    assert list(offsets.starts) == sorted(offsets.starts)
    for i in range(len(clean)):
        lo, hi = offsets.to_clean(*offsets.to_original(i, i + 1))
        assert lo <= i < hi


@settings(deadline=None)
@given(edited_texts(), edited_texts())
def test_composition_equals_stepwise_mapping(case1, case2) -> None:
    text, builder = case1
    clean1, map1 = builder.build()
    second = EditBuilder(clean1)
    _, other = case2
    for start, end, new in other._edits:  # reuse the second case's edit positions where they fit
        if end <= len(clean1):
            second.replace(start, end, new)
    clean2, map2 = second.build()
    composed = map1.compose(map2)
    for i in range(len(clean2)):
        a0, a1 = map2.to_original(i, i + 1)
        assert composed.to_original(i, i + 1) == map1.to_original(a0, a1)
