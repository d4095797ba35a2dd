"""inference.evaluate.figure_value: a figure span (with the UNIT span right after it) as exact numbers."""

from decimal import Decimal

import pytest

from annotation.schema import Example, Span
from inference.evaluate import figure_value


def example(text: str, *marked: tuple[str, str]) -> Example:
    """Spans for (substring, label), each searched after the previous one."""
    spans, pos = [], 0
    for n, (sub, label) in enumerate(marked):
        start = text.index(sub, pos)
        spans.append(Span(start, start + len(sub), label, f"s{n}"))
        pos = start + len(sub)
    return Example("x", text, spans)


def value_of(text: str, *marked: tuple[str, str]):
    ex = example(text, *marked)
    return figure_value(ex, ex.spans[0])


def test_wan_in_the_figure_and_yuan_as_unit():
    got = value_of("发放资金27.482万元", ("27.482万", "AMOUNT"), ("元", "UNIT"))
    assert got == (Decimal("274820"), Decimal("274820"), Decimal("274820"), "元")
    assert all(isinstance(v, Decimal) for v in got[:3])
    assert str(got[0]) == "274820"  # canonical: no exponent, no trailing decimals


def test_wan_in_the_unit_is_applied_to_the_value():
    got = value_of("发放资金27.482万元", ("27.482", "AMOUNT"), ("万元", "UNIT"))
    assert got == (Decimal("274820"), Decimal("274820"), Decimal("274820"), "元")


def test_yi_and_fractional_amounts_are_exact():
    assert value_of("投入16.4亿元", ("16.4亿", "AMOUNT"), ("元", "UNIT"))[0] == Decimal("1640000000")
    got = value_of("人均0.35元", ("0.35", "AMOUNT"), ("元", "UNIT"))
    assert got[0] == Decimal("0.35") and str(got[0]) == "0.35"


def test_count_with_its_measure_word():
    assert value_of("城乡低保对象5,126户", ("5,126", "COUNT"), ("户", "UNIT")) == (
        Decimal(5126), Decimal(5126), Decimal(5126), "户")


def test_chinese_numerals():
    assert value_of("救助十九万四千二百人", ("十九万四千二百", "COUNT"), ("人", "UNIT"))[0] == Decimal(194200)


def test_rate_unit_is_normalised():
    got = value_of("提高到每人每月650元/人.月", ("650", "AMOUNT"), ("元/人.月", "UNIT"))
    assert got == (Decimal(650), Decimal(650), Decimal(650), "元/人·月")


def test_percent_has_unit_percent_without_a_unit_span():
    assert value_of("覆盖率53.5%", ("53.5%", "PERCENT")) == (Decimal("53.5"), Decimal("53.5"), Decimal("53.5"), "%")
    assert value_of("占百分之五十", ("百分之五十", "PERCENT"))[0] == Decimal(50)


def test_a_range_in_one_span_has_no_single_value():
    assert value_of("补助200-600元", ("200-600", "AMOUNT"), ("元", "UNIT")) == (
        None, Decimal(200), Decimal(600), "元")
    # the magnitude on the high end applies to the low end too
    assert value_of("1-2万元", ("1-2万", "AMOUNT"), ("元", "UNIT"))[1:3] == (Decimal(10000), Decimal(20000))


def test_only_the_unit_span_right_after_the_figure_counts():
    ex = example("发放27.482万 元", ("27.482万", "AMOUNT"), ("元", "UNIT"))  # a space between
    assert figure_value(ex, ex.spans[0]) == (Decimal(274820), Decimal(274820), Decimal(274820), None)
    # another figure's unit elsewhere in the sentence is not this figure's
    ex = example("3万，补贴200元", ("3万", "AMOUNT"), ("200", "AMOUNT"), ("元", "UNIT"))
    assert figure_value(ex, ex.spans[0])[3] is None
    assert figure_value(ex, ex.spans[1]) == (Decimal(200), Decimal(200), Decimal(200), "元")


def test_approximate_figures_keep_the_lower_bound():
    assert value_of("救助300余人", ("300余", "COUNT"), ("人", "UNIT"))[0] == Decimal(300)
    assert value_of("近3000多万元", ("3000多万", "AMOUNT"), ("元", "UNIT"))[0] == Decimal(30000000)


@pytest.mark.parametrize("text, figure, label", [
    ("三五人", "三五", "COUNT"),          # two digits side by side: three or five
    ("上万人", "上万", "COUNT"),          # a word, not a number
    ("万元", "万", "AMOUNT"),            # a magnitude with no digits
    ("资金ABC元", "ABC", "AMOUNT"),       # not a number at all
    ("600-200元", "600-200", "AMOUNT"),  # the low end above the high end
    ("1-2-3元", "1-2-3", "AMOUNT"),      # not one range
    ("城乡低保", "城乡低保", "PROGRAM"),     # not a figure label
])
def test_unparsable_figures_are_none(text, figure, label):
    assert value_of(text, (figure, label)) is None


def test_a_figure_too_long_to_keep_exactly_after_scaling_is_none():
    digits = "1" * 58  # parses exactly; ×10^12 (万亿元) needs 70 digits
    assert value_of(f"发放{digits}万亿元", (digits, "AMOUNT"), ("万亿元", "UNIT")) is None
