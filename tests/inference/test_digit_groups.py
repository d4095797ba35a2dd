"""Figures with spaces between digit groups: 27 482元 is 27482 元, never 482 元."""

from pathlib import Path

import pytest

from annotation.schema import Example, Relation, Span
from corpus.readers import read_document
from inference.digit_groups import join_digit_groups
from inference.normalize import NormalizationError, normalize_figure, parse_number

SPACED = Path(__file__).resolve().parents[1] / "fixtures" / "bad_inputs" / "spaced_digits.txt"


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u2009", "\u202f", "\u2007"],
                         ids=["space", "no-break", "thin", "narrow-no-break", "figure"])
def test_a_space_between_digit_groups_is_a_thousands_separator(space):
    assert normalize_figure(f"27{space}482", "AMOUNT", unit="元").value == 27482
    assert parse_number(f"1{space}234{space}567.5") == parse_number("1234567.5")


@pytest.mark.parametrize("text", ["12 34", "27 4820", "1234 567", "5 3"])
def test_spaces_that_do_not_separate_groups_of_three_are_refused(text):
    with pytest.raises(NormalizationError, match="groups of three digits"):
        parse_number(text)


def test_figure_span_is_widened_over_its_digit_groups_and_links_move_with_it():
    text = "发放临时救助金27\u00a0482元。"
    example = Example("s", text, [Span(2, 6, "PROGRAM", "p"), Span(7, 9, "COUNT", "c"),
                                  Span(10, 13, "AMOUNT", "a"), Span(13, 14, "UNIT", "u")], [Relation("p", "c")])
    joined = join_digit_groups(example)
    figure = next(s for s in joined.spans if s.label == "AMOUNT")
    assert joined.span_text(figure) == "27\u00a0482"  # the label of the group next to the unit
    assert [s.id for s in joined.spans] == ["p", "a", "u"]
    assert joined.relations == [Relation("p", "a")]  # the link of the swallowed "27" is kept


@pytest.mark.parametrize("text, figure", [("2019 123人", "123"), ("共计1 2345人", "2345"), ("3.5 000", "000")])
def test_what_is_not_digit_grouping_is_left_alone(text, figure):
    start = text.index(figure)
    example = Example("s", text, [Span(start, start + len(figure), "COUNT", "c")])
    assert join_digit_groups(example) is example


def test_extractor_reads_the_whole_number(extractor):
    raw = read_document(SPACED)
    (doc,) = extractor.pipe([raw])
    by_value = {f.value: f for f in doc.facts}
    assert {"5126", "8731", "27482", "1234"} <= set(by_value), [(f.figure, f.value) for f in doc.facts]
    assert by_value["27482"].figure == "27\u2009482" and by_value["27482"].unit == "元"
    assert by_value["5126"].figure == "5\u202f126"
    for f in doc.facts:  # the offsets still point into the original, spaces included
        assert raw.text[f.figure_start : f.figure_end] == f.figure
    assert not any(f.value in {"482", "126", "731", "234"} for f in doc.facts)
