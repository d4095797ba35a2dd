"""The period a report covers (2019年上半年, 2018年度, 截至6月底), found in its clean text.

Where a report states its period, most to least telling:
  title    a heading line among the first lines (…2019年上半年工作总结, 关于2020年工作情况及2021年工作思路的报告);
           a period followed by 思路/计划/安排/打算/要点 is the plan for the next one and is skipped
  summary  the sentence that introduces the account: 现将2019年上半年工作开展情况总结如下
  as_of    a 截至… phrase early in the text: 截至2019年6月底
  opening  a year that opens the text: 2018年,我县民政工作…
Dates (2021年01月21日, 2021-01-21) are not periods. A redacted year (xxxx年) leaves the year unknown.
Offsets are into the ORIGINAL document: the caller maps the clean span back (corpus OffsetMap).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass

_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# a year (not the year of a date: 2021年01月21日) and/or a part of it; an empty match is no period
PERIOD = re.compile(
    r"(?P<ytok>(?P<year>(?:19|20)\d{2}|[xX×]{4})年(?:度)?(?!\s*\d{1,2}\s*月))?"
    r"(?:\s*(?P<part>上半年|下半年|前三季度|第?[一二三四1-4]季度"
    r"|(?P<m1>\d{1,2})\s*[-—~～至到]\s*(?P<m2>\d{1,2})月(?:份)?"
    r"|(?P<until>截[至止](?:到)?(?:(?P<until_year>(?:19|20)\d{2})年)?"
    r"(?:(?P<month>\d{1,2}|[xX])月(?:份)?(?:底|末)?|目前|现在|今))))?")
_TITLE_WORDS = re.compile(r"总结|报告|汇报|工作情况|情况通报")
# plan words right after a period, before any word of an account (总结, 情况, 报告)
_PLAN_AFTER = re.compile(r"^[^，,。；;总结情况报告]{0,8}?(?:思路|计划|安排|打算|要点|设想)")
_SUMMARY = re.compile(r"(?:总结|报告|汇报)如下")
_NOT_TITLE = re.compile(r"^(?:发布|发文|索引|来源|时间|日期|分类|文号|当前位置|名称|效力)")
TITLE_LINES = 25          # headings come first (some pages carry a metadata block before the title)
TITLE_MAX_CHARS = 80
OPENING_CHARS = 400       # where an opening year or an as-of phrase still describes the whole report


@dataclass(frozen=True)
class ReportPeriod:
    label: str                   # canonical: 2019年上半年, 2018年, 2018年(截至目前), 上半年, 截至6月底
    year: int | None
    part: str                    # year | H1 | H2 | Q1…Q4 | Q1-Q3 | M1-M5 | to_date | to_M6
    text: str                    # as written in the original: original[start:end]
    start: int                   # offsets into the ORIGINAL document text
    end: int
    source: str                  # title | summary | as_of | opening

    def as_dict(self) -> dict:
        return asdict(self)


def _part_code(m: re.Match) -> tuple[str, str]:
    """(code, label suffix) of the part of a PERIOD match."""
    part = m["part"]
    if not part:
        return "year", ""
    if part == "上半年":
        return "H1", part
    if part == "下半年":
        return "H2", part
    if part == "前三季度":
        return "Q1-Q3", part
    if "季度" in part:
        q = _CN_NUM[part.strip("第季度")]
        return f"Q{q}", f"第{'一二三四'[q - 1]}季度"
    if m["m1"]:
        return f"M{int(m['m1'])}-M{int(m['m2'])}", f"{int(m['m1'])}-{int(m['m2'])}月"
    month = m["month"]
    if month and month.isdigit():
        return f"to_M{int(month)}", f"(截至{int(month)}月底)"
    if month:
        return "to_Mx", f"(截至{month}月)"  # the month is redacted
    return "to_date", "(截至目前)"


def periods(text: str) -> list[re.Match]:
    """The non-empty PERIOD matches in text, left to right."""
    return [m for m in PERIOD.finditer(text) if m["ytok"] or m["part"]]


def _span(m: re.Match) -> tuple[int, int]:
    return (m.start("ytok") if m["ytok"] else m.start("part")), (m.end("part") if m["part"] else m.end("ytok"))


def _year(m: re.Match) -> int | None:
    year = m["year"] or m["until_year"]
    return int(year) if year and year.isdigit() else None


def _period(m: re.Match, source: str, clean_offset: int, original: str,
            to_original: Callable[[int, int], tuple[int, int]]) -> ReportPeriod:
    year = _year(m)
    code, suffix = _part_code(m)
    if code.startswith("to_") and year is None:
        label = suffix.strip("()")
    else:
        label = (f"{year}年" if year else "") + suffix
    lo, hi = _span(m)
    start, end = to_original(clean_offset + lo, clean_offset + hi)
    return ReportPeriod(label, year, code, original[start:end], start, end, source)


def stripped_lines(text: str):
    """(offset, line) of the non-empty lines, stripped (the period and place finders both read lines)."""
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            yield pos + raw.index(stripped), stripped
        pos += len(raw) + 1


def _reported(line: str, matches: list[re.Match]) -> re.Match | None:
    """The first period in a line that is not the next period's plan (…及2021年工作思路)."""
    for m in matches:
        if not _PLAN_AFTER.match(line[_span(m)[1]:]):
            return m
    return None


def find_period(clean: str, original: str, to_original: Callable[[int, int], tuple[int, int]]) -> ReportPeriod | None:
    """The report's period, or None when it states none. `clean` is the cleaned text (simplified,
    half-width), `to_original` maps a clean span to the original one (CleanDocument.to_original)."""
    for n, (offset, line) in enumerate(stripped_lines(clean)):
        if n >= TITLE_LINES:
            break
        if len(line) <= TITLE_MAX_CHARS and _TITLE_WORDS.search(line) and not _NOT_TITLE.match(line) \
                and not _SUMMARY.search(line) and not line.endswith(("。", ":", "：")):  # a sentence, not a title
            if (m := _reported(line, periods(line))) is not None:
                return _period(m, "title", offset, original, to_original)
    for summary in _SUMMARY.finditer(clean):
        start = max(clean.rfind(c, 0, summary.start()) for c in "。；;！？\n") + 1
        sentence = clean[start:summary.start()]
        matches = periods(sentence)
        if matches:
            return _period(matches[0], "summary", start, original, to_original)
    head = clean[:OPENING_CHARS]
    for m in periods(head):
        if m["until"]:
            return _period(m, "as_of", 0, original, to_original)
    for offset, line in stripped_lines(head):
        if (m := PERIOD.match(line)) is not None and m["ytok"]:
            return _period(m, "opening", offset, original, to_original)
    return None

