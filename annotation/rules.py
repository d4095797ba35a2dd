"""A rule-based pre-annotator: the baseline every model must beat.

It finds figures and units with regular expressions, programs with a lexicon of
civil-affairs programs and groups plus a "… 救助 / 补贴 / 津贴 / 保障 / 供养"
pattern, and links each figure to the nearest program before it in the same
clause (a parenthesis is its own scope). It follows GUIDELINES.md where a rule
can: figures start at the first digit, 万/亿 and 余/多 belong to the figure, 元
is the unit; years, dates, ages, document numbers, list markers, procedure
durations and numbers inside names are not figures; programs lose leading verbs
and scope words and the generic heads (资金, 对象, 人数 …) after them. It is
meant to be honest and predictable, not clever: Label Studio shows its output as
pre-annotations that an annotator corrects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from annotation.schema import (
    AMOUNT,
    COUNT,
    FIGURE_LABELS,
    HAS_VALUE,
    PERCENT,
    PROGRAM,
    SCHEMA_VERSION,
    UNIT,
    Example,
    Relation,
    Span,
)

# -- figures ---------------------------------------------------------------------

_DIG = "[0-9０-９]"
# Thousands separators only as ",ddd" groups, so "1,234" is one figure but "1，2" is a list.
_ARABIC = rf"(?:{_DIG}{{1,3}}(?:,{_DIG}{{3}})+(?!{_DIG})|{_DIG}+)(?:[.．]{_DIG}+)?"
_APPROX = "[余多]"
_MAG = "(?:[十百千]?[万萬][亿億]?|[亿億]|[十百千])"  # 萬/億: traditional text occurs in reports
_CN_DIGITS = "零〇一二两兩三四五六七八九十百千万萬亿億"
_CN_NUM = f"[{_CN_DIGITS}]+"

_FIGURE_ARABIC = re.compile(rf"{_ARABIC}(?:{_APPROX}?{_MAG})?{_APPROX}?")
_FIGURE_CHINESE = re.compile(rf"{_CN_NUM}(?:{_APPROX}[万萬亿億]?)?")
_PERCENT = re.compile(
    rf"{_ARABIC}{_APPROX}?[%％]|百分之(?:{_ARABIC}|[{_CN_DIGITS}]+(?:点[零〇一二三四五六七八九]+)?)"
)

#: Money units (a figure before one is an AMOUNT); 万 and 亿 belong to the figure.
_MONEY_UNIT = re.compile(
    r"元(?:[/／](?:人|户|床|名)(?:[·.．・/／](?:月|年|天|日))?|[/／](?:月|年|天|日|平方米))?"
)
#: Measure words of counts, longest first (人次 before 人).
COUNT_UNITS: tuple[str, ...] = tuple(
    sorted(
        "人次 户次 戶次 床位 人 户 戶 名 个 個 所 张 台 具 家 项 床 间 座 处 次 场 件 份 批 辆 车 套 对 例 宗 起 位 只 册 本 支".split(),
        key=len,
        reverse=True,
    )
)
#: What after 个 means a duration or a percentage point, not a count (5个工作日内, 3个百分点).
_NOT_AFTER_GE = ("工作日", "月", "小时", "百分点", "季度", "星期", "年", "日")
#: Range connectors: 200-600元 gives two figures, the first without a unit.
_RANGE = re.compile(r"[-－—~～至到]")
#: Numbers inside names and set phrases are not figures.
NAME_PHRASES: tuple[str, ...] = (
    "两项补贴", "三无", "五保", "十大", "三社联动", "一站式", "四个全面", "两个确保", "两不愁三保障",
    "三留守", "一老一小", "一户一策", "一人一档", "千家万户", "千方百计", "万家", "十四五", "十三五",
)  # fmt: skip


# -- programs --------------------------------------------------------------------

#: Programs, funds, services and target groups of civil-affairs reports (written for this project).
PROGRAM_LEXICON: tuple[str, ...] = (
    # social assistance
    "城乡低保", "城市低保", "农村低保", "城镇低保", "低保", "城乡最低生活保障", "城市最低生活保障", "农村最低生活保障",
    "最低生活保障", "低保边缘家庭", "低保边缘", "特困人员", "特困供养", "特困人员供养", "特困人员救助供养",
    "集中供养", "分散供养", "临时救助", "医疗救助", "教育救助", "住房救助", "就业救助", "受灾人员救助",
    "冬春救助", "过渡期生活救助", "社会救助", "流浪乞讨人员救助", "流浪乞讨人员", "三无人员",
    # children
    "孤儿", "散居孤儿", "集中养育孤儿", "事实无人抚养儿童", "困境儿童", "留守儿童", "农村留守儿童",
    # disability and old age
    "残疾人两项补贴", "困难残疾人生活补贴", "重度残疾人护理补贴", "困难残疾人", "重度残疾人",
    "残疾人", "高龄津贴", "高龄补贴", "高龄老人", "老年人", "特殊困难老年人", "空巢老人", "留守老人", "百岁老人",
    "福利机构", "儿童福利院", "乡镇", "村居委会", "村委会", "社区居委会",
    "养老机构", "敬老院", "养老床位", "居家养老服务", "社区养老服务", "老年人能力评估",
    # welfare lottery, charity, volunteers, social organisations
    "福利彩票", "福彩", "慈善捐赠", "志愿者", "志愿服务", "社会组织", "社会团体", "民办非企业单位", "基金会",
    "社会服务机构", "社会工作者", "社工",
    # affairs: marriage, adoption, funerals, places
    "婚姻登记", "结婚登记", "离婚登记", "收养登记", "火化", "惠民殡葬", "公益性公墓", "建制村", "社区",
    # disasters, veterans
    "紧急转移安置", "转移安置", "救灾", "优抚对象", "退役士兵", "退役军人", "重点优抚对象",
)  # fmt: skip

#: Qualifiers that make a sub-program (GUIDELINES): 农村 + 特困供养 → 农村特困供养.
QUALIFIERS: tuple[str, ...] = ("城市", "农村", "城镇", "城乡", "集中", "分散", "散居", "重度", "困难", "非法")

#: Words that end a program name found by pattern (the fallback when the lexicon has nothing).
PROGRAM_HEADS: tuple[str, ...] = (
    "救助",
    "补贴",
    "津贴",
    "保障",
    "供养",
    "补助",
    "抚恤",
    "慰问",
    "安置",
    "登记",
)
#: Verbs and scope words: a pattern program starts after the last of them (GUIDELINES: leave them out).
CUT_WORDS: tuple[str, ...] = (
    "发放", "落实", "筹集", "下拨", "拨付", "支出", "投入", "争取", "安排", "累计", "共计", "合计", "共有",
    "全市", "全县", "全区", "全省", "全州", "全旗", "我市", "我县", "我区", "我省", "全年", "今年", "其中",
    "目前", "截至", "截止", "实施", "开展", "完成", "办理", "提供", "给予", "兑现", "纳入", "用于", "新增",
    "资助", "惠及", "覆盖", "受益", "通过", "按照", "及时", "足额", "按时", "标准", "提高", "为民",
    # generic heads end the name before them: 对象救助资金 → 救助, not 象救助
    "对象", "资金", "经费", "人数", "户数", "总数",
)  # fmt: skip
#: Single characters dropped from the start of a pattern program (only there: 年 is inside 老年人).
_LEADING_CHARS = "为向对给共达的是有将年月日和及与并等已再还又均每各之"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef"
_RUN = re.compile(rf"[{_CJK}]+")
_CONJUNCTIONS = re.compile("[和及与、]")

#: Clause boundaries for linking; 、 is not one (城市低保…、农村低保… share a clause's structure).
_CLAUSE_END = set("，,；;。！？!?：:\n")
_OPEN = set("(（[【〔")
_RECEIVE_VERBS = ("享受", "纳入", "领取")
_CLOSE = set(")）]】〕")


@dataclass(frozen=True)
class Figure:
    start: int
    end: int
    label: str  # COUNT, AMOUNT or PERCENT
    unit: tuple[int, int] | None  # the UNIT span right after it
    score: float

    @property
    def right(self) -> int:
        """Where the figure and its unit end."""
        return self.unit[1] if self.unit else self.end


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    score: float


@lru_cache(maxsize=16)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation, longest phrase first, so that 城乡低保 wins over 低保 at the same place."""
    return re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)))


def _spans_of(phrases: tuple[str, ...], text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _phrase_pattern(tuple(phrases)).finditer(text)]


def _unit_after(text: str, pos: int) -> tuple[int, int, str] | None:
    """(start, end, kind) of the unit at pos: kind is AMOUNT for money, COUNT for measure words."""
    m = _MONEY_UNIT.match(text, pos)
    if m:
        return m.start(), m.end(), AMOUNT
    for unit in COUNT_UNITS:
        if text.startswith(unit, pos):
            if unit == "个" and text.startswith(_NOT_AFTER_GE, pos + 1):
                return None
            return pos, pos + len(unit), COUNT
    return None


def _chinese_number_ok(s: str, text: str, start: int, unit: tuple[int, int, str] | None) -> bool:
    # 一 alone is mostly "a/one" (一个, 一名, 统一); bare magnitudes (千家, 万户) are words, not numbers.
    core = s.rstrip("余多")
    if core == "一" or not any(c in "一二两兩三四五六七八九十" for c in core):
        return False
    # A quoted phrase (“两项补贴”) or a numbered slogan (三户一体) is a name, not a figure.
    if start and text[start - 1] in '“‘「"':
        return False
    after_unit = text[unit[1]] if unit and unit[1] < len(text) else ""
    return not (after_unit and after_unit in _CN_DIGITS)


def find_figures(text: str, blocked: Iterable[tuple[int, int]] = ()) -> list[Figure]:
    """Figures (with their units) that GUIDELINES.md counts; distractors are skipped."""
    taken = bytearray(len(text))  # 1 where a figure or a name may not be
    for start, end in [*blocked, *_spans_of(NAME_PHRASES, text)]:
        taken[start:end] = b"\x01" * (end - start)

    def free(start: int, end: int) -> bool:
        return not any(taken[start:end])

    def take(start: int, end: int) -> None:
        taken[start:end] = b"\x01" * (end - start)

    def starts_badly(start: int) -> bool:
        before = text[start - 1] if start else ""
        # 第十六条, 第3批 are ordinals; G318 or 3.5.1 are codes; a digit before means we are mid-number.
        return before == "第" or before.isascii() and (before.isalnum() or before == ".")

    figures: list[Figure] = []
    for m in _PERCENT.finditer(text):
        if free(m.start(), m.end()) and not starts_badly(m.start()):
            figures.append(Figure(m.start(), m.end(), PERCENT, None, 0.9))
            take(m.start(), m.end())

    pending: list[tuple[int, int, float]] = []  # figures without a unit: maybe the first of a range
    for regex, score in ((_FIGURE_ARABIC, 0.9), (_FIGURE_CHINESE, 0.6)):
        for m in regex.finditer(text):
            start, end = m.start(), m.end()
            if not free(start, end) or starts_badly(start):
                continue
            unit = _unit_after(text, end)
            if regex is _FIGURE_CHINESE and not _chinese_number_ok(m.group(), text, start, unit):
                continue
            if unit is None or not free(unit[0], unit[1]):
                pending.append((start, end, score))
                continue
            figures.append(Figure(start, end, unit[2], (unit[0], unit[1]), score))
            take(start, unit[1])

    # Ranges: "200-600元" or "200至600元" — the first figure takes the kind of the second.
    by_start = {f.start: f for f in figures}
    for start, end, score in pending:
        if not free(start, end):
            continue
        conn = _RANGE.match(text, end)
        if conn and conn.end() in by_start and by_start[conn.end()].label in (COUNT, AMOUNT):
            figures.append(Figure(start, end, by_start[conn.end()].label, None, score * 0.9))
            take(start, end)
    return sorted(figures, key=lambda f: f.start)


def _strip_leading(text: str, start: int, end: int) -> int:
    while end - start > 2 and text[start] in _LEADING_CHARS:
        start += 1
    return start


@lru_cache(maxsize=1 << 12)
def _qualifiers_ending(ch: str) -> tuple[str, ...]:
    """The QUALIFIERS that end in `ch`, in QUALIFIERS order (only those can stand right before a name)."""
    return tuple(q for q in QUALIFIERS if q.endswith(ch)) if ch else ()


def find_programs(
    text: str, blocked: list[tuple[int, int]], lexicon_words: tuple[str, ...] = PROGRAM_LEXICON
) -> list[Candidate]:
    """Program candidates: lexicon names, their extensions to a head (孤儿基本生活保障), head patterns.

    blocked: figure and unit spans, which no program may cross.
    """
    mask = bytearray(len(text))
    for start, end in blocked:
        mask[start:end] = b"\x01" * (end - start)
    lexicon = []
    for start, end in _spans_of(lexicon_words, text):
        while True:  # take in the qualifiers written before the name
            q = next((q for q in _qualifiers_ending(text[start - 1] if start else "")
                      if text.startswith(q, start - len(q)) and start >= len(q)), None)
            if q is None or any(mask[start - len(q) : start]):
                break
            start -= len(q)
        if not any(mask[start:end]):
            lexicon.append(Candidate(start, end, 0.8))
    cut, heads = _phrase_pattern(CUT_WORDS), _phrase_pattern(PROGRAM_HEADS)
    patterned: list[Candidate] = []
    for run in _RUN.finditer(text):
        # A run of Chinese characters between figures and punctuation, split at conjunctions.
        pieces, pos = [], run.start()
        for c in _CONJUNCTIONS.finditer(text, run.start(), run.end()):
            pieces.append((pos, c.start()))
            pos = c.end()
        pieces.append((pos, run.end()))
        for p_start, p_end in pieces:
            if any(mask[p_start:p_end]):
                continue
            for h in heads.finditer(text, p_start, p_end):
                start = p_start
                for c in cut.finditer(text, p_start, h.start()):
                    start = c.end()
                start = _strip_leading(text, start, h.end())
                if h.end() - start >= 2:
                    patterned.append(Candidate(start, h.end(), 0.5))

    def extends(a: Candidate, b: Candidate) -> bool:
        # Only to the right (孤儿 → 孤儿基本生活保障): on the left a pattern run picks up context.
        return a.start == b.start and b.end < a.end

    extended = [Candidate(p.start, p.end, 0.7) for p in patterned if any(extends(p, lx) for lx in lexicon)]
    chosen: list[Candidate] = []
    used = bytearray(len(text))
    for group in (extended, lexicon, patterned):
        for cand in sorted(group, key=lambda c: (c.start - c.end, c.start)):
            if not any(used[cand.start : cand.end]):
                chosen.append(cand)
                used[cand.start : cand.end] = b"\x01" * (cand.end - cand.start)
    return sorted(chosen, key=lambda c: c.start)


def _link(text: str, figure: Figure, programs: list[Candidate]) -> tuple[Candidate, float] | None:
    """The program of a figure, with a confidence, or None.

    1. A group named right after a count is what it counts: 1520名困难残疾人.
    2. Otherwise the nearest program before it in its clause; a figure inside
       (…) looks inside the parentheses first, then outside; a figure outside
       skips what is inside a closed (…).
    """
    starts_at = {p.start: p for p in programs}
    if figure.label == COUNT:
        after = figure.right
        prog = starts_at.get(after) or (starts_at.get(after + 1) if text[after : after + 1] == "的" else None)
        if prog is not None:
            return prog, 0.6
    ends_at = {p.end: p for p in programs}
    depth, outside = 0, False
    for i in range(figure.start - 1, -1, -1):
        ch = text[i]
        if ch in _CLOSE:
            depth += 1
            continue
        if ch in _OPEN:
            if depth:
                depth -= 1
            else:
                outside = True  # leaving the parentheses the figure is in
            continue
        if depth:
            continue
        if ch in _CLAUSE_END:
            break
        prog = ends_at.get(i + 1)
        if prog is not None:
            return prog, (0.6 if outside else 0.8)
    # 3. 9194人享受困难残疾人生活补贴: who receives a benefit named after the count.
    if figure.label == COUNT:
        for verb in _RECEIVE_VERBS:
            if text.startswith(verb, figure.right) and figure.right + len(verb) in starts_at:
                return starts_at[figure.right + len(verb)], 0.5
    return None


_SENTENCE_END = set("。！？!?；;\n")
_RESPECTIVELY = "分别"


def _carry_over(text: str, figure: Figure, programs: list[Candidate]) -> Candidate | None:
    """A figure with no program in its clause takes the last program of the clauses before it in the
    same sentence (临时救助297人次，对象救助资金85.337万元): reports name a program once and go on
    listing its figures. Stops at a sentence end and at another figure's clause that had no program."""
    ends_at = {p.end: p for p in programs}
    for i in range(figure.start - 1, -1, -1):
        if text[i] in _SENTENCE_END:
            return None
        prog = ends_at.get(i + 1)
        if prog is not None:
            return prog
    return None


def _respectively(text: str, spans: Sequence[Span]) -> dict[str, Span]:
    """A、B、C分别为a、b、c: the i-th figure of each kind after 分别 belongs to the i-th program before it."""
    out: dict[str, Span] = {}
    for k in [m.start() for m in re.finditer(_RESPECTIVELY, text)]:
        lo = max([i + 1 for i in range(k) if text[i] in _SENTENCE_END], default=0)
        hi = min([i for i in range(k, len(text)) if text[i] in _SENTENCE_END], default=len(text))
        programs = sorted((s for s in spans if s.label == PROGRAM and lo <= s.start and s.end <= k),
                          key=lambda s: s.start)
        if len(programs) < 2:
            continue
        for label in FIGURE_LABELS:
            figures = sorted((s for s in spans if s.label == label and k < s.start < hi), key=lambda s: s.start)
            if len(figures) == len(programs):
                out |= {f.id: p for p, f in zip(programs, figures, strict=True)}
    return out


def link_figures(text: str, spans: Sequence[Span]) -> list[Relation]:
    """The heuristic linker on given entities (gold or a model's): has_value for each figure it can place.

    The same rules as the annotator's own linking, then two reading rules: 分别
    lists pair in order, and a figure whose clause names no program carries over the
    program of the clauses before it. Each figure gets at most one program. Spans
    need ids (the relations refer to them).
    """
    programs = {(s.start, s.end): s for s in spans if s.label == PROGRAM}
    candidates = [Candidate(s.start, s.end, 1.0 if s.score is None else s.score) for s in programs.values()]
    unit_at = {s.start: s for s in spans if s.label == UNIT}
    respectively = _respectively(text, spans)
    relations = []
    for span in spans:
        if span.label not in FIGURE_LABELS:
            continue
        if span.id in respectively:
            relations.append(Relation(respectively[span.id].id, span.id, HAS_VALUE, 0.7))
            continue
        unit = unit_at.get(span.end)
        figure = Figure(span.start, span.end, span.label, (unit.start, unit.end) if unit else None, 1.0)
        link = _link(text, figure, candidates)
        if link is None and (carried := _carry_over(text, figure, candidates)) is not None:
            link = (carried, 0.4)
        if link is not None:
            head = programs[(link[0].start, link[0].end)]
            relations.append(Relation(head.id, span.id, HAS_VALUE, link[1]))
    return relations


class RuleAnnotator:
    """`annotator(text) -> Example` with scored spans and relations (ids p1…, f1…, u1…)."""

    version = f"rules-{SCHEMA_VERSION}"
    model_version = version

    def __init__(self, lexicon: Iterable[str] = PROGRAM_LEXICON):
        """lexicon: program names to look for (a project can add its own to the default)."""
        self.lexicon = tuple(dict.fromkeys(lexicon))

    def __call__(self, text: str) -> Example:
        return self.annotate(text)

    def annotate(self, example_or_text: Example | str) -> Example:
        """Annotate a text, or re-annotate an Example (keeping its id, text and meta)."""
        if isinstance(example_or_text, Example):
            base = example_or_text
        else:
            base = Example(id="", text=example_or_text)
        text = base.text
        lexicon_blocks = _spans_of(self.lexicon, text)
        figures = find_figures(text, blocked=lexicon_blocks)
        blocked = [(f.start, f.right) for f in figures]
        programs = find_programs(text, blocked, self.lexicon)

        spans: list[Span] = []
        relations: list[Relation] = []
        program_ids: dict[Candidate, str] = {}
        figure_spans: list[tuple[Span, Candidate | None, float]] = []
        for n, fig in enumerate(figures, start=1):
            span = Span(fig.start, fig.end, fig.label, f"f{n}", fig.score)
            link = _link(text, fig, programs)
            figure_spans.append((span, *(link or (None, 0.0))))
            spans.append(span)
            if fig.unit:
                spans.append(Span(fig.unit[0], fig.unit[1], UNIT, f"u{n}", fig.score))
        # Only programs that some figure belongs to are marked (GUIDELINES: a PROGRAM is a head of has_value).
        for prog in sorted({p for _, p, _ in figure_spans if p is not None}, key=lambda p: p.start):
            program_ids[prog] = f"p{len(program_ids) + 1}"
            spans.append(Span(prog.start, prog.end, PROGRAM, program_ids[prog], prog.score))
        for span, prog, score in figure_spans:
            if prog is not None:
                relations.append(Relation(program_ids[prog], span.id, HAS_VALUE, score))
        spans.sort(key=lambda s: (s.start, s.end))
        return Example(id=base.id, text=text, spans=spans, relations=relations, meta=dict(base.meta))
