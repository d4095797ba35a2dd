"""The rule-based pre-annotator on sentences written for these tests in the register of the reports."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotation.convert import example_to_results
from annotation.markup import parse_markup, to_markup
from annotation.rules import RuleAnnotator, find_figures
from annotation.schema import AMOUNT, COUNT, PERCENT, PROGRAM, UNIT, Example
from annotation.validate import validate_example

rules = RuleAnnotator()


def figures(text):
    """(figure text, label, unit text or None) for every figure the rules find."""
    out = []
    for f in find_figures(text):
        out.append((text[f.start : f.end], f.label, text[f.unit[0] : f.unit[1]] if f.unit else None))
    return out


def links(text):
    """figure text → its program's text (None when unlinked)."""
    ex = rules(text)
    by_id = ex.span_by_id()
    head_of = {r.tail: by_id[r.head] for r in ex.relations}
    return {
        ex.span_text(s): (ex.span_text(head_of[s.id]) if s.id in head_of else None)
        for s in ex.spans
        if s.label in (COUNT, AMOUNT, PERCENT)
    }


def test_worked_example_from_the_guidelines():
    line = (
        "截至目前,全市[[特困人员供养|P1]]对象[[2854|C>P1]][[人|U]],其中[[集中供养|P2]]人数[[1519|C>P2]][[人|U]],"
        "[[分散供养|P3]]人数[[1335|C>P3]][[人|U]]。"
    )
    gold = parse_markup(line)
    assert to_markup(rules(gold.text)) == line


def test_parentheses_scope_and_most_specific_program():
    text = "全县城乡低保对象5126户8731人(城市低保1204户2015人、农村低保3922户6716人)。"
    assert links(text) == {
        "5126": "城乡低保", "8731": "城乡低保", "1204": "城市低保", "2015": "城市低保",
        "3922": "农村低保", "6716": "农村低保",
    }  # fmt: skip
    inside_without_program = "城乡低保对象5126户(8731人)"
    assert links(inside_without_program) == {"5126": "城乡低保", "8731": "城乡低保"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发放低保资金4419万元", [("4419万", AMOUNT, "元")]),
        ("销售福利彩票2.68亿元", [("2.68亿", AMOUNT, "元")]),
        ("注册志愿者19.42万人", [("19.42万", COUNT, "人")]),
        ("救助流浪人员300余人次", [("300余", COUNT, "人次")]),
        ("投入资金3000多万元", [("3000多万", AMOUNT, "元")]),
        ("惠及1.2万余户", [("1.2万余", COUNT, "户")]),
        ("累计支出12,345.6万元", [("12,345.6万", AMOUNT, "元")]),
        ("新增床位３２０张", [("３２０", COUNT, "张")]),
        ("保障对象三十五万人", [("三十五万", COUNT, "人")]),
        ("帮扶两万余人", [("两万余", COUNT, "人")]),
        ("标准提高到630元/人.月", [("630", AMOUNT, "元/人.月")]),
        ("标准为720元/人·月", [("720", AMOUNT, "元/人·月")]),
        ("集中供养率53%", [("53%", PERCENT, None)]),
        ("覆盖率达到百分之五十", [("百分之五十", PERCENT, None)]),
        ("增长12.5％", [("12.5％", PERCENT, None)]),
        ("配备轮椅533台，火化遗体2360具", [("533", COUNT, "台"), ("2360", COUNT, "具")]),
        (
            "养老机构42家，建成项目18项，护理床位900床",
            [("42", COUNT, "家"), ("18", COUNT, "项"), ("900", COUNT, "床")],
        ),
        (
            "敬老院12所，救助6325名，设立站点30个",
            [("12", COUNT, "所"), ("6325", COUNT, "名"), ("30", COUNT, "个")],
        ),
        ("每人每月1260元", [("1260", AMOUNT, "元")]),
        ("补助标准200-600元", [("200", AMOUNT, None), ("600", AMOUNT, "元")]),
        ("一次性补助1000元至5000元", [("1000", AMOUNT, "元"), ("5000", AMOUNT, "元")]),
        ("近2500人次", [("2500", COUNT, "人次")]),
    ],
)
def test_figures_and_units(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2019年以来",
        "6月底前完成",
        "3月1日起施行",
        "1-5月累计",
        "对60岁以上老人",
        "年满80周岁的",
        "80-89周岁的老年人",
        "依据民发〔2020〕14号文件",
        "按照条例第十六条规定",
        "一是加强领导，二是强化保障",
        "（一）健全制度",
        "1.完善救助体系",
        "在5个工作日内办结",
        "实行24小时值班",
        "海拔4500米以上地区",
        "发放低保金xxxx万元",
        "救助资金xx.xx万元",
        "残疾人两项补贴按时发放",
        "三无人员纳入供养",
        "落实十大民心工程",
        "拨打12345热线",
        "第3批试点",
        "统一发放一个月",
        "千家万户受益",
        "提高3个百分点",
    ],
)
def test_distractors_are_not_figures(text):
    assert figures(text) == []
    assert rules(text).spans == []


def test_programs_drop_leading_verbs_scope_words_and_generic_heads():
    assert links("全年发放城乡低保资金4419万元") == {"4419万": "城乡低保"}
    assert links("孤儿基本生活保障资金542.4万元") == {"542.4万": "孤儿基本生活保障"}
    assert links("全市筹集困难群众冬季取暖补贴120万元") == {"120万": "困难群众冬季取暖补贴"}
    assert links("临时救助297人次，支出救助资金1.4万元") == {"297": "临时救助", "1.4万": "救助"}
    assert links("特困人员总数2854人") == {"2854": "特困人员"}
    assert links("全年福利彩票销售额7449.73万元") == {"7449.73万": "福利彩票"}
    assert links("海拔4500米以上建制村共计67个") == {"67": "建制村"}


def test_a_group_counted_right_after_the_figure_is_the_program():
    assert links("为1520名困难残疾人发放生活补贴") == {"1520": "困难残疾人"}
    assert links("办理婚姻登记3000对") == {"3000": "婚姻登记"}


def test_no_link_across_clauses_and_programs_only_where_linked():
    ex = rules("临时救助工作稳步推进，全年共接待来访群众120人次。")
    assert links(ex.text) == {"120": None}
    assert [s.label for s in ex.spans] == [COUNT, UNIT]  # 临时救助 has no figure: not marked
    assert rules("低保工作有序开展。").spans == []


def test_output_is_valid_scored_and_convertible():
    text = (
        "2023年全县城乡低保对象5126户8731人(城市低保1204户2015人、农村低保3922户6716人)，"
        "发放低保资金4419万元，集中供养率53%，😀临时救助297人次，𠀋高龄津贴每人每月100元。"
    )
    ex = rules(text)
    assert validate_example(ex) == []
    assert all(s.score is not None and 0 < s.score <= 1 for s in ex.spans)
    assert all(r.score is not None for r in ex.relations)
    assert len({s.id for s in ex.spans}) == len(ex.spans)
    assert {s.label for s in ex.spans} == {PROGRAM, COUNT, AMOUNT, PERCENT, UNIT}
    assert example_to_results(ex)  # ids everywhere: ready for Label Studio
    assert links(text)["297"] == "临时救助" and links(text)["100"] == "高龄津贴"


def test_annotate_keeps_id_and_meta_and_call_takes_text():
    base = Example("doc1:4", "注册志愿者19.42万人", meta={"doc": "doc1", "index": 4})
    ex = rules.annotate(base)
    assert (ex.id, ex.meta, ex.text) == ("doc1:4", {"doc": "doc1", "index": 4}, base.text)
    assert [ex.span_text(s) for s in ex.spans] == ["志愿者", "19.42万", "人"]
    assert rules.annotate(base.text).spans == rules(base.text).spans
    assert rules.version.startswith("rules-")


def test_empty_and_figure_free_text():
    assert rules("").spans == []
    assert rules("加强基层民政能力建设。").relations == []


_pieces = st.sampled_from(
    [*"0123456789０５.,%％-（）()，。、 万亿余多元人户名个第年月岁号一二两三十百千是", "城乡低保", "临时救助", "孤儿",
     "两项补贴", "补贴", "资金", "发放", "对象", "元/人.月", "人次", "百分之", "〔2020〕", "xxxx", "😀", "𠀋"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(_pieces, max_size=25))
def test_any_text_gives_a_valid_example(pieces):
    text = "".join(pieces)
    ex = rules(text)
    assert ex.text == text
    assert validate_example(ex) == []


def test_a_project_can_extend_the_lexicon():
    text = "全年发放孝老爱亲红包320万元"
    assert links(text) == {"320万": None}
    extended = RuleAnnotator(lexicon=[*RuleAnnotator().lexicon, "孝老爱亲红包"])
    ex = extended(text)
    assert [(ex.span_text(s), s.label) for s in ex.spans][0] == ("孝老爱亲红包", PROGRAM)


def test_qualifiers_generic_heads_and_receivers():
    assert links("全县纳入农村特困供养3780人") == {"3780": "农村特困供养"}
    assert links("城镇低保对象1413户") == {"1413": "城镇低保"}
    assert links("截至目前临时救助297人次，对象救助资金85.3万元") == {"297": "临时救助", "85.3万": "救助"}
    assert links("核定9194人享受困难残疾人生活补贴") == {"9194": "困难残疾人生活补贴"}


def test_traditional_characters_in_noisy_text():
    assert figures("發放保障金233.6萬元，救助65戶") == [("233.6萬", AMOUNT, "元"), ("65", COUNT, "戶")]


def test_numbers_in_quoted_names_and_slogans():
    assert figures("落实“两项补贴”政策") == []
    assert figures("推行三户一体模式") == []
    assert figures("帮扶三户困难家庭") == [("三", COUNT, "户")]
