"""Plausibility checks on single facts, beside the totals check (inference/checks.py).

Each finding is flagged, never 'fixed': a message goes into the fact's `checks` and a record
{kind: plausibility, check, figure, value, unit, ok: False, message} into the document's checks.

  run_together  a count of people whose digits look like two figures with the 户 between them lost:
                城镇低保7151100人 is probably 715户1100人. Seven digits or more, plain digits, and a split
                a|b with b/a a household size (1 to 6 people a household)
  population    more people (or households) than the most populous place of the report's level holds
  rate_range    a per-person rate outside a sane range for its unit (元/人·月 …, or 每人每月 … 元),
                or a rate in percent (…率) above 100 %
  no_unit       an amount with no currency: no unit at all (2591.95 (含十大民心)) or a rate unit whose
                numerator is lost (630/.月)
"""

from __future__ import annotations

import re
from decimal import Decimal

from inference.facts import Fact

# Census 2020 (第七次全国人口普查): the most populous province (广东 126 012 510), prefecture-level
# city (重庆 32 054 159) and county-level division (浦东新区 5 681 512). A report of unknown level is
# taken as a county's: that is what this project reads most.
POPULATION_LIMIT = {"province": 126_012_510, "city": 32_054_159, "county": 5_681_512}
POPULATION_SOURCE = {"province": "广东", "city": "重庆", "county": "浦东新区"}
PEOPLE_UNITS = ("人", "名", "户")                      # not 人次: person-times may exceed a population
RUN_TOGETHER_UNITS = ("人", "名")
RUN_TOGETHER_MIN_DIGITS = 7       # a real county count of 6 digits is common; 7 is over a million people
HOUSEHOLD_SIZE = (1, 6)           # people a household in the split a户b人
# Sane ranges of a benefit per person (yuan), by period. Generous on purpose: 残疾人两项补贴 are 50-100
# 元/人·月, 低保 300-1 300, 特困 and orphans up to ~2 500; a yearly standard is twelve of those.
RATE_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "月": (Decimal(5), Decimal(5000)),
    "年": (Decimal(50), Decimal(60000)),
    "日": (Decimal("0.5"), Decimal(500)),
    "天": (Decimal("0.5"), Decimal(500)),
    "": (Decimal(1), Decimal(100000)),         # per person, no period (人均, 元/人)
}
_PER_PERIOD = re.compile(r"每(?:人|户)?每?(月|年|日|天)|(?:每人|每户|人均|户均)")
_CLAUSE_END = "，,；;。：:！？!?\n"
_GROWTH = ("增长", "增加", "提高", "上升", "下降", "减少", "同比", "比", "较")


def _flag(fact: Fact, check: str, message: str) -> dict:
    fact.checks.append(message)
    return {"kind": "plausibility", "check": check, "figure": fact.figure_id, "value": fact.value,
            "unit": fact.unit, "ok": False, "message": message}


def _clause_before(text: str, start: int, reach: int = 200) -> str:
    """The words of the clause before `start`, at most `reach` characters (a report can be one
    unpunctuated line: an unbounded scan per fact would be quadratic)."""
    i, floor = start, max(0, start - reach)
    while i > floor and text[i - 1] not in _CLAUSE_END:
        i -= 1
    return text[i:start]


def run_together_splits(digits: str) -> list[tuple[int, int]]:
    """The ways a run of digits can be a households figure and a people figure written together."""
    out = []
    for cut in range(2, len(digits) - 1):
        left, right = digits[:cut], digits[cut:]
        if right[0] == "0":
            continue
        households, people = int(left), int(right)
        if HOUSEHOLD_SIZE[0] * households <= people <= HOUSEHOLD_SIZE[1] * households:
            out.append((households, people))
    return out


def _rate_period(fact: Fact, text: str) -> str | None:
    """The period of a per-person amount ('月', '年', '日', '' for none), or None when it is no rate."""
    unit = fact.unit or ""
    if "/" in unit:
        per = unit.partition("/")[2]
        return next((p for p in ("月", "年", "日", "天") if p in per), "")
    if unit == "元":
        m = _PER_PERIOD.search(_clause_before(text, fact.figure_start)[-12:])
        if m:
            return m.group(1) or ""
    return None


def check_plausibility(text: str, facts: list[Fact], place_level: str | None = None) -> list[dict]:
    """Flag implausible facts of one document (`text`: its original text; offsets are into it)."""
    level = place_level if place_level in POPULATION_LIMIT else "county"
    limit = POPULATION_LIMIT[level]
    records = []
    for fact in facts:
        value = Decimal(fact.value) if fact.value is not None else None
        figure = fact.figure.strip()
        if fact.kind == "count" and fact.unit in RUN_TOGETHER_UNITS and figure.isascii() and figure.isdigit() \
                and len(figure) >= RUN_TOGETHER_MIN_DIGITS and not fact.approximate:
            splits = run_together_splits(figure)
            if splits:
                guesses = " or ".join(f"{h}户{p}人" for h, p in splits)
                records.append(_flag(fact, "run_together",
                                     f"implausible: the digits of {figure}{fact.unit} look run together "
                                     f"(probably {guesses}, a 户 lost); value kept as written"))
        if fact.kind == "count" and fact.unit in PEOPLE_UNITS and value is not None and value > limit:
            records.append(_flag(fact, "population",
                                 f"implausible: {fact.value} {fact.unit} is more than the population of any "
                                 f"{level} ({POPULATION_SOURCE[level]}, {limit:,} people, census 2020)"))
        if fact.kind == "amount" and (not fact.unit or fact.unit.startswith("/")):
            what = f"its unit {fact.unit!r} has lost the currency" if fact.unit else "it has no unit"
            records.append(_flag(fact, "no_unit", f"implausible: the amount {fact.figure} has no currency "
                                                  f"({what}; 元 or 万元?)"))
        elif fact.kind == "amount" and value is not None and (period := _rate_period(fact, text)) is not None:
            low, high = RATE_RANGES[period]
            if not low <= value <= high:
                per = f"a {period}" if period else "a person"
                records.append(_flag(fact, "rate_range",
                                     f"implausible: {fact.value} {fact.unit} per {per} is outside "
                                     f"{low}–{high} 元"))
        if fact.kind == "percent" and value is not None and value > 100:
            before = _clause_before(text, fact.figure_start)
            if before.rstrip().endswith(("率", "率为", "率达", "率达到")) and not any(g in before for g in _GROWTH):
                records.append(_flag(fact, "rate_range", f"implausible: a rate of {fact.value}% is above 100%"))
    return records
