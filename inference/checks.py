"""Consistency checks on the facts of one sentence: do the parts of a total add up?

Two structures are recognised, conservatively (anything unclear is left unchecked):
  * parentheses after a total:  城乡低保对象5126户8731人（城市低保1204户2015人、农村低保3922户6716人）
  * 其中 lists:                 全县特困人员2854人，其中集中供养1519人、分散供养1335人
Totals and parts must share kind and canonical unit; values are compared as exact Decimals.
Percents, rates (元/人·月), per-capita figures (每…, 人均, 平均, 标准) and comparisons (比上年增加…)
never take part. Two or more parts must sum to the total; a single part must not exceed it.
A 其中 list runs to 。；, so when its first k ≥ 2 parts already add up, the rest are not parts.
"""

from __future__ import annotations

from decimal import Decimal

from inference.facts import Fact

_OPEN, _CLOSE = "（(", "）)"
_SENTENCE_END = "。！？!?\n"
_LIST_END = "。；;！？!?"                          # where the parts of a 其中 list stop
_CLAUSE_END = "，,；;。：:！？!?"                    # clause boundaries (、 joins items of one clause)
_PREFIX_END = _CLAUSE_END + "、" + _OPEN + _CLOSE  # where the words leading up to a figure start
_COMPARISON = ("比", "较", "同比", "增加", "减少", "增长", "下降", "提高", "上升", "降低", "净增")
_NOT_ADDITIVE = ("每", "均", "标准")                # 每人每月, 人均, 平均, 保障标准: levels, not quantities
_MAX_REACH = 1000                                 # chars searched for a sentence end (sentences ≤ 200)
_MAX_GAP = 8                                      # unit text between the totals of one run (户, 万元, 人次)


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _depths(text: str, lo: int, hi: int) -> dict[int, int]:
    """Parenthesis depth at each position of text[lo:hi]; both parens of a group are inside it."""
    depth, out = 0, {}
    for i in range(lo, hi):
        depth += text[i] in _OPEN
        out[i] = depth
        depth -= text[i] in _CLOSE
    return out


def _prefix(text: str, lo: int, start: int) -> str:
    """The words of the clause leading up to position start."""
    i = start
    while i > lo and text[i - 1] not in _PREFIX_END:
        i -= 1
    return text[i:start]


def _additive(text: str, lo: int, fact: Fact) -> bool:
    if fact.kind not in ("count", "amount") or not fact.unit or "/" in fact.unit:
        return False
    prefix = _prefix(text, lo, fact.figure_start)
    return not any(m in prefix for m in _COMPARISON + _NOT_ADDITIVE)


def _compare(total: Fact, parts: list[Fact], structure: str) -> dict:
    unit, program = total.unit, total.program_simplified or total.program
    where = f" ({program})" if program else ""
    record = {"kind": "parts_sum" if len(parts) > 1 else "part_le_total", "structure": structure,
              "total": total.figure_id, "parts": [p.figure_id for p in parts], "unit": unit,
              "total_value": total.value, "parts_sum": None, "ok": None, "message": ""}
    if total.value is None or any(p.value is None for p in parts):
        record["message"] = "range"
        return record
    values = [Decimal(p.value) for p in parts]
    record["parts_sum"] = _fmt(sum(values, Decimal(0)))
    if total.approximate or any(p.approximate for p in parts):
        record["message"] = "approximate"
        return record
    tv = Decimal(total.value)
    if len(parts) == 1:
        record["ok"] = values[0] <= tv
        sign = "≤" if record["ok"] else ">"
        record["message"] = f"part {_fmt(values[0])} {unit} {sign} total {_fmt(tv)} {unit}{where}"
    else:
        record["ok"] = sum(values) == tv
        sign = "=" if record["ok"] else "≠"
        record["message"] = (f"parts {'+'.join(_fmt(v) for v in values)} {unit} = {record['parts_sum']} "
                             f"{sign} total {_fmt(tv)} {unit}{where}")
    if record["ok"] is False:
        for fact in (total, *parts):
            fact.checks.append(record["message"])
    return record


def _match(totals: list[Fact], parts: list[Fact], structure: str) -> list[dict]:
    """One comparison per (kind, unit) that has exactly one total and at least one part."""
    records = []
    for total in totals:
        key = (total.kind, total.unit)
        if sum((t.kind, t.unit) == key for t in totals) != 1:
            continue  # two totals with the same unit: ambiguous
        same = [p for p in parts if (p.kind, p.unit) == key]
        if structure == "其中" and len(same) > 2 and all(f.value for f in (total, *same)):
            # the list may end before the sentence does (…，新增特困人员30人): a leading run of at
            # least two parts that adds up exactly is taken as the whole list
            sums = [sum(Decimal(p.value) for p in same[:k]) for k in range(2, len(same))]
            if Decimal(total.value) in sums:
                same = same[:sums.index(Decimal(total.value)) + 2]
        if same:
            records.append(_compare(total, same, structure))
    return records


def check_totals(text: str, facts: list[Fact]) -> list[dict]:
    """Find total/parts structures among the facts of ONE sentence of `text`; flag parts that do not add up.

    Appends a message to `checks` of the facts of each failed structure and returns one record per
    structure checked: {kind, structure, total, parts, unit, total_value, parts_sum, ok, message}
    (ok None: approximate or range figures, not checked)."""
    facts = sorted(facts, key=lambda f: f.figure_start)
    if not facts:
        return []
    # Look for the sentence's ends no further than _MAX_REACH: a report can be one unpunctuated
    # 20 MB line, and scanning it for every sentence is quadratic (corpus issue 11, item 8).
    first, last = facts[0].figure_start, facts[-1].figure_end
    floor, ceiling = max(0, first - _MAX_REACH), min(len(text), last + _MAX_REACH)
    lo = max(max(text.rfind(c, floor, first) for c in _SENTENCE_END) + 1, floor)
    ends = [i for c in _SENTENCE_END if (i := text.find(c, last, ceiling)) >= 0]
    hi = min(ends, default=ceiling)
    depth = _depths(text, lo, hi)
    usable = [f for f in facts if lo <= f.figure_start < f.figure_end <= hi and _additive(text, lo, f)]

    def inside(a: int, b: int, d: int) -> list[Fact]:
        return [f for f in usable if a <= f.figure_start and f.figure_end <= b and depth[f.figure_start] == d]

    records: list[dict] = []
    # 1. parentheses right after a run of totals: 5126户8731人（…）
    for p in (i for i in range(lo, hi) if text[i] in _OPEN):
        d, close = depth[p], p + 1
        while close < hi and not (text[close] in _CLOSE and depth[close] == d):
            close += 1
        inner = text[p + 1:close]
        if close >= hi or any(m in inner for m in _COMPARISON):
            continue
        run, end = [], p
        for fact in reversed([f for f in usable if f.figure_end <= p]):
            gap = text[fact.figure_end:end]
            if len(gap) > _MAX_GAP or any(c in _PREFIX_END or c.isdigit() for c in gap):
                break
            run.insert(0, fact)
            end = fact.figure_start
        records += _match(run, inside(p + 1, close, d), "parentheses")
    # 2. 其中 lists: the totals are in the clause before 其中, the parts run to 。；, a closing paren or
    #    the clause before the next 其中 (whose totals they are)
    marks = [i for i in range(lo, hi - 1) if text.startswith("其中", i)]

    def clause_start(q: int) -> int:
        d, i = depth[q], q
        while i > lo and text[i - 1] in "，,、：: \t":
            i -= 1
        while i > lo and not (text[i - 1] in _CLAUSE_END + _OPEN and depth[i - 1] == d):
            i -= 1
        return i

    for n, q in enumerate(marks):
        d, end = depth[q], q + 2
        nxt = next((m for m in marks[n + 1:] if depth[m] == d), None)
        while end < hi and not (text[end] in _LIST_END + _CLOSE and depth[end] == d):
            if end == nxt:
                end = clause_start(nxt)
                break
            end += 1
        records += _match(inside(clause_start(q), q, d), inside(q + 2, end, d), "其中")
    return records
