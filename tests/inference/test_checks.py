"""Total/parts consistency checks (inference/checks.py) and plausibility checks
(inference/plausibility.py) on hand-built facts."""

from __future__ import annotations

import pytest

from annotation.schema import AMOUNT, COUNT, PERCENT
from inference.checks import check_totals
from inference.facts import Fact
from inference.normalize import normalize_figure
from inference.plausibility import check_plausibility, run_together_splits

PREVIOUS = "上一句话没有数字。"  # so that offsets are document offsets, not sentence ones


def make_facts(sentence: str, *figures: tuple[str, str]) -> tuple[str, list[Fact]]:
    """Document text and the facts of its one sentence: each (figure, unit) is found in order after
    the previous one; kind from the unit (元 amount, % percent, else count), value via normalize_figure."""
    text, facts, cursor = PREVIOUS + sentence, [], len(PREVIOUS)
    for n, (figure, unit) in enumerate(figures):
        start = text.index(figure + unit, cursor)
        end = start + len(figure)
        label = PERCENT if unit == "%" else AMOUNT if unit.endswith("元") else COUNT
        fig = figure + unit if label == PERCENT else figure
        v = normalize_figure(fig, label, unit or None, before=text[max(0, start - 3):start],
                             after=text[end:end + 6]).as_dict()
        facts.append(Fact(doc="d", sentence=1, program="", program_simplified="", kind=v["kind"],
                          value=v["value"], low=v["low"], high=v["high"], unit=v["unit"],
                          approximate=v["approximate"], figure=fig, figure_start=start,
                          figure_end=start + len(fig), program_start=None, program_end=None, score=1.0,
                          figure_id=f"T{n}"))
        cursor = end
    return text, facts


def summary(records: list[dict]) -> list[tuple]:
    return [(r["kind"], r["total"], r["parts"], r["unit"], r["ok"]) for r in records]


DIBAO = "城乡低保对象5126户8731人（城市低保1204户2015人、农村低保3922户6716人）"
TEKUN = "全县特困人员2854人，其中集中供养1519人、分散供养1335人。"

CASES = [
    # parentheses, two units in one parenthesis: 户 with 户, 人 with 人
    (DIBAO, [("5126", "户"), ("8731", "人"), ("1204", "户"), ("2015", "人"), ("3922", "户"), ("6716", "人")],
     [("parts_sum", "T0", ["T2", "T4"], "户", True), ("parts_sum", "T1", ["T3", "T5"], "人", True)]),
    # 其中 with two parts that add up
    (TEKUN, [("2854", "人"), ("1519", "人"), ("1335", "人")],
     [("parts_sum", "T0", ["T1", "T2"], "人", True)]),
    # the guidelines' worked example: parts separated by commas
    ("截至目前,全市特困人员供养对象2854人,其中集中供养人数1519人,分散供养人数1335人。",
     [("2854", "人"), ("1519", "人"), ("1335", "人")], [("parts_sum", "T0", ["T1", "T2"], "人", True)]),
    # 其中 with a single part: only part ≤ total
    ("全市孤儿300人，其中社会散居孤儿260人。", [("300", "人"), ("260", "人")],
     [("part_le_total", "T0", ["T1"], "人", True)]),
    # 万元 amounts compared in 元
    ("筹集救助资金3186.4万元（中央资金2000万元、省级资金1186.4万元）",
     [("3186.4万", "元"), ("2000万", "元"), ("1186.4万", "元")],
     [("parts_sum", "T0", ["T1", "T2"], "元", True)]),
    # 其中 inside the parentheses: the parenthesis rule, not a second record
    ("临时救助5000人次（其中城市2000人次、农村3000人次）", [("5000", "人次"), ("2000", "人次"), ("3000", "人次")],
     [("parts_sum", "T0", ["T1", "T2"], "人次", True)]),
    # different units are not mixed: 户 total, 人 parts
    ("城乡低保对象5126户（城市低保2015人、农村低保6716人）", [("5126", "户"), ("2015", "人"), ("6716", "人")], []),
    ("全县特困人员2854人，其中集中供养1519户、分散供养1335户。", [("2854", "人"), ("1519", "户"), ("1335", "户")], []),
    # percents are never summed
    ("集中供养率53%（城市30%、农村23%）", [("53", "%"), ("30", "%"), ("23", "%")], []),
    # comparisons and per-capita levels are not parts
    ("救助困难群众5000人次（比上年增加6000人次）", [("5000", "人次"), ("6000", "人次")], []),
    ("低保平均补助水平500元（城市600元、农村400元）", [("500", "元"), ("600", "元"), ("400", "元")], []),
    # no structure
    ("全年发放低保资金4419万元，救助困难群众297人次。", [("4419万", "元"), ("297", "人次")], []),
    ("全市有养老机构120个、床位8000张。", [("120", "个"), ("8000", "张")], []),
    # a 其中 list may end before the sentence: a leading run of parts that adds up is the list
    ("全县特困人员2854人，其中集中供养1519人、分散供养1335人，新增特困人员30人。",
     [("2854", "人"), ("1519", "人"), ("1335", "人"), ("30", "人")],
     [("parts_sum", "T0", ["T1", "T2"], "人", True)]),
    # a part with its own parentheses: both structures are checked
    ("特困人员2854人，其中集中供养1519人（城市800人、农村719人）、分散供养1335人。",
     [("2854", "人"), ("1519", "人"), ("800", "人"), ("719", "人"), ("1335", "人")],
     [("parts_sum", "T1", ["T2", "T3"], "人", True), ("parts_sum", "T0", ["T1", "T4"], "人", True)]),
    # a non-additive figure between a fact and the parenthesis does not make that fact a total
    ("城市低保1204户，每户每月500元（城市600元、农村400元）",
     [("1204", "户"), ("500", "元"), ("600", "元"), ("400", "元")], []),
    # parts stop at ；, and the clause before the next 其中 holds its totals, not parts
    ("低保对象5126户，其中城市1204户、农村3922户；特困人员200户。",
     [("5126", "户"), ("1204", "户"), ("3922", "户"), ("200", "户")],
     [("parts_sum", "T0", ["T1", "T2"], "户", True)]),
    ("低保对象5126户，其中城市1204户、农村3922户，特困供养200户，其中集中120户、分散80户。",
     [("5126", "户"), ("1204", "户"), ("3922", "户"), ("200", "户"), ("120", "户"), ("80", "户")],
     [("parts_sum", "T0", ["T1", "T2"], "户", True), ("parts_sum", "T3", ["T4", "T5"], "户", True)]),
]


@pytest.mark.parametrize(("sentence", "figures", "expected"), CASES, ids=[c[0][:14] for c in CASES])
def test_structures(sentence, figures, expected):
    text, facts = make_facts(sentence, *figures)
    records = check_totals(text, facts)
    assert summary(records) == expected
    assert all(f.checks == [] for f in facts)  # everything here adds up


def test_mismatch_flags_total_and_parts():
    text, facts = make_facts(DIBAO.replace("3922户", "3921户"), ("5126", "户"), ("8731", "人"), ("1204", "户"),
                             ("2015", "人"), ("3921", "户"), ("6716", "人"))
    facts[0].program_simplified = "城乡低保"
    records = check_totals(text, facts)
    assert summary(records) == [("parts_sum", "T0", ["T2", "T4"], "户", False),
                                ("parts_sum", "T1", ["T3", "T5"], "人", True)]
    bad = records[0]
    assert (bad["total_value"], bad["parts_sum"]) == ("5126", "5125")
    assert bad["message"] == "parts 1204+3921 户 = 5125 ≠ total 5126 户 (城乡低保)"
    assert [f.checks for f in facts] == [[bad["message"]], [], [bad["message"]], [], [bad["message"]], []]


def test_single_part_larger_than_total():
    text, facts = make_facts("全市孤儿300人，其中社会散居孤儿360人。", ("300", "人"), ("360", "人"))
    (record,) = check_totals(text, facts)
    assert record["ok"] is False and record["kind"] == "part_le_total"
    assert record["message"] == "part 360 人 > total 300 人"
    assert facts[0].checks == facts[1].checks == [record["message"]]


def test_amount_mismatch_in_yuan():
    text, facts = make_facts("筹集救助资金3186.4万元，其中中央资金2000万元、省级资金1186.3万元。",
                             ("3186.4万", "元"), ("2000万", "元"), ("1186.3万", "元"))
    assert facts[0].value == "31864000"
    (record,) = check_totals(text, facts)
    assert record["ok"] is False
    assert record["message"] == "parts 20000000+11863000 元 = 31863000 ≠ total 31864000 元"


@pytest.mark.parametrize("sentence", [
    "全县特困人员2854人，其中集中供养1500余人、分散供养1335人。",
    "全县特困人员近2854人，其中集中供养1519人、分散供养1336人。",
    "全市孤儿300人，其中社会散居孤儿360多人。",
])
def test_approximate_not_flagged(sentence):
    figures = [(f, "人") for f in ("2854", "1500余", "1519", "1335", "1336", "300", "360多") if f + "人" in sentence]
    text, facts = make_facts(sentence, *figures)
    assert any(f.approximate for f in facts)
    (record,) = check_totals(text, facts)
    assert (record["ok"], record["message"]) == (None, "approximate")
    assert all(f.checks == [] for f in facts)


def test_empty_and_unsorted():
    assert check_totals("没有数字。", []) == []
    text, facts = make_facts(TEKUN, ("2854", "人"), ("1519", "人"), ("1335", "人"))
    assert summary(check_totals(text, facts[::-1])) == [("parts_sum", "T0", ["T1", "T2"], "人", True)]


# -- plausibility (inference/plausibility.py) ---------------------------------------------------------

def plausibility(sentence: str, *figures: tuple[str, str], level: str | None = None, kinds: dict | None = None):
    """Facts of one sentence, kinds overridden where a unit alone would mislabel them, then checked."""
    text, facts = make_facts(sentence, *figures)
    for i, kind in (kinds or {}).items():
        facts[i].kind = kind
    return facts, check_plausibility(text, facts, level)


def test_digits_run_together_are_flagged_not_fixed():
    facts, records = plausibility("截至目前，我市城镇低保7151100人，农村低保24286614人。",
                                  ("7151100", "人"), ("24286614", "人"), level="city")
    assert [(r["kind"], r["check"], r["figure"], r["ok"]) for r in records] == [
        ("plausibility", "run_together", "T0", False), ("plausibility", "run_together", "T1", False)]
    assert "715户1100人" in records[0]["message"] and "2428户6614人" in records[1]["message"]
    assert [f.value for f in facts] == ["7151100", "24286614"]            # never silently 'fixed'
    assert facts[0].checks == [records[0]["message"]]


@pytest.mark.parametrize(("sentence", "figure"), [
    ("全县城乡居民参保1150000人。", "1150000"),      # a round number: the 'people' part would start with 0
    ("全市注册志愿者194200人。", "194200"),          # six digits: an ordinary county figure
    ("全市低保对象1234567人。", "1234567"),          # no split gives 1-6 people a household
])
def test_plain_large_counts_are_not_run_together(sentence, figure):
    _, records = plausibility(sentence, (figure, "人"), level="province")
    assert records == []


def test_split_candidates():
    assert run_together_splits("7151100") == [(715, 1100)]
    assert run_together_splits("1734434015") == [(17344, 34015)]
    assert run_together_splits("1150000") == []


@pytest.mark.parametrize(("level", "flagged"), [(None, True), ("county", True), ("city", False), ("province", False)])
def test_population_limit_depends_on_the_level(level, flagged):
    facts, records = plausibility("全县农村低保对象6000000人。", ("6000000", "人"), level=level)
    assert [r["check"] for r in records] == (["population"] if flagged else [])
    if flagged:
        assert "浦东新区" in facts[0].checks[0] and "5,681,512" in facts[0].checks[0]


def test_population_counts_people_and_households_not_person_times():
    _, records = plausibility("全年临时救助90000000人次，救助对象40000000户。", ("90000000", "人次"), ("40000000", "户"),
                              level="city")
    assert [(r["check"], r["figure"]) for r in records] == [("population", "T1")]


@pytest.mark.parametrize(("sentence", "figure", "unit", "flagged"), [
    ("散居孤儿按每人每月6000元的标准发放。", "6000", "元", True),
    ("散居孤儿按每人每月1260元的标准发放。", "1260", "元", False),
    ("城市低保标准调整为630元/人·月。", "630", "元/人·月", False),
    ("城市低保标准调整为3元/人·月。", "3", "元/人·月", True),
    ("农村低保标准调整为5400元/人·年。", "5400", "元/人·年", False),
    ("农村低保标准调整为540000元/人·年。", "540000", "元/人·年", True),
    ("人均救助1921元。", "1921", "元", False),
    ("全年发放低保金6000元。", "6000", "元", False),   # not a rate: no 每人每月
])
def test_rates_outside_a_sane_range(sentence, figure, unit, flagged):
    _, records = plausibility(sentence, (figure, unit), kinds={0: "amount"})
    assert [r["check"] for r in records] == (["rate_range"] if flagged else [])


@pytest.mark.parametrize(("sentence", "figure", "flagged"), [("集中供养率153%。", "153", True),
                                                             ("集中供养率53%。", "53", False),
                                                             ("临时救助人次同比增长153%。", "153", False)])
def test_a_rate_in_percent_above_100(sentence, figure, flagged):
    _, records = plausibility(sentence, (figure, "%"))
    assert [r["check"] for r in records] == (["rate_range"] if flagged else [])


def test_an_amount_with_no_currency():
    facts, records = plausibility("已筹集特困人员供养经费2591.95(含十大民心)，标准调整为630/.月。",
                                  ("2591.95", ""), ("630", "/.月"), kinds={0: "amount", 1: "amount"})
    assert [(r["check"], r["figure"]) for r in records] == [("no_unit", "T0"), ("no_unit", "T1")]
    assert "has no unit" in facts[0].checks[0] and "lost the currency" in facts[1].checks[0]
    _, records = plausibility("发放低保金4419万元。", ("4419万", "元"))
    assert records == []
