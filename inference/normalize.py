"""Turn the text of a figure span (and its UNIT span) into exact numbers.

Reports write the same figure many ways: 19.42万, 十九万四千二百, 194,200, 1９4200.
Everything here is Decimal arithmetic in a context that raises on rounding, so
16.4亿 is exactly 1640000000 and a value is never silently approximated.
Standard library only (plus the label names from annotation.schema).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact, InvalidOperation, localcontext

from annotation.schema import AMOUNT, COUNT, PERCENT


class NormalizationError(ValueError):
    """A text that cannot be read as the figure or unit it claims to be."""


# Rounding must never happen silently: a 60-digit context that traps Inexact turns it into an error.
_CTX = Context(prec=60, traps=[Inexact, InvalidOperation])

_DIGITS = {c: d for d, chars in enumerate(
    ["〇零", "一壹", "二两兩贰貳", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖"]) for c in chars}
_MAGNITUDES = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000,
               "万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_BIG = (10**4, 10**8)  # 万 and 亿 may carry smaller magnitudes in their coefficient (三千万, 一万五千亿)
_POINTS = "点點"  # the Chinese decimal point: 三点五, 零点五
_APPROX_SUFFIXES = "余多几"  # 300余, 3000多万, 十几万: "more than", kept as the lower bound
_APPROX_BEFORE = ("近", "约", "约为", "大约", "大概", "超", "超过", "逾", "不足", "不到",
                  "不少于", "不低于", "多于", "少于")  # 将近/接近 end in 近
_APPROX_AFTER = ("左右", "上下", "以上", "以下", "开外", "余", "多")
_RANGE_SEP = re.compile(r"-+|~|—+|–|−|〜|至|到")
# Unit prefixes that are magnitudes. 千/百 alone are left out: 千克, 千米, 百分点 are units.
_UNIT_MAGNITUDES = {"万亿": 10**12, "千亿": 10**11, "百亿": 10**10, "十亿": 10**9, "千万": 10**7,
                    "百万": 10**6, "十万": 10**5, "亿": 10**8, "万": 10**4}
_KINDS = {COUNT: "count", AMOUNT: "amount", PERCENT: "percent"}
# Full-width ASCII (！..～) -> half-width, ideographic space -> space: １２３ -> 123, ，-> ,
_HALF_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_ARABIC = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?", re.ASCII)


# Between digit groups a space is a thousands separator (27 482, 27\u00a0482, 27\u2009482): space,
# no-break, figure, thin, narrow no-break and ideographic spaces.
GROUP_SPACES = " \u00a0\u2007\u2009\u202f\u3000"
_SPACED_DIGITS = re.compile(r"\d+(?:\s+\d+)+")
_DIGIT_GROUPS = re.compile(rf"\d{{1,3}}(?:[{GROUP_SPACES}]\d{{3}})+")


def _check_spaced_digits(text: str) -> None:
    """Spaces between digits are only allowed as thousands separators: 27 482 is 27482; 12 34 is refused."""
    for run in _SPACED_DIGITS.finditer(text):
        if not _DIGIT_GROUPS.fullmatch(run.group()):
            raise NormalizationError(f"{text!r}: the spaces in {run.group()!r} do not separate groups of "
                                     "three digits")


def _plain(text: str) -> str:
    """Half-width, traditional magnitudes simplified, no white space anywhere."""
    text = text.translate(_HALF_WIDTH).replace("萬", "万").replace("億", "亿").replace("餘", "余").replace("幾", "几")
    return re.sub(r"\s+", "", text)


def _canonical(value: Decimal) -> Decimal:
    """One spelling per value: no trailing zeros, and integers without exponent (1640000000, not 1.64E+9)."""
    value = value.normalize(_CTX)
    return value.quantize(Decimal(1), context=_CTX) if value == value.to_integral_value() else value


def _tokens(text: str, original: str) -> list[tuple[str, Decimal, str]]:
    """Split a number into (kind, value, source) tokens: num, zero, frac (点…), mag."""
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if m := _ARABIC.match(text, i):
            out.append(("num", Decimal(m.group().replace(",", "")), m.group()))
            i = m.end()
        elif char in _DIGITS:
            out.append(("zero" if _DIGITS[char] == 0 else "num", Decimal(_DIGITS[char]), char))
            i += 1
        elif char in _MAGNITUDES:
            out.append(("mag", Decimal(_MAGNITUDES[char]), char))
            i += 1
        elif char in _POINTS:  # digits after 点 are read one by one: 三点一四 = 3.14
            j = i + 1
            while j < len(text) and (text[j] in _DIGITS or text[j].isascii() and text[j].isdigit()):
                j += 1
            if j == i + 1:
                raise NormalizationError(f"{original!r}: no digits after the decimal point {char!r}")
            fraction = "".join(str(_DIGITS.get(c, c)) for c in text[i + 1:j])
            out.append(("frac", Decimal("0." + fraction), text[i:j]))
            i = j
        else:
            raise NormalizationError(f"{original!r}: {char!r} is not part of a number")
    return out


def _leaf(tokens: list, original: str) -> Decimal:
    """A number with no magnitude in it: one digit or Arabic number, maybe followed by 点…"""
    kinds = [kind for kind, _, _ in tokens]
    if kinds in (["num"], ["zero"], ["frac"]):
        return tokens[0][1]
    if kinds in (["num", "frac"], ["zero", "frac"]) and tokens[0][1] == tokens[0][1].to_integral_value():
        return tokens[0][1] + tokens[1][1]
    # Two digits side by side (三五, 两三) mean "three or five", not 35: refuse rather than guess.
    raise NormalizationError(f"{original!r}: digits {''.join(t[2] for t in tokens)!r} do not form one number")


def _evaluate(tokens: list, original: str) -> Decimal:
    """Split at the last occurrence of the largest magnitude: coefficient × magnitude + rest."""
    mags = [i for i, (kind, _, _) in enumerate(tokens) if kind == "mag"]
    if not mags:
        return _leaf(tokens, original)
    top = max(tokens[i][1] for i in mags)
    split = max(i for i in mags if tokens[i][1] == top)  # the last 亿 of 三千万亿 / 一万五千亿
    left, right = tokens[:split], tokens[split + 1:]
    if any(kind == "mag" and (value >= top or top not in _BIG) for kind, value, _ in left):
        raise NormalizationError(f"{original!r}: magnitudes out of order")
    coefficient = _evaluate(left, original) if left else Decimal(1)  # 十五, 百余: an implicit 一
    rest = Decimal(0)
    if right and right[0][0] == "zero" and len(right) > 1:
        rest = _evaluate(right[1:], original)  # 一万零五百: 零 marks skipped places, the rest is literal
    elif len(right) == 1 and right[0][0] == "num" and len(right[0][2]) == 1:
        rest = right[0][1] * top / 10  # 一万五, 13万2, 两千六: a bare digit is the next place down
    elif right:
        rest = _evaluate(right, original)
    if rest >= top:
        raise NormalizationError(f"{original!r}: {rest} after {top} is too large")
    return coefficient * top + rest


def _strip_approx(text: str) -> tuple[str, bool]:
    """Drop 余/多/几 written after a digit or magnitude (300余, 3000多万); say whether there was one."""
    kept = [c for i, c in enumerate(text) if not (i > 0 and c in _APPROX_SUFFIXES)]
    return "".join(kept), len(kept) != len(text)


def _parse(text: str) -> tuple[Decimal, bool]:
    """parse_number, also saying whether an approximation suffix was dropped."""
    original = text
    _check_spaced_digits(text)
    text, approximate = _strip_approx(_plain(text))
    if not text:
        raise NormalizationError(f"{original!r}: empty number")
    if set(text) <= {"万", "亿"} and not approximate:  # alone they are a word (上万, 亿万) or a stray unit
        raise NormalizationError(f"{original!r}: a magnitude with no digits")
    text = text.replace("廿", "二十").replace("卅", "三十")
    tokens = _tokens(text, original)
    if tokens[0][0] == "frac":
        raise NormalizationError(f"{original!r}: starts with a decimal point")
    try:
        with localcontext(_CTX):
            return _canonical(_evaluate(tokens, original)), approximate
    except (Inexact, InvalidOperation) as err:
        raise NormalizationError(f"{original!r}: too many digits to keep exactly") from err


def parse_number(text: str) -> Decimal:
    """Read an Arabic, Chinese or mixed number (1,234.5, 十二亿三千万, 13万2) as an exact Decimal."""
    return _parse(text)[0]


def normalize_unit(text: str | None) -> str | None:
    """One spelling per unit: half-width, no spaces, rates as 元/人·月 (U+00B7 between the 'per' parts)."""
    if text is None or not (unit := _plain(text)):
        return None
    unit = re.sub(r"[.·•・･‧∙⋅]", "·", unit)
    if "/" in unit:
        numerator, _, rest = unit.partition("/")
    elif "每" in unit[1:]:  # 元每人每月
        numerator, _, rest = unit.partition("每")
    else:
        return unit
    per = [p for p in re.split(r"[/·每]", rest.strip("()")) if p]
    return f"{numerator}/{'·'.join(per)}" if numerator and per else unit


def _unit_magnitude(unit: str | None) -> tuple[Decimal, str | None]:
    """万元 -> (10^4, 元): some spans put the figure's magnitude into the unit."""
    if unit:
        for prefix, magnitude in _UNIT_MAGNITUDES.items():  # longest prefixes first
            if unit.startswith(prefix):
                return Decimal(magnitude), unit[len(prefix):] or None
    return Decimal(1), unit


@dataclass(frozen=True)
class FigureValue:
    """A figure as data. A range has value None; a single figure has low == high == value."""

    kind: str  # "count" | "amount" | "percent"
    value: Decimal | None  # in full units (万 applied); a percent is the number before %
    low: Decimal | None
    high: Decimal | None
    unit: str | None  # normalize_unit of the UNIT text, magnitude removed; "%" for a percent
    approximate: bool

    def as_dict(self) -> dict:
        """JSON-friendly: Decimals as plain strings without exponent ('1640000000', '27.482')."""
        def show(d: Decimal | None) -> str | None:
            return None if d is None else format(_canonical(d), "f")

        return {"kind": self.kind, "value": show(self.value), "low": show(self.low), "high": show(self.high),
                "unit": self.unit, "approximate": self.approximate}


def _percent_core(text: str) -> str:
    """百分之五十 / 53% -> the number part."""
    text = _plain(text)
    return text.removeprefix("百分之").removesuffix("%")


def normalize_figure(text: str, label: str, unit: str | None = None, before: str = "",
                     after: str = "") -> FigureValue:
    """Read a COUNT/AMOUNT/PERCENT span. `before`/`after`: a few characters around the span
    (after may start with the unit); 近/约/超过… before and 左右/以上… after mark it approximate."""
    if label not in _KINDS:
        raise NormalizationError(f"{text!r}: label {label!r} is not a figure label")
    kind = _KINDS[label]
    _check_spaced_digits(text)
    tail = _plain(after)
    if unit and tail.startswith(_plain(unit)):
        tail = tail[len(_plain(unit)):]
    approximate = _plain(before).endswith(_APPROX_BEFORE) or tail.startswith(_APPROX_AFTER)

    parts = _RANGE_SEP.split(_plain(text))
    if len(parts) > 2 or not all(parts):
        raise NormalizationError(f"{text!r}: not a figure or a range of two figures")
    if kind == "percent":
        parts, scale, unit_out = [_percent_core(p) for p in parts], Decimal(1), "%"
    else:
        scale, unit_out = _unit_magnitude(normalize_unit(unit))
    values = []
    for part in parts:
        value, approx = _parse(part)
        values.append(value)
        approximate = approximate or approx
    if len(values) == 2:
        # 1-2万, 三至五万: a magnitude written only on the high end applies to the low end as well,
        # unless that would put the low end above the high one (5000-2万 stays 5000).
        suffix = re.search(r"[千万亿]+$", _strip_approx(parts[1])[0])
        if suffix and parts[0][-1] not in "千万亿":
            try:
                borrowed = _parse(parts[0] + suffix.group())[0]
            except NormalizationError:
                borrowed = None
            if borrowed is not None and borrowed <= values[1]:
                values[0] = borrowed
        if values[0] > values[1]:
            raise NormalizationError(f"{text!r}: the low end of the range is above the high end")
    with localcontext(_CTX):
        low, high = (_canonical(v * scale) for v in (values[0], values[-1]))
    return FigureValue(kind, low if len(values) == 1 else None, low, high, unit_out, approximate)


def range_value(low: FigureValue, high: FigureValue) -> FigureValue:
    """Join the two figures of a range written as two spans, 【200】-【600】【元】.

    The first usually has no unit and takes the second's. Only values are seen here, so a magnitude
    written on the high end alone (【1】-【2万】) is not carried over; with the texts at hand,
    normalize_figure("1-2万", ...) does that. Normalize both ends with the shared UNIT text."""
    if low.kind != high.kind:
        raise NormalizationError(f"range of a {low.kind} and a {high.kind}")
    if low.unit is not None and high.unit is not None and low.unit != high.unit:
        raise NormalizationError(f"range with two units: {low.unit!r} and {high.unit!r}")
    if low.low is None or high.high is None or low.low > high.high:
        raise NormalizationError(f"range {low.low}-{high.high}: the low end is above the high end")
    return FigureValue(low.kind, None, low.low, high.high, high.unit or low.unit,
                       low.approximate or high.approximate)
