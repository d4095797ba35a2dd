"""Decoding constraints: figures start on numerals, no unknown one-character PROGRAM/UNIT, PROGRAM on word edges."""

import jieba
import numpy as np
import pytest

from annotation.markup import parse_markup
from annotation.schema import PROGRAM, Span
from training.align import BIO, LABEL2ID, viterbi_tags
from training.augment import augment, replace_programs
from training.constraints import check_constraints, close_quotes, span_constraints
from training.words import word_boundaries


def probs_for(tags: list[str], p: float = 0.6) -> np.ndarray:
    """Per-position probabilities that prefer `tags` (the rest of the mass spread evenly)."""
    out = np.full((len(tags), len(BIO)), (1 - p) / (len(BIO) - 1))
    for i, t in enumerate(tags):
        out[i, LABEL2ID[t]] = p
    return out


def decode(text: str, tags: list[str], names: list[str]) -> list[str]:
    offsets = [(i, i + 1) for i in range(len(text))]
    rules = span_constraints(text, offsets, names)
    return [BIO[t] for t in viterbi_tags(probs_for(tags), [True] * len(text), *rules)]


def test_figure_must_start_on_a_numeral():
    text = "约300人"
    tags = ["B-COUNT", "I-COUNT", "I-COUNT", "I-COUNT", "B-UNIT"]
    assert decode(text, tags, [])[0] == "B-COUNT"
    assert decode(text, tags, ["numeral"])[:2] == ["O", "B-COUNT"]


def test_one_character_program_and_unknown_unit_are_not_emitted():
    text = "救了3批"
    tags = ["B-PROGRAM", "O", "B-COUNT", "B-UNIT"]
    out = decode(text, tags, ["single"])
    assert out[0] != "B-PROGRAM" or out[1] == "I-PROGRAM"
    assert decode("共3人", ["O", "B-COUNT", "B-UNIT"], ["single"])[2] == "B-UNIT"  # 人 is a known unit


def test_program_ends_on_a_word_boundary():
    text = "临时救助297人次"
    tags = ["B-PROGRAM", "I-PROGRAM", "I-PROGRAM", "O", "B-COUNT", "I-COUNT", "I-COUNT", "B-UNIT", "I-UNIT"]
    assert decode(text, tags, [])[:4] == ["B-PROGRAM", "I-PROGRAM", "I-PROGRAM", "O"]  # 临时救: cut short
    out = decode(text, tags, ["words"])
    end = max(i + 1 for i, t in enumerate(out) if t.endswith("PROGRAM"))
    assert end != 3 and end in word_boundaries(text)  # 临时 or 临时救助, never 临时救


def test_word_boundaries_split_what_the_guidelines_keep_outside():
    b = word_boundaries("发放临时救助金27万元")
    assert {2, 6} <= b  # 临时救助 is a word, 金 stands apart
    assert {0, len("发放临时救助金27万元")} <= b


def test_measure_word_splits_off_only_after_a_numeral():
    # 人数 after a program is one word: 集中供养人 (ending inside it) must stay forbidden
    text = "集中供养人数1519人"
    b = word_boundaries(text)
    assert 4 in b and 5 not in b
    # a measure word jieba glues to the next word right after a figure stands apart
    glued = next(w for w, s, e in jieba.tokenize("建成3个村居委会") if w.startswith("个"))
    assert len(glued) > 1  # jieba does glue it, so the split below is this rule's
    assert {3, 4} <= word_boundaries("建成3个村居委会")


def test_a_program_cut_inside_its_own_quotes_is_closed():
    text = "享受残疾人“两项补贴”共有13342人,落实“两项补贴”资金"
    opened = Span(2, text.index("”"), PROGRAM, "e1")  # 残疾人“两项补贴, the closing mark left out
    inner = Span(text.rindex("两"), text.rindex("”"), PROGRAM, "e2")  # 两项补贴 inside its quotes: a name
    figure = Span(text.index("1"), text.index("人", text.index("1")), "COUNT", "e3")
    closed, kept, same = close_quotes(text, [opened, inner, figure])
    assert text[closed.start : closed.end] == "残疾人“两项补贴”" and closed.id == "e1"
    assert (kept.start, kept.end) == (inner.start, inner.end) and same == figure
    # not closed when the closing mark is not right after the span
    cut = Span(2, text.index("”") - 1, PROGRAM, "e4")
    assert close_quotes(text, [cut])[0] == cut


def test_gold_programs_close_the_quotes_they_open():
    from training.data import load_gold

    for example in load_gold(["annotation/gold"]):
        programs = [s for s in example.spans if s.label == PROGRAM]
        assert close_quotes(example.text, programs) == programs, example.id


def test_unknown_constraint_is_named():
    with pytest.raises(ValueError, match="unknown decoding constraint"):
        check_constraints(["numerals"])


def test_replace_programs_keeps_offsets_and_links():
    e = parse_markup("发放[[临时救助|P1]]金[[27万|A>P1]][[元|U]]，[[低保|P2]][[3|C>P2]][[户|U]]", "x")
    import random

    copy = replace_programs(e, ["城乡最低生活保障"], random.Random(1), "aug1")
    assert copy.text == "发放城乡最低生活保障金27万元，城乡最低生活保障3户"
    assert [copy.span_text(s) for s in copy.spans] == ["城乡最低生活保障", "27万", "元", "城乡最低生活保障", "3", "户"]
    assert copy.relations == e.relations and copy.id == "x~aug1"
    assert len(augment([e], 2)) == 2


def test_augmentation_draws_extra_names_but_not_their_sentences():
    from training.pipeline import augment_names

    e = parse_markup("发放[[临时救助|P1]]金[[27万|A>P1]][[元|U]]", "x")
    extra = augment_names(["annotation/extra"])
    assert len(extra) > 100
    copies = augment([e], 20, extra_names=extra)
    assert len(copies) == 20  # one copy per original and round: the extra names bring no sentences
    used = {c.span_text(s) for c in copies for s in c.spans if s.label == "PROGRAM"}
    assert used - {"临时救助"} and used <= set(extra) | {"临时救助"}
    assert all(c.text.endswith("金27万元") for c in copies)
    assert augment_names([]) == []


def test_novel_names_are_jieba_nouns_and_keep_the_sentence_around_them():
    from training.augment import novel_words

    e = parse_markup("发放[[临时救助|P1]]金[[27万|A>P1]][[元|U]]", "x")
    words = set(novel_words())
    assert len(words) > 1000 and {"车辆", "职工"} <= words and "的" not in words
    copies = augment([e], 40, novel=1.0)
    names = [c.span_text(s) for c in copies for s in c.spans if s.label == "PROGRAM"]
    assert "临时救助" not in names and len(set(names)) > 30  # every name new, and they vary
    # one or two dictionary words each
    assert all(n in words or any(n[:k] in words and n[k:] in words for k in range(2, 5)) for n in names)
    assert all(c.text.startswith("发放") and c.text.endswith("金27万元") for c in copies)
    half = [c.span_text(s) for c in augment([e], 200, novel=0.5) for s in c.spans if s.label == "PROGRAM"]
    assert 60 < half.count("临时救助") < 140  # about half keep a training name
    with pytest.raises(ValueError, match="augment_novel"):
        augment([e], 1, novel=1.5)


def test_segmenting_only_texts_whose_path_holds_a_program_decodes_as_segmenting_all():
    """FigureModel.decode runs jieba only where the path without `words` holds a PROGRAM tag: the shipped
    model's spans on gold sentences must equal decoding every text under all its constraints at once."""
    from pathlib import Path

    from training.align import TokenView, decode_spans
    from training.data import load_gold, to_clean_examples
    from training.predict import FigureModel

    root = Path(__file__).resolve().parents[2]
    model = FigureModel.from_pretrained(root / "models" / "default")
    assert "words" in model.constraints
    texts = [e.text for e in to_clean_examples(load_gold([root / "annotation" / "gold"]))[:120]]
    encoded = model.encode(texts)
    lazily = model.decode(encoded)
    segmented = 0
    for enc, got in zip(encoded, lazily, strict=True):
        mask = [bool(w) and e > s for w, (s, e) in zip(enc.word_starts, enc.offsets, strict=True)]
        rules = span_constraints(enc.text, [o for o, m in zip(enc.offsets, mask, strict=True) if m],
                                 model.constraints)
        tags = viterbi_tags(enc.probs, mask, *rules)
        assert got == decode_spans(TokenView(enc.offsets, enc.word_starts), tags, enc.probs[np.arange(len(tags)), tags])
        segmented += any(s.label == "PROGRAM" for s in got)
    assert segmented > 10  # the sample has programs: the second pass was exercised


def test_boundaries_asked_about_a_few_positions_agree_with_segmenting_the_whole_text():
    from pathlib import Path

    from training.data import load_gold
    from training.words import boundaries_at

    root = Path(__file__).resolve().parents[2]
    texts = [e.text for e in load_gold([root / "annotation" / "gold"])][:300]
    texts += ["城市低保\r\n农村低保金2人", "发放 临时救助金27.482万元", "ABC低保123", "", "建成３个村居委会", "，人数"]
    for text in texts:
        full = word_boundaries(text)
        asked = boundaries_at(text, range(len(text) + 1))
        assert [p for p, yes in sorted(asked.items()) if yes] == sorted(full), text


def test_argmax_path_is_accepted_only_when_it_obeys_iob2_and_the_constraints():
    from training.align import path_allowed
    from training.constraints import programs_on_word_edges

    ids = lambda tags: np.array([LABEL2ID[t] for t in tags])  # noqa: E731
    assert path_allowed(ids(["O", "B-COUNT", "I-COUNT", "B-UNIT"]))
    assert not path_allowed(ids(["O", "I-COUNT"]))  # I- after O
    assert not path_allowed(ids(["I-COUNT"]))  # I- first
    text = "约300人"
    offsets = [(i, i + 1) for i in range(len(text))]
    tags = ids(["B-COUNT", "I-COUNT", "I-COUNT", "I-COUNT", "B-UNIT"])
    assert path_allowed(tags) and not path_allowed(tags, *span_constraints(text, offsets, ["numeral"]))
    text = "临时救助金100万元"
    offsets = [(i, i + 1) for i in range(len(text))]
    whole = ids(["B-PROGRAM", "I-PROGRAM", "I-PROGRAM", "I-PROGRAM"] + ["O"] * 6)
    cut = ids(["B-PROGRAM", "I-PROGRAM", "I-PROGRAM"] + ["O"] * 7)  # 临时救: ends inside 救助
    assert programs_on_word_edges(text, offsets, whole) and not programs_on_word_edges(text, offsets, cut)
    for tags in (whole, cut):
        assert programs_on_word_edges(text, offsets, tags) == path_allowed(
            tags, *span_constraints(text, offsets, ["words"]))


def test_checking_a_path_directly_agrees_with_the_constraint_arrays():
    """path_obeys reads only span openings; on random IOB2 paths over real text it must give the verdict
    of the (positions × tags) arrays that Viterbi uses, for every subset of the constraints."""
    from itertools import combinations

    from training.align import path_allowed
    from training.constraints import path_obeys

    rng = np.random.default_rng(3)
    texts = ["城市低保1204户2015人", "发放临时救助金27.482万元，救助4321人次", "约300人次", "供养率53%，人", "一户多人"]
    checked = 0
    for text in texts:
        offsets = [(i, i + 1) for i in range(len(text))]
        for _ in range(300):
            tags = rng.choice(len(BIO), size=len(text), p=[0.4] + [0.06] * (len(BIO) - 1))
            if not path_allowed(tags):
                continue
            for r in range(4):
                for names in combinations(["numeral", "single", "words"], r):
                    assert path_obeys(text, offsets, tags, names) == path_allowed(
                        tags, *span_constraints(text, offsets, names)), (text, tags, names)
                    checked += 1
    assert checked > 200


def test_rule_backoff_adds_only_figures_the_model_left_unmarked():
    from annotation.schema import Span
    from training.constraints import add_rule_figures, check_constraints

    text = "救助4321人次，发放资金27.482万元"
    model = [Span(2, 6, "COUNT"), Span(6, 8, "UNIT")]  # the model found the count, missed the amount
    out = add_rule_figures(text, model)
    assert [(s.start, s.end, s.label) for s in out] == [(2, 6, "COUNT"), (6, 8, "UNIT"), (13, 20, "AMOUNT"),
                                                        (20, 21, "UNIT")]  # 27.482万 | 元, as the guidelines cut it
    assert add_rule_figures(text, out) == out  # nothing left to add
    assert check_constraints(["numeral", "rules"]) == ["numeral", "rules"]
    with pytest.raises(ValueError, match="rules"):
        check_constraints(["rulez"])


def test_lexicon_backoff_gives_unlinked_figures_the_rule_baselines_lexicon_program():
    from annotation.schema import Relation, Span
    from training.constraints import add_lexicon_programs

    def name(k):
        return f"n{k}"

    text = "全市养老机构34所，其中公办养老机构12所"  # the lexicon knows 养老机构
    figures = [Span(6, 8, "COUNT", "f1"), Span(8, 9, "UNIT", "u1"), Span(18, 20, "COUNT", "f2"), Span(20, 21, "UNIT", "u2")]
    spans, relations = add_lexicon_programs(text, figures, [], name)
    programs = {s.id: (s.start, s.end) for s in spans if s.label == "PROGRAM"}
    assert sorted(programs.values()) == [(2, 6), (14, 18)]  # 养老机构 before each count
    assert {(programs[r.head], r.tail) for r in relations} == {((2, 6), "f1"), ((14, 18), "f2")}
    assert len({s.id for s in spans}) == len(spans)  # added spans get fresh ids

    # a figure the linker already linked keeps its link; nothing is added for it
    own = [*figures, Span(12, 18, "PROGRAM", "p1")]  # 公办养老机构, the model's (wider) program
    spans, relations = add_lexicon_programs(text, own, [Relation("p1", "f2")], name)
    assert [(s.start, s.end) for s in spans if s.label == "PROGRAM"] == [(2, 6), (12, 18)]
    assert {(r.head, r.tail) for r in relations} == {("p1", "f2"), (spans[0].id, "f1")}

    # the same span already marked by the model is linked, not duplicated
    own = [Span(2, 6, "PROGRAM", "p1"), *figures[:2]]
    spans, relations = add_lexicon_programs(text[:9], own, [], name)
    assert spans == own and [(r.head, r.tail) for r in relations] == [("p1", "f1")]

    # a program the rules found only by pattern (…补贴) is not trusted; nor one overlapping a model span
    text = "发放困难群众生活补贴50万元"
    money = [Span(10, 13, "AMOUNT", "f1"), Span(13, 14, "UNIT", "u1")]
    assert add_lexicon_programs(text, money, [], name) == (money, [])
    text = "全市养老机构34所"
    clash = [Span(0, 4, "PROGRAM", "p1"), Span(4, 6, "COUNT", "f1")]  # model: 全市养老 (overlaps 养老机构)
    assert add_lexicon_programs(text, clash, [], name) == (clash, [])
    assert check_constraints(["lexicon"]) == ["lexicon"]


@pytest.mark.parametrize("text, figure, distractor", [
    ("青政〔2016〕15号", "15", True),  # document number
    ("青政[2014]70號", "2014", True),  # inside brackets
    ("2014.12.16", "12", True),  # inside a date
    ("第4条审批", "4", True),  # article number
    ("惠及80周岁以上老人3760名", "80", True),  # age
    ("惠及80周岁以上老人3760名", "3760", False),
    ("5个工作日内办结", "5", True),  # duration of procedure
    ("城市低保（1204户）", "1204", False),  # a breakdown in parentheses is a figure
    ("发放临时救助金27.482万元", "27.482", False),
])
def test_distractors_are_the_guidelines_non_figures(text, figure, distractor):
    from training.constraints import is_distractor

    start = text.index(figure)
    assert is_distractor(text, start, start + len(figure)) == distractor


def test_dropping_a_distractor_drops_its_unit_too():
    from annotation.schema import Span
    from training.constraints import drop_distractors

    text = "第4条：救助4321人次"
    spans = [Span(1, 2, "COUNT"), Span(2, 3, "UNIT"), Span(6, 10, "COUNT"), Span(10, 12, "UNIT")]
    assert [(s.start, s.label) for s in drop_distractors(text, spans)] == [(6, "COUNT"), (10, "UNIT")]
