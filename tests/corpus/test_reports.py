"""The four real reports in corpus/raw come out clean, simplified, and exactly mapped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus.cleaning import clean_text
from corpus.mojibake import find_mojibake
from corpus.steps import _narrow, _t2s

REPORTS = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "corpus" / "raw").glob("*.txt"))

TAIL_MOJIBAKE = "闂傚倸鍊搁崐鎼佸磹閹间礁纾归柟"


def test_all_four_reports_are_there(processed) -> None:
    assert len(REPORTS) == 4
    for doc, _clean, sentences in processed.values():
        assert doc.encoding == "utf-8" and len(sentences) > 20


@pytest.mark.parametrize("name", REPORTS)
def test_every_sentence_maps_to_its_exact_original_stretch(processed, name) -> None:
    doc, clean, sentences = processed[name]
    assert [s.index for s in sentences] == list(range(len(sentences)))
    for sentence in sentences:
        stretch = doc.text[sentence.start : sentence.end]
        first, last = stretch[0], stretch[-1]
        assert sentence.text[0] in {first, _narrow(first), _t2s().convert(first)}, (sentence.id, stretch[:10])
        assert sentence.text[-1] in {last, _narrow(last), _t2s().convert(last)}, (sentence.id, stretch[-10:])
        assert clean_text(stretch)[0] == sentence.text
        assert re.fullmatch(r"[0-9a-f]{12}-\d{5}", sentence.id)


def test_001_tail_mojibake_is_gone_and_prose_kept(processed) -> None:
    doc, clean, sentences = processed["001_382740413888014b.txt"]
    tail_start = doc.text.index(TAIL_MOJIBAKE)
    tail_end = doc.text.index("《县民政局上半年工作总结和下半年工作安排》", tail_start)
    tail_chars = set(doc.text[tail_start:tail_end]) - set("\n")
    assert find_mojibake(clean.text) == []
    assert clean.stats["mojibake"] == tail_end - tail_start
    assert all(s.end <= tail_start or s.start >= tail_end for s in sentences)
    assert "推动“x、法治、德治”融合。" in clean.text  # the last prose sentence before the tail
    assert "xxxx.xx万元" in clean.text  # redacted figures stay
    leftover = [c for c in clean.text if c in tail_chars and c not in doc.text[:tail_start]]
    assert leftover == []


@pytest.mark.parametrize(
    "name", ["000_662ad0a119c961b4.txt", "003_8dbdbfbfbff47522.txt", "004_ffa2046993f300f1.txt"]
)
def test_no_mojibake_removed_from_normal_reports(processed, name) -> None:
    assert processed[name][1].stats["mojibake"] == 0


def test_003_is_simplified_without_glosses(processed) -> None:
    doc, clean, sentences = processed["003_8dbdbfbfbff47522.txt"]
    assert "城乡低保" in clean.text and "泽库县民政局" in clean.text
    assert not re.search(r"[縣發鄉區醫現]", clean.text)
    assert not re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]+\)", clean.text)
    assert "办法(试行)" in clean.text  # ordinary bracketed text stays
    assert clean.stats["pinyin_glosses"] == sum(
        len(m) for m in re.findall(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùü]+\)", doc.text)
    )


def test_boilerplate_lines_are_gone(processed) -> None:
    texts = {name: clean.text for name, (_, clean, _) in processed.items()}
    everything = "\n".join(texts.values())
    for line in (
        "扫一扫在手机打开当前页面",
        "扫一扫在手机上查看当前页面",
        "我要打印",
        "关闭窗口",
        "当前位置",
        "免责声明",
        "由互联网用户整理提供",
        "http://",
    ):
        assert line not in everything, line
    assert "发布日期: 2019-07-17" in texts["000_662ad0a119c961b4.txt"]  # kept on purpose


def test_sentences_respect_max_chars_where_possible(processed) -> None:
    for _, _, sentences in processed.values():
        assert max(len(s.text) for s in sentences) <= 200
        assert all(s.text == s.text.strip() and s.text for s in sentences)
