"""Bad inputs (issue 11, part A): nothing lost, nothing silently wrong.

The inputs that are files live in tests/fixtures/bad_inputs/corpus/; the long ones are written here.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from corpus.build import CorpusConfig, process_document, segment_text
from corpus.cleaning import CleaningConfig, run_pipeline
from corpus.readers import ReadError, read_document
from minzheng.cli import app

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "bad_inputs" / "corpus"
runner = CliRunner()


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def assert_offsets(doc, sentences) -> None:
    for sentence in sentences:
        stretch = doc.text[sentence.start : sentence.end]
        assert stretch and not stretch[0].isspace() and not stretch[-1].isspace()


# --- 1. cleaning deletes page furniture, never the document around it ---------------------------------


def test_a_one_line_document_with_a_disclaimer_keeps_its_figures() -> None:
    doc = read_document(FIXTURES / "disclaimer_one_line.txt")
    clean, sentences = process_document(doc)
    assert [s.text for s in sentences] == ["全县城乡低保对象5126户8731人。", "发放临时救助金27.482万元。"]
    assert clean.deleted["boilerplate"] == len("本站免责声明：数据仅供参考。")
    assert [doc.text[s.start : s.end] for s in sentences] == [s.text for s in sentences]


def test_a_navigation_trail_run_into_report_text_is_kept() -> None:
    doc = read_document(FIXTURES / "navigation_one_line.txt")
    _, sentences = process_document(doc)
    assert any("1413户2287人" in s.text for s in sentences) and any("65户235人" in s.text for s in sentences)


def test_a_step_that_would_remove_most_of_a_document_is_withheld_and_reported(tmp_path) -> None:
    text = "本站免责声明：转载请注明出处，否则追究责任。\n全县低保5126户。\n"
    clean = run_pipeline(text)
    assert clean.withheld == {"boilerplate": len("本站免责声明：转载请注明出处，否则追究责任。")}
    assert clean.stats["boilerplate"] == clean.deleted["boilerplate"] == 0
    assert "5126" in clean.text and "免责声明" in clean.text
    assert "boilerplate would remove 22 of 32 non-space characters (69%); not applied" in clean.warnings[0]
    src = tmp_path / "mostly_furniture.txt"
    src.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["corpus", "build", str(src), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output  # a warning, not an error: the text is all there
    line = next(line for line in result.output.splitlines() if "not applied" in line)
    assert line.startswith("warning") and "mostly_furniture.txt" in line
    (record,) = read_jsonl(tmp_path / "out" / "documents.jsonl")
    assert record["withheld"] == {"boilerplate": 22} and record["deleted"]["whitespace"] == 1
    assert record["warnings"] and record["sentences"] == 2


def test_every_deletion_is_counted_per_step_in_documents_jsonl(tmp_path) -> None:
    body = "全县城乡低保对象5126户8731人，累计发放低保金3186.4万元，特困人员1413户2287人。" * 3
    (tmp_path / "page.txt").write_text(f"当前位置：首页>政务公开\n{body}\n我要打印 关闭窗口\n", encoding="utf-8")
    result = runner.invoke(app, ["corpus", "build", str(tmp_path / "page.txt"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    (record,) = read_jsonl(tmp_path / "out" / "documents.jsonl")
    assert record["deleted"]["boilerplate"] == len("当前位置：首页>政务公开\n我要打印 关闭窗口\n")
    assert record["chars"] - sum(record["deleted"].values()) == record["clean_chars"]
    assert "characters deleted by cleaning" in result.output


def test_a_200k_character_line_keeps_every_character() -> None:
    unit = "全县城乡低保对象5126户8731人发放临时救助金27482万元当前位置：首页本站免责声明"
    line = (unit * (200_000 // len(unit) + 1))[:200_000]
    clean = run_pipeline(line)
    assert clean.text == line and not clean.warnings
    sentences = segment_text(line)
    assert sum(len(s.text) for s in sentences) == len(line)


def test_a_20_mb_unpunctuated_file_does_not_vanish(tmp_path) -> None:
    unit = "当前位置：首页全县城乡低保对象5126户8731人发放临时救助金27482万元本站免责声明"
    path = tmp_path / "huge.txt"
    path.write_text(unit * (20_000_000 // len(unit.encode("utf-8")) + 1), encoding="utf-8")
    assert path.stat().st_size >= 20_000_000
    doc = read_document(path)
    # the steps that delete by pattern, on the whole 20 MB (the rest of the pipeline is per character)
    clean = run_pipeline(doc.text, CleaningConfig(steps=("html_remnants", "boilerplate", "whitespace")))
    assert len(clean.text) == len(doc.text) and clean.deleted == {"html_remnants": 0, "boilerplate": 0,
                                                                   "whitespace": 0}


# --- 3. a malformed .docx is that file's error; the batch goes on ----------------------------------------


def test_a_cut_off_docx_is_a_read_error_naming_the_broken_part() -> None:
    with pytest.raises(ReadError) as err:
        read_document(FIXTURES / "cut_off.docx")
    assert err.value.path.name == "cut_off.docx"
    assert "not a valid .docx file: word/document.xml is not well-formed XML" in err.value.reason


def mixed_folder(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(FIXTURES / "cut_off.docx", src / "cut_off.docx")
    (src / "good.txt").write_text("全县城乡低保对象5126户8731人，累计发放低保金3186.4万元。\n", encoding="utf-8")
    return src


def test_corpus_build_reports_a_cut_off_docx_and_writes_the_rest(tmp_path) -> None:
    result = runner.invoke(app, ["corpus", "build", str(mixed_folder(tmp_path)), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if "cut_off.docx" in line)
    assert "error" in line and "word/document.xml is not well-formed XML" in line
    assert [d["name"] for d in read_jsonl(tmp_path / "out" / "documents.jsonl")] == ["good.txt"]
    assert read_jsonl(tmp_path / "out" / "sentences.jsonl")[0]["text"].startswith("全县城乡低保对象5126户")


def test_extract_reports_a_cut_off_docx_and_writes_the_rest(tmp_path) -> None:
    out = tmp_path / "facts.jsonl"
    model = ROOT / "models" / "default"
    result = runner.invoke(app, ["extract", str(mixed_folder(tmp_path)), "--model", str(model), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "cut_off.docx" in result.output and "word/document.xml" in result.output
    (record,) = read_jsonl(out)
    assert record["doc"] == "good.txt" and record["facts"]


# --- 4. .docx: tables, headers, footers and footnotes are text too -----------------------------------------

FOOTNOTES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
    "</w:footnote>"
    '<w:footnote w:id="1"><w:p><w:r><w:t>注：数据截至2020年底。</w:t></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)


def with_footnotes(data: bytes) -> bytes:
    """Add a footnotes part (python-docx cannot write one): the part, its relationship, its type."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            part = src.read(item.filename)
            if item.filename == "word/_rels/document.xml.rels":
                part = part.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/footnotes" Target="footnotes.xml"/></Relationships>',
                )
            elif item.filename == "[Content_Types].xml":
                part = part.replace(
                    b"</Types>",
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
                )
            z.writestr(item, part)
        z.writestr("word/footnotes.xml", FOOTNOTES_XML)
    return out.getvalue()


def report_docx(path: Path) -> Path:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "某县民政局"
    document.sections[0].footer.paragraphs[0].text = "第1页"
    document.add_paragraph("一、基本情况")
    table = document.add_table(rows=2, cols=3)
    for row, cells in zip(table.rows, (("项目", "户数", "金额"), ("城乡低保", "4000户", "2000万元")), strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("二、临时救助65户235人。")
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(with_footnotes(buffer.getvalue()))
    return path


def test_docx_tables_headers_footers_and_footnotes_are_read_in_order(tmp_path) -> None:
    doc = read_document(report_docx(tmp_path / "report.docx"))
    assert doc.text == (
        "某县民政局\n一、基本情况\n项目\t户数\t金额\n城乡低保\t4000户\t2000万元\n二、临时救助65户235人。\n"
        "注：数据截至2020年底。\n第1页"
    )
    _, sentences = process_document(doc)
    texts = [s.text for s in sentences]
    assert "城乡低保4000户2000万元" in texts  # a row is a sentence; rows never run together
    assert texts.index("项目户数金额") + 1 == texts.index("城乡低保4000户2000万元")
    assert "注：数据截至2020年底。" in texts
    row = next(s for s in sentences if s.text.startswith("城乡低保"))
    assert doc.text[row.start : row.end] == "城乡低保\t4000户\t2000万元"


def test_extract_gives_facts_from_a_docx_table(tmp_path) -> None:
    (tmp_path / "in").mkdir()
    report_docx(tmp_path / "in" / "report.docx")
    out = tmp_path / "facts.jsonl"
    model = ROOT / "models" / "default"
    result = runner.invoke(app, ["extract", str(tmp_path / "in"), "--model", str(model), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (record,) = read_jsonl(out)
    text = read_document(tmp_path / "in" / "report.docx").text
    figures = {f["figure"] for f in record["facts"]}
    assert {"4000", "2000万"} <= figures, record["facts"]
    for fact in record["facts"]:
        assert text[fact["figure_start"] : fact["figure_end"]] == fact["figure"]


# --- 8. a long run without punctuation is cut at max_chars -------------------------------------------------


def test_a_long_unpunctuated_run_is_cut_into_sentences_of_at_most_max_chars() -> None:
    unit = "全县城乡低保对象5126户8731人发放临时救助金27.482万元特困人员1413户2287人"
    text = (unit * 2000)[:60_000]
    sentences = segment_text(text, CorpusConfig(max_chars=200))
    assert len(sentences) >= 300 and max(len(s.text) for s in sentences) <= 200
    assert "".join(s.text for s in sentences) == text  # nothing lost, nothing doubled
    assert all(text[s.start : s.end] == s.text for s in sentences)
    for left, right in zip(sentences, sentences[1:], strict=False):  # never inside a figure
        assert not (left.text[-1].isdigit() and right.text[0] in "0123456789.")


# --- 9. decoding: a stray byte is replaced and counted, UTF-16 without BOM, GBK before Big5 -----------------


def test_a_stray_gbk_byte_in_utf8_is_replaced_counted_and_warned() -> None:
    doc = read_document(FIXTURES / "stray_gbk_byte.txt")
    assert doc.encoding == "utf-8" and doc.replaced_bytes == 2
    assert doc.text.startswith("城乡低保对象5126户8731人，\ufffd") and "发放临时救助金27.482万元" in doc.text
    assert len(doc.warnings) == 1 and "stray_gbk_byte.txt" in doc.warnings[0]
    assert "2 undecodable byte(s)" in doc.warnings[0]
    with pytest.raises(ReadError, match="undecodable byte 0xb5 at offset 35"):
        read_document(FIXTURES / "stray_gbk_byte.txt", strict_encoding=True)
    with pytest.raises(ReadError):
        process_document(FIXTURES / "stray_gbk_byte.txt", CorpusConfig(strict_encoding=True))


@pytest.mark.parametrize(("name", "encoding"), [("utf16le_no_bom.txt", "utf-16-le"), ("utf16be_no_bom.txt", "utf-16-be")])
def test_utf16_without_a_bom_is_detected(name, encoding) -> None:
    doc = read_document(FIXTURES / name)
    assert doc.encoding == encoding
    assert doc.text == "城乡低保对象5126户8731人，发放临时救助金27.482万元。\n集中供养率53%。\n"


def test_short_gbk_text_is_gb18030_not_big5() -> None:
    doc = read_document(FIXTURES / "dibao_gbk.txt")
    assert (doc.encoding, doc.text) == ("gb18030", "低保")
