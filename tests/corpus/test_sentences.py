"""Sentence segmentation on in-memory text."""

from __future__ import annotations

import hashlib

from corpus.build import CorpusConfig, segment_text
from corpus.sentences import sentence_spans, split_long


def texts(spans, text):
    return [text[s:e] for s, e in spans]


def test_terminators_and_line_breaks() -> None:
    text = "一是加强管理。二是“应保尽保！”三是什么？\n  标题行  \n\n最后一句"
    assert texts(sentence_spans(text), text) == [
        "一是加强管理。",
        "二是“应保尽保！”",
        "三是什么？",
        "标题行",
        "最后一句",
    ]


def test_long_sentence_splits_at_semicolons_then_commas_outside_brackets() -> None:
    clause = "发放低保金233.6万元"
    text = "；".join([clause * 3] * 4) + "。"
    pieces = texts(split_long(text, 80), text)
    assert all(len(p) <= 80 for p in pieces) and "".join(pieces) == text
    assert all(p.endswith(("；", "。")) for p in pieces)
    quoted = "“" + "，".join(["两项补贴"] * 10) + "”，" + "，".join(["城乡低保对象5126户"] * 10)
    pieces = texts(split_long(quoted, 60), quoted)
    assert pieces[0].startswith("“") and pieces[0].endswith("”，")  # never inside the quote
    assert all(len(p) <= 60 for p in pieces[1:])


def test_split_inside_brackets_only_when_nothing_outside() -> None:
    text = "（" + "，".join(["特困人员1413户"] * 12) + "）"
    pieces = texts(split_long(text, 50), text)
    assert len(pieces) > 1 and "".join(pieces) == text


def test_segment_text_ids_and_offsets() -> None:
    raw = "  縣民政局發(fā)放１２３万元。\r\n\r\n\r\n城鄉(xiāng)低保&nbsp;5126户！"
    sentences = segment_text(raw, CorpusConfig(max_chars=200), name="memo")
    digest = hashlib.sha1(raw.encode("utf-8")).hexdigest()[:12]
    assert [s.text for s in sentences] == ["县民政局发放123万元。", "城乡低保5126户！"]
    assert [s.id for s in sentences] == [f"{digest}-00000", f"{digest}-00001"]
    assert raw[sentences[0].start : sentences[0].end] == "縣民政局發(fā)放１２３万元。"
    assert raw[sentences[1].start : sentences[1].end] == "城鄉(xiāng)低保&nbsp;5126户！"
    assert {s.doc for s in sentences} == {"memo"}
