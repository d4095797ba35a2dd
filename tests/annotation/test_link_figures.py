"""The heuristic linker on given (gold) entities: annotation.rules.link_figures.

Rules (annotation.rules._link): a group named right after a count is what it counts;
otherwise the nearest program before the figure in its clause, looking inside its own
parentheses first and skipping closed ones; else a benefit received (享受…) after a count.
"""

from annotation.rules import link_figures
from annotation.schema import HAS_VALUE, Span


def at(text: str, sub: str, label: str, sid: str, nth: int = 0) -> Span:
    """The nth occurrence of `sub` in `text` as a span (positions checked against the text)."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(sub, start + 1)
    return Span(start, start + len(sub), label, sid)


def links(text: str, spans: list[Span]) -> dict[str, str]:
    """figure id → program id; fails if a figure got two relations."""
    rels = link_figures(text, spans)
    tails = [r.tail for r in rels]
    assert len(tails) == len(set(tails)), "a figure has more than one program"
    assert all(r.label == HAS_VALUE for r in rels)
    return {r.tail: r.head for r in rels}


TEXT = "城乡低保对象5126户（城市低保1204户、农村低保3922户）"
SPANS = [
    at(TEXT, "城乡低保", "PROGRAM", "P-all"),
    at(TEXT, "5126", "COUNT", "F-total"),
    at(TEXT, "户", "UNIT", "U1", 0),
    at(TEXT, "城市低保", "PROGRAM", "P-city"),
    at(TEXT, "1204", "COUNT", "F-city"),
    at(TEXT, "户", "UNIT", "U2", 1),
    at(TEXT, "农村低保", "PROGRAM", "P-rural"),
    at(TEXT, "3922", "COUNT", "F-rural"),
    at(TEXT, "户", "UNIT", "U3", 2),
]


def test_spans_are_where_the_test_thinks():
    assert [(s.start, s.end) for s in SPANS] == [
        (0, 4), (6, 10), (10, 11), (12, 16), (16, 20), (20, 21), (22, 26), (26, 30), (30, 31)]


def test_total_and_breakdown_in_parentheses():
    assert links(TEXT, SPANS) == {"F-total": "P-all", "F-city": "P-city", "F-rural": "P-rural"}


def test_relation_ids_refer_to_the_given_spans_and_only_figures_are_tails():
    rels = link_figures(TEXT, SPANS)
    by_id = {s.id: s for s in SPANS}
    assert len(rels) == 3
    for r in rels:
        assert by_id[r.head].label == "PROGRAM"
        assert by_id[r.tail].label in {"COUNT", "AMOUNT", "PERCENT"}
    assert not {r.tail for r in rels} & {"U1", "U2", "U3"}


def test_confidence_same_clause_is_0_8():
    assert {r.tail: r.score for r in link_figures(TEXT, SPANS)} == {
        "F-total": 0.8, "F-city": 0.8, "F-rural": 0.8}


def test_a_group_named_right_after_a_count_is_what_it_counts():
    text = "临时救助1520名困难残疾人"
    spans = [at(text, "临时救助", "PROGRAM", "p1"), at(text, "1520", "COUNT", "c1"),
             at(text, "名", "UNIT", "u1"), at(text, "困难残疾人", "PROGRAM", "p2")]
    # rule 1 wins over the nearer-before program 临时救助
    assert links(text, spans) == {"c1": "p2"}
    assert link_figures(text, spans)[0].score == 0.6


def test_a_group_after_de_is_what_the_count_counts():
    text = "临时救助1520户的困难家庭"
    spans = [at(text, "临时救助", "PROGRAM", "p1"), at(text, "1520", "COUNT", "c1"),
             at(text, "户", "UNIT", "u1"), at(text, "困难家庭", "PROGRAM", "p2")]
    assert links(text, spans) == {"c1": "p2"}


def test_a_count_without_its_unit_span_looks_right_after_the_figure():
    text = "1520困难残疾人"
    spans = [at(text, "1520", "COUNT", "c1"), at(text, "困难残疾人", "PROGRAM", "p1")]
    assert links(text, spans) == {"c1": "p1"}


def test_an_amount_is_not_linked_to_a_program_after_it():
    text = "发放27.5万元城乡低保"
    spans = [at(text, "27.5万", "AMOUNT", "a1"), at(text, "元", "UNIT", "u1"),
             at(text, "城乡低保", "PROGRAM", "p1")]
    assert links(text, spans) == {}


def test_a_clause_without_program_carries_over_the_program_before_it():
    # GUIDELINES: every figure whose program is named in the same sentence is linked
    text = "城乡低保对象5126户，共计1520人"
    spans = [at(text, "城乡低保", "PROGRAM", "p1"), at(text, "5126", "COUNT", "c1"),
             at(text, "户", "UNIT", "u1"), at(text, "1520", "COUNT", "c2"), at(text, "人", "UNIT", "u2")]
    assert links(text, spans) == {"c1": "p1", "c2": "p1"}


def test_carry_over_stops_at_the_sentence_end():
    text = "城乡低保对象5126户。共计1520人"
    spans = [at(text, "城乡低保", "PROGRAM", "p1"), at(text, "5126", "COUNT", "c1"),
             at(text, "户", "UNIT", "u1"), at(text, "1520", "COUNT", "c2"), at(text, "人", "UNIT", "u2")]
    assert links(text, spans) == {"c1": "p1"}


def test_respectively_pairs_programs_and_figures_in_order():
    text = "城市低保标准、农村低保标准分别调整为630元、450元，增长5%、8%"
    spans = [at(text, "城市低保", "PROGRAM", "p1"), at(text, "农村低保", "PROGRAM", "p2"),
             at(text, "630", "AMOUNT", "a1"), at(text, "450", "AMOUNT", "a2"),
             at(text, "5%", "PERCENT", "r1"), at(text, "8%", "PERCENT", "r2")]
    assert links(text, spans) == {"a1": "p1", "a2": "p2", "r1": "p1", "r2": "p2"}


def test_a_figure_at_the_start_with_the_program_later_is_unlinked():
    text = "共计1520人，城乡低保"
    spans = [at(text, "1520", "COUNT", "c1"), at(text, "人", "UNIT", "u1"),
             at(text, "城乡低保", "PROGRAM", "p1")]
    assert link_figures(text, spans) == []


def test_the_nearest_of_several_programs_before_wins():
    text = "城乡低保、特困人员5126户"
    spans = [at(text, "城乡低保", "PROGRAM", "p1"), at(text, "特困人员", "PROGRAM", "p2"),
             at(text, "5126", "COUNT", "c1"), at(text, "户", "UNIT", "u1")]
    assert links(text, spans) == {"c1": "p2"}


def test_a_figure_outside_skips_a_closed_parenthesis():
    text = "城乡低保（其中城市低保）资金27.5万元"
    spans = [at(text, "城乡低保", "PROGRAM", "p-all"), at(text, "城市低保", "PROGRAM", "p-city"),
             at(text, "27.5万", "AMOUNT", "a1"), at(text, "元", "UNIT", "u1")]
    assert links(text, spans) == {"a1": "p-all"}


def test_a_figure_in_parentheses_without_a_program_inside_looks_outside():
    text = "城乡低保（共5126户）"
    spans = [at(text, "城乡低保", "PROGRAM", "p1"), at(text, "5126", "COUNT", "c1"),
             at(text, "户", "UNIT", "u1")]
    rels = link_figures(text, spans)
    assert [(r.head, r.tail) for r in rels] == [("p1", "c1")]
    assert rels[0].score == 0.6  # found outside its parentheses: less sure


def test_a_comma_inside_a_closed_parenthesis_does_not_end_the_clause():
    text = "临时救助（含城市，农村）支出300万元"
    spans = [at(text, "临时救助", "PROGRAM", "p1"), at(text, "300万", "AMOUNT", "a1"),
             at(text, "元", "UNIT", "u1")]
    assert links(text, spans) == {"a1": "p1"}


def test_a_count_receiving_a_benefit_named_after_it():
    text = "全市9194人享受困难残疾人生活补贴"
    spans = [at(text, "9194", "COUNT", "c1"), at(text, "人", "UNIT", "u1"),
             at(text, "困难残疾人生活补贴", "PROGRAM", "p1")]
    rels = link_figures(text, spans)
    assert [(r.head, r.tail, r.score) for r in rels] == [("p1", "c1", 0.5)]


def test_percent_and_amount_take_the_program_before():
    text = "特困供养标准提高到每人每年6000元，城乡低保覆盖率53%"
    spans = [at(text, "特困供养", "PROGRAM", "p1"), at(text, "6000", "AMOUNT", "a1"),
             at(text, "元", "UNIT", "u1"), at(text, "城乡低保", "PROGRAM", "p2"),
             at(text, "53%", "PERCENT", "r1")]
    assert links(text, spans) == {"a1": "p1", "r1": "p2"}


def test_no_figures_no_relations():
    text = "城乡低保和特困人员"
    spans = [at(text, "城乡低保", "PROGRAM", "p1"), at(text, "特困人员", "PROGRAM", "p2")]
    assert link_figures(text, spans) == []


def test_model_scores_on_programs_do_not_change_the_choice():
    scored = [Span(s.start, s.end, s.label, s.id, 0.1) for s in SPANS]
    assert links(TEXT, scored) == {"F-total": "P-all", "F-city": "P-city", "F-rural": "P-rural"}
