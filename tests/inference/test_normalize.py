"""Figure normalization: number tables (incl. traps reported against cn2an and Recognizers-Text),
round-trip properties, units, approximation flags, ranges and the JSON form."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotation.schema import AMOUNT, COUNT, PERCENT
from inference.normalize import (
    FigureValue,
    NormalizationError,
    normalize_figure,
    normalize_unit,
    parse_number,
    range_value,
)

NUMBERS = [
    # Arabic, full-width, separators, decimals
    ("5126", "5126"), ("１２３", "123"), ("1,234", "1234"), ("1，234", "1234"), ("12,345,678.5", "12345678.5"),
    ("7449.73", "7449.73"), ("０．５", "0.5"), ("19.42 万", "194200"),
    # Arabic with magnitudes; exactness
    ("1.2万", "12000"), ("19.42万", "194200"), ("27.482万", "274820"), ("2.68亿", "268000000"),
    ("16.4亿", "1640000000"), ("0.0001万", "1"), ("5千", "5000"), ("3.5千万", "35000000"),
    ("1.2万亿", "1200000000000"), ("1,100万", "11000000"), ("1,100.9亿", "110090000000"),
    # approximation suffixes are dropped from the value
    ("300余", "300"), ("3000多万", "30000000"), ("两千多", "2000"), ("十几万", "100000"),
    ("三十万多亿", "30000000000000"), ("百余", "100"), ("万余", "10000"), ("300餘", "300"), ("十幾萬", "100000"),
    # Chinese numerals
    ("十", "10"), ("一十", "10"), ("十五", "15"), ("三十五万", "350000"), ("一千零五", "1005"),
    ("两万零五百", "20500"), ("一万零一", "10001"), ("两千三百万", "23000000"), ("十二亿三千万", "1230000000"),
    ("壹佰贰拾叁", "123"), ("贰仟零伍拾", "2050"), ("廿五", "25"), ("一千〇五", "1005"), ("零", "0"),
    ("三千万亿", "3000000000000000"), ("一万亿", "1000000000000"),
    ("零点五", "0.5"), ("三点一四", "3.14"), ("二十点五", "20.5"), ("三点五万", "35000"), ("零点零五", "0.05"),
    # cn2an issues: 零 before a full place (#78, #85), 一千零十 (#34), colloquial dropped unit (#2, #57)
    ("十万零一千", "101000"), ("一百九十万零三千九百七十一", "1903971"), ("一千零十", "1010"),
    ("一千零十七", "1017"), ("三万五", "35000"), ("两千六", "2600"), ("一百二", "120"), ("13万2", "132000"),
    ("2万5", "25000"), ("十亿3000万", "1030000000"), ("100万两千", "1002000"), ("两千两百二十五", "2225"),
    ("1百23", "123"),
    # Recognizers-Text issues: 万亿 (#2325), 一万五千亿 (#759), mixed forms (#2302), 一万零十二 (#1556)
    ("二十万亿", "20000000000000"), ("三百五十万亿", "350000000000000"), ("一万五千亿", "1500000000000"),
    ("1千零1", "1001"), ("1千零20", "1020"), ("2千零30万", "20300000"), ("3万4000", "34000"),
    ("25万6千", "256000"), ("一万零一十二", "10012"), ("一万零十二", "10012"), ("6千七", "6700"), ("六千7", "6700"),
]


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_parse_number(text, expected):
    value = parse_number(text)
    assert value == Decimal(expected)
    assert str(value) == expected  # canonical: no exponent, no trailing zeros


@pytest.mark.parametrize("text", [
    "", " ", "abc", "1.2.3", "万", "亿", "万亿", "1,2万", "1,2345", "5.", ".5", "点五", "-5",
    "三五",  # "three or five", not 35
    "一七二零",  # digit-by-digit reading is refused (cn2an #14 read it as a float)
    "四万万",  # archaic 4×10^8: magnitudes out of order
    "一千二千", "3万25000", "百分之五十", "53%", "12元",
])
def test_parse_number_rejects(text):
    with pytest.raises(NormalizationError):
        parse_number(text)


def test_error_names_the_text_and_is_a_value_error():
    with pytest.raises(ValueError, match="1.2.3"):
        parse_number("1.2.3")


def test_exact_decimal_not_float():
    assert parse_number("16.4亿") == Decimal("1640000000")
    assert parse_number("0.1万") + parse_number("0.2万") == Decimal("3000")
    assert isinstance(parse_number("三点一四"), Decimal)


# ---- properties -------------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
CN_DIGITS = "零一二三四五六七八九"


def _section(n: int) -> str:
    """1..9999 in standard Chinese, 零 for skipped places (1005 一千零五, 1050 一千零五十)."""
    out, gap = "", False
    for power, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // power % 10
        if digit == 0:
            gap = gap or bool(out)
        else:
            out += ("零" if gap else "") + CN_DIGITS[digit] + unit
            gap = False
    return out


def to_chinese(n: int) -> str:
    """A small independent writer: int -> standard Chinese numerals (十五, 一万零五, 一万五千亿)."""
    def write(n: int) -> str:
        for magnitude, char in ((10**8, "亿"), (10**4, "万")):
            if n >= magnitude:
                high, low = divmod(n, magnitude)
                tail = "" if low == 0 else ("零" if low < magnitude // 10 else "") + write(low)
                return write(high) + char + tail
        return _section(n)

    text = "零" if n == 0 else write(n)
    return text[1:] if text.startswith("一十") else text


@pytest.mark.parametrize(("n", "text"), [(10, "十"), (15, "十五"), (110, "一百一十"), (1005, "一千零五"),
                                         (10_0500, "十万零五百"), (1_0005_0000_0000, "一万零五亿")])
def test_chinese_writer(n, text):
    assert to_chinese(n) == text


@given(st.integers(min_value=0, max_value=10**15))
def test_arabic_round_trip(n):
    assert parse_number(str(n)) == n
    assert parse_number(str(n).translate(FULL_WIDTH)) == n
    assert parse_number(f"{n:,}") == n
    assert parse_number(f"{n:,}".replace(",", "，")) == n
    assert parse_number(f"{n:,}".translate(FULL_WIDTH)) == n


@given(st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_decimal_round_trip(d):
    assert parse_number(format(d, "f")) == d
    assert parse_number(format(d, "f").translate(FULL_WIDTH)) == d
    assert parse_number(format(d, ",f")) == d
    assert parse_number(format(d, "f") + "万") == d * 10**4
    assert parse_number(format(d, "f") + "亿") == d * 10**8


@given(st.integers(min_value=0, max_value=10**12))
def test_chinese_round_trip(n):
    assert parse_number(to_chinese(n)) == n


@given(st.integers(min_value=1, max_value=10**12))
def test_financial_numerals_round_trip(n):
    financial = to_chinese(n).translate(str.maketrans("一二三四五六七八九十百千", "壹贰叁肆伍陆柒捌玖拾佰仟"))
    assert parse_number(financial) == n


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=9))
def test_bare_digit_after_magnitude_is_next_place(n, digit):
    # 13万2 = 13.2万: the colloquial form drops the unit of the last digit (cn2an #2, #57)
    assert parse_number(f"{n}万{digit}") == n * 10**4 + digit * 1000


# ---- units ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("元/人.月", "元/人·月"), ("元/人·月", "元/人·月"), ("元／人•月", "元/人·月"), ("元/人/月", "元/人·月"),
    ("元每人每月", "元/人·月"), ("元 / 人 · 月", "元/人·月"), ("元/（人・月）", "元/人·月"), ("元/人·年", "元/人·年"),
    ("元/月·人", "元/月·人"), ("元/人", "元/人"), ("人次", "人次"), ("名", "名"), ("位", "位"), (" 户 ", "户"),
    ("万元", "万元"), (None, None), ("", None), ("  ", None),
])
def test_normalize_unit(text, expected):
    assert normalize_unit(text) == expected


# ---- figures ----------------------------------------------------------------------------------

def fig(kind, value, unit, approximate=False):
    v = None if value is None else Decimal(value)
    return FigureValue(kind, v, v, v, unit, approximate)


@pytest.mark.parametrize(("args", "kwargs", "expected"), [
    (("5126", COUNT, "户"), {}, fig("count", "5126", "户")),
    (("19.42万", COUNT, "人"), {}, fig("count", "194200", "人")),
    (("4419万", AMOUNT, "元"), {}, fig("amount", "44190000", "元")),
    (("4419", AMOUNT, "万元"), {}, fig("amount", "44190000", "元")),  # magnitude inside the unit
    (("2.68", AMOUNT, "亿元"), {}, fig("amount", "268000000", "元")),
    (("1260", AMOUNT, "元/人.月"), {}, fig("amount", "1260", "元/人·月")),
    (("1.5", AMOUNT, "万元/人·年"), {}, fig("amount", "15000", "元/人·年")),
    (("3", COUNT, "千克"), {}, fig("count", "3", "千克")),  # 千克 is a unit, not 千 × 克
    (("6325", COUNT, None), {}, fig("count", "6325", None)),
    (("53%", PERCENT, None), {}, fig("percent", "53", "%")),
    (("12.5％", PERCENT, None), {}, fig("percent", "12.5", "%")),
    (("百分之五十", PERCENT, None), {}, fig("percent", "50", "%")),
    (("百分之三点五", PERCENT, None), {}, fig("percent", "3.5", "%")),
    (("百分之百", PERCENT, None), {}, fig("percent", "100", "%")),
    # approximation: suffix, words before, words after
    (("300余", COUNT, "人"), {}, fig("count", "300", "人", True)),
    (("3000多万", AMOUNT, "元"), {}, fig("amount", "30000000", "元", True)),
    (("2500", COUNT, "人次"), {"before": "近"}, fig("count", "2500", "人次", True)),
    (("1.4万", AMOUNT, "元"), {"before": "补助约"}, fig("amount", "14000", "元", True)),
    (("100", COUNT, "人"), {"before": "超过"}, fig("count", "100", "人", True)),
    (("100", COUNT, "人"), {"before": "将近"}, fig("count", "100", "人", True)),
    (("100", COUNT, "人"), {"before": "逾"}, fig("count", "100", "人", True)),
    (("300", COUNT, "人"), {"after": "人左右"}, fig("count", "300", "人", True)),
    (("50%", PERCENT, None), {"after": "左右，"}, fig("percent", "50", "%", True)),
    (("2500", COUNT, "人"), {"before": "共计"}, fig("count", "2500", "人")),
    (("2500", COUNT, "人"), {"before": "达到", "after": "人。"}, fig("count", "2500", "人")),
])
def test_normalize_figure(args, kwargs, expected):
    assert normalize_figure(*args, **kwargs) == expected


@pytest.mark.parametrize(("text", "label", "unit", "low", "high"), [
    ("200-600", AMOUNT, "元", "200", "600"),
    ("1000至5000", AMOUNT, "元", "1000", "5000"),
    ("200~600", AMOUNT, "元", "200", "600"),
    ("200～600", AMOUNT, "元", "200", "600"),
    ("200—600", AMOUNT, "元", "200", "600"),
    ("1.2万-1.5万", COUNT, "人", "12000", "15000"),
    ("1-2万", AMOUNT, "元", "10000", "20000"),  # the high end's 万 applies to both
    ("三至五万", COUNT, "人", "30000", "50000"),
    ("二十至三十万", COUNT, "人", "200000", "300000"),
    ("5000-2万", AMOUNT, "元", "5000", "20000"),  # 5000万 would exceed 2万: left as written
    ("200-600", AMOUNT, "万元", "2000000", "6000000"),
    ("3-5%", PERCENT, None, "3", "5"),
    ("百分之三至百分之五", PERCENT, None, "3", "5"),
])
def test_range_in_one_span(text, label, unit, low, high):
    value = normalize_figure(text, label, unit)
    assert (value.value, value.low, value.high) == (None, Decimal(low), Decimal(high))


@pytest.mark.parametrize(("text", "label"), [
    ("600-200", AMOUNT), ("1-2-3", COUNT), ("-5", COUNT), ("200-", AMOUNT), ("xx.xx", AMOUNT), ("53%", COUNT),
])
def test_normalize_figure_rejects(text, label):
    with pytest.raises(NormalizationError):
        normalize_figure(text, label)


def test_unknown_label():
    with pytest.raises(NormalizationError, match="UNIT"):
        normalize_figure("5", "UNIT")


def test_range_value_joins_two_spans():
    low = normalize_figure("200", AMOUNT)
    high = normalize_figure("600", AMOUNT, "元")
    assert range_value(low, high) == FigureValue("amount", None, Decimal(200), Decimal(600), "元", False)
    approx = range_value(normalize_figure("1000", AMOUNT, "元"), normalize_figure("5000多", AMOUNT, "元"))
    assert (approx.low, approx.high, approx.unit, approx.approximate) == (1000, 5000, "元", True)


@pytest.mark.parametrize(("low", "high"), [
    (("600", AMOUNT), ("200", AMOUNT, "元")),
    (("200", AMOUNT, "元"), ("600", AMOUNT, "人")),
    (("200", COUNT), ("600", AMOUNT)),
])
def test_range_value_rejects(low, high):
    with pytest.raises(NormalizationError):
        range_value(normalize_figure(*low), normalize_figure(*high))


def test_as_dict_uses_plain_strings():
    assert normalize_figure("16.4亿", AMOUNT, "元").as_dict() == {
        "kind": "amount", "value": "1640000000", "low": "1640000000", "high": "1640000000",
        "unit": "元", "approximate": False}
    assert normalize_figure("27.482", COUNT, "万人").as_dict()["value"] == "274820"
    assert normalize_figure("0.00005", AMOUNT, "元").as_dict()["value"] == "0.00005"
    assert normalize_figure("1-2万", AMOUNT, "元").as_dict()["value"] is None
    hand_made = FigureValue("amount", Decimal("1.64E+9"), None, None, None, False)
    assert hand_made.as_dict()["value"] == "1640000000"


def test_figure_value_is_frozen():
    value = normalize_figure("5", COUNT)
    with pytest.raises(AttributeError):
        value.value = Decimal(6)
