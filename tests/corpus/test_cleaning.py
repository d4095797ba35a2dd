"""Cleaning steps on hand-written text, and properties on random noisy text."""

from __future__ import annotations

import html
import random
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.build import CorpusConfig, segment_text
from corpus.cleaning import CleaningConfig, clean_text
from corpus.mojibake import find_mojibake
from corpus.steps import _narrow, _t2s

COMMON = [
    bytes([a, b]).decode("gb2312")
    for a in range(0xB0, 0xD8)
    for b in range(0xA1, 0xFF)
    if (a, b) < (0xD7, 0xFA)
]


def test_pinyin_glosses_go_but_latin_in_brackets_stays() -> None:
    text, _, stats = clean_text("發(fā)展城鄉(xiāng)低保（yī）療，辦法(試行)和(PPP)模式、(a)项、xx(xxx)元")
    assert text == "发展城乡低保疗，办法(试行)和(PPP)模式、(a)项、xx(xxx)元"
    assert stats["pinyin_glosses"] == len("(fā)") + len("(xiāng)") + len("（yī）")


def test_width_folds_full_width_but_keeps_chinese_punctuation() -> None:
    text, offsets, _ = clean_text("共１２３户，发放４５．６万元（含ＡＢ）；比例：５０％！？、。\u3000完")
    assert text == "共123户，发放45.6万元(含AB)；比例：50%！？、。完"
    assert len(text) == offsets.orig_len - 1  # 1 → 1 everywhere, only the ideographic space went


def test_html_remnants_in_plain_text() -> None:
    text, offsets, _ = clean_text("低保</font>对象&nbsp;5126户<br>临时救助&amp;医疗救助&lt;5&gt;")
    assert text == "低保对象5126户\n临时救助&医疗救助<5>"
    amp = text.index("&")
    assert offsets.to_original(amp, amp + 1)[1] - offsets.to_original(amp, amp + 1)[0] == len("&amp;")


def test_redacted_figures_stay() -> None:
    text, _, _ = clean_text("累计发放低保金xxxx.xx 万元,承保xx.x 万元")
    assert text == "累计发放低保金xxxx.xx万元,承保xx.x万元"


def test_boilerplate_lines_and_white_space() -> None:
    body = "全县城乡低保对象5126户8731人，累计发放低保金3186.4万元，特困人员1413户2287人。"
    raw = f"当前位置: 首页>政务公开\r\n标题  一\r\n\r\n\r\n\r\n正文 text  here 。\n{body}\n扫一扫在手机打开当前页面\n我要打印 关闭窗口\nhttp://example.org/a.html\n发布日期: 2021-01-21\n"
    text, _, _ = clean_text(raw)  # (the body keeps the furniture under half the page: see the guard tests)
    assert text == f"标题一\n\n正文text here。\n{body}\n发布日期: 2021-01-21"


def test_steps_can_be_switched_off_and_unknown_names_fail() -> None:
    raw = "縣民政局發(fā)放"
    assert clean_text(raw, CleaningConfig().without("t2s"))[0] == "縣民政局發放"
    assert clean_text(raw, CleaningConfig().without("pinyin_glosses"))[0] == "县民政局发(fā)放"
    with pytest.raises(ValueError, match="unknown cleaning step"):
        CleaningConfig(disabled=frozenset({"spellcheck"}))


def mojibake_of(rng: random.Random, n: int) -> str:
    """UTF-8 bytes of random common Chinese read as GBK: what 001's tail is made of."""
    return "".join(rng.choices(COMMON, k=n)).encode("utf-8").decode("gbk", errors="ignore")


def test_mojibake_mid_line_is_removed_without_its_neighbours() -> None:
    moj = mojibake_of(random.Random(7), 10)
    prose = "全县城乡低保对象5126户，累计发放低保金233.6万元，特困人员1413户2287人，临时救助65户235人。" * 2
    text, _, stats = clean_text(f"{prose}{moj}\n临时救助65户。")
    assert text == f"{prose}\n临时救助65户。"
    assert stats["mojibake"] >= len(moj)


# --- properties on random noisy text ---------------------------------------------------------------
# The steps' own behaviour, so without the document-level guard (a tiny random text can be
# mostly glosses or mojibake; the guard's tests are in test_bad_inputs.py).
NO_GUARD = CleaningConfig(max_removed_share=None)

TRAD = "縣發鄉區醫療權轉與對"
GLOSSES = ["(fā)", "(xiāng)", "（qū）", "(yī)", "(zhuǎn)"]
NOISE = [
    "</font>",
    "<br>",
    "&nbsp;",
    "&amp;",
    "１２",
    "Ａ",
    "（",
    "）",
    "  ",
    "\t",
    "\r\n",
    "，",
    "%",
    "xx.xx",
]


@st.composite
def noisy_reports(draw):
    """Lines of common/traditional chars, digits and punctuation with glosses, HTML, full width,
    and whole lines of mojibake (as in 001's tail)."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.integers(0, 5)) == 0:
            lines.append((mojibake_of(rng, draw(st.integers(8, 40))), True))
            continue
        pieces = []
        for _ in range(draw(st.integers(1, 25))):
            kind = draw(st.sampled_from(["common", "trad", "gloss", "noise", "digits", "stop"]))
            if kind == "common":
                pieces.append("".join(rng.choices(COMMON, k=draw(st.integers(1, 6)))))
            elif kind == "trad":
                pieces.append(draw(st.sampled_from(TRAD)))
            elif kind == "gloss":
                pieces.append(draw(st.sampled_from(TRAD)) + draw(st.sampled_from(GLOSSES)))
            elif kind == "noise":
                pieces.append(draw(st.sampled_from(NOISE)))
            elif kind == "digits":
                pieces.append(str(draw(st.integers(0, 99999))))
            else:
                pieces.append(draw(st.sampled_from("。；，！？")))
        lines.append(("".join(pieces), False))
    return "\n".join(line for line, _ in lines), lines


def normalises_to(source: str, ch: str) -> bool:
    """Could `source` (an original stretch) have become the clean char `ch`?"""
    if ch.isspace():  # folded white space (breaks, &nbsp;, <br>) — its run may enclose a deleted line
        decoded = html.unescape(source.replace("<br>", "\n"))
        return decoded[0].isspace() and decoded[-1].isspace()
    if len(source) > 1:
        return unicodedata.normalize("NFKC", html.unescape(source)) == ch
    return ch in {source, _narrow(source), _t2s().convert(source), _t2s().convert(_narrow(source))}


@settings(max_examples=150, deadline=None)
@given(noisy_reports())
def test_clean_chars_come_from_source_chars_that_normalise_to_them(case) -> None:
    raw, lines = case
    text, offsets, _ = clean_text(raw, NO_GUARD)
    assert len(offsets) == len(text)
    for i, ch in enumerate(text):
        start, end = offsets.to_original(i, i + 1)
        assert normalises_to(raw[start:end], ch), (i, ch, raw[start:end])
    for gloss in GLOSSES:
        assert gloss.strip("()（）") not in text
    assert not any(c in text for c in TRAD)


@settings(max_examples=150, deadline=None)
@given(noisy_reports())
def test_sentence_stretch_cleans_back_to_the_sentence(case) -> None:
    raw, lines = case
    sentences = segment_text(raw, CorpusConfig(cleaning=NO_GUARD, max_chars=40))
    for sentence in sentences:
        stretch = raw[sentence.start : sentence.end]
        assert clean_text(stretch, NO_GUARD)[0] == sentence.text
        assert not stretch[0].isspace() and not stretch[-1].isspace()


@settings(max_examples=100, deadline=None)
@given(noisy_reports())
def test_mojibake_lines_go_entirely_and_nothing_else_does(case) -> None:
    raw, lines = case
    found = find_mojibake(raw)
    removed = {i for start, end in found for i in range(start, end)}
    position = 0
    for line, is_mojibake in lines:
        span = range(position, position + len(line))
        position += len(line) + 1
        if is_mojibake:
            assert all(i in removed for i in span), line
        else:
            assert not any(i in removed for i in span), line
