"""Readers: encodings detected from bytes, clear errors, HTML and docx with exact offsets."""

from __future__ import annotations

import codecs
from pathlib import Path

import docx
import pytest
from bs4 import BeautifulSoup

from corpus.build import process_document
from corpus.cleaning import clean_document
from corpus.html_strip import strip_markup
from corpus.offsets import EditBuilder
from corpus.readers import ReadError, iter_input_files, read_document

SIMPLIFIED = "城乡低保对象5126户8731人，发放临时救助金27.482万元。\n集中供养率53%。\n"
TRADITIONAL = "城鄉低保對象5126戶8731人，發放臨時救助金27.482萬元。\n集中供養率53%。\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        (SIMPLIFIED.encode("utf-8"), "utf-8", SIMPLIFIED),
        (codecs.BOM_UTF8 + SIMPLIFIED.encode("utf-8"), "utf-8", SIMPLIFIED),
        (SIMPLIFIED.encode("gb18030"), "gb18030", SIMPLIFIED),
        (TRADITIONAL.encode("big5"), "big5", TRADITIONAL),
        (SIMPLIFIED.encode("utf-16"), "utf-16", SIMPLIFIED),
    ],
    ids=["utf-8", "utf-8-bom", "gb18030", "big5", "utf-16"],
)
def test_encodings_are_detected_from_bytes(tmp_path, data, encoding, text) -> None:
    doc = read_document(write(tmp_path, "report.txt", data))
    assert (doc.encoding, doc.text) == (encoding, text)  # a BOM is not part of the text
    clean, sentences = process_document(doc)
    assert [s.text for s in sentences] == [
        "城乡低保对象5126户8731人，发放临时救助金27.482万元。",
        "集中供养率53%。",
    ]
    assert doc.text[sentences[1].start : sentences[1].end] == text.splitlines()[1]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n", "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
        ("not_text.txt", bytes(range(0x80, 0x100)) * 8, "invalid bytes"),
        ("report.pdf", b"%PDF-1.4", "unsupported extension"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "not a valid .docx"),
    ],
)
def test_bad_files_raise_read_error_with_reason(tmp_path, name, data, reason) -> None:
    path = write(tmp_path, name, data)
    with pytest.raises(ReadError) as err:
        read_document(path)
    assert reason in err.value.reason and err.value.path == path and name in str(err.value)


def test_directories_are_searched_recursively(tmp_path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("a.txt", "sub/b.HTML", "sub/c.docx", "d.pdf", ".hidden/e.txt", "sub/f.htm"):
        write(tmp_path, name, b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_input_files([tmp_path])]
    assert found == ["a.txt", "sub/b.HTML", "sub/c.docx", "sub/f.htm"]


PAGE = """<!DOCTYPE html>
<html><head><meta charset="gbk"><title>民政局工作总结</title>
<style>p { color: red; }</style><script>var x = "<p>不可见</p>";</script></head>
<body><!-- 注释 --><div class="nav">当前位置: 首页&gt;政务公开</div>
<h1>縣民政局2020年工作總結</h1>
<p>城鄉低保對象<b>5126</b>户&nbsp;8731人，
發放救助金&#50;7.482万元&amp;物资。</p><p>集中供养率53%<br/>第二行</p>
<ul><li>一是&ldquo;应保尽保&rdquo;</li><li>二是&#x5f3a;化管理</li></ul>
</body></html>
"""


def test_html_stripper_agrees_with_beautifulsoup() -> None:
    builder = EditBuilder(PAGE)
    strip_markup(PAGE, builder)
    visible, offsets = builder.build()
    expected = BeautifulSoup(PAGE, "html.parser").get_text()
    assert "".join(visible.split()) == "".join(expected.split()).replace("\xa0", "")
    assert "不可见" not in visible and "注释" not in visible and "color" not in visible
    amp = visible.index("&")
    assert PAGE[slice(*offsets.to_original(amp, amp + 1))] == "&amp;"


def test_html_document_offsets_point_into_the_markup(tmp_path) -> None:
    path = write(tmp_path, "page.html", PAGE.encode("gbk"))
    doc = read_document(path)
    assert doc.format == "html" and doc.encoding in ("gbk", "gb18030") and doc.text == PAGE
    clean, sentences = process_document(doc)
    texts = [s.text for s in sentences]
    assert "城乡低保对象5126户8731人，发放救助金27.482万元&物资。" in texts
    assert "二是强化管理" in texts and "第二行" in texts and "当前位置" not in clean.text
    for sentence in sentences:
        stretch = PAGE[sentence.start : sentence.end]
        assert not stretch.startswith("<") and not stretch.endswith(">")
    target = next(s for s in sentences if s.text.startswith("城乡低保"))
    assert (
        PAGE[target.start : target.end]
        == "城鄉低保對象<b>5126</b>户&nbsp;8731人，\n發放救助金&#50;7.482万元&amp;物资。"
    )


def test_docx_paragraphs(tmp_path) -> None:
    document = docx.Document()
    document.add_paragraph("縣民政局2020年工作總結")
    document.add_paragraph("")
    document.add_paragraph("城鄉(xiāng)低保對象５１２６户。臨時救助65户。")
    path = tmp_path / "report.docx"
    document.save(path)
    doc = read_document(path)
    assert (
        doc.format == "docx"
        and doc.text == "縣民政局2020年工作總結\n\n城鄉(xiāng)低保對象５１２６户。臨時救助65户。"
    )
    clean = clean_document(doc)
    assert clean.text == "县民政局2020年工作总结\n\n城乡低保对象5126户。临时救助65户。"
    _, sentences = process_document(doc)
    assert [doc.text[s.start : s.end] for s in sentences][1] == "城鄉(xiāng)低保對象５１２６户。"
