"""End to end on the corpus reports and written input: offsets into the original text, facts, batch runs."""

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import spacy
from typer.testing import CliRunner

from annotation.schema import LABELS
from corpus.readers import read_document
from minzheng.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = ROOT / "models" / "default"
REPORTS = sorted((ROOT / "corpus" / "raw").glob("*.txt"))
FACT_KEYS = {"doc", "sentence", "program", "program_simplified", "kind", "value", "low", "high", "unit",
             "approximate", "figure", "figure_start", "figure_end", "program_start", "program_end", "score",
             "figure_id", "program_entity_id", "program_id", "program_name", "program_match", "program_score",
             "period", "place", "checks"}


def assert_offsets_point_into(doc):
    for ent in doc.entities:
        assert doc.text[ent["start"] : ent["end"]] == ent["text"] and ent["label"] in LABELS
    ids = {e["id"] for e in doc.entities}
    assert all(r["head"] in ids and r["tail"] in ids for r in doc.relations)
    for f in doc.facts:
        assert doc.text[f.figure_start : f.figure_end] == f.figure
        if f.program:
            assert doc.text[f.program_start : f.program_end] == f.program


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name[:3])
def test_reports_offsets_are_original(extractor, path):
    raw = read_document(path)
    (doc,) = extractor.pipe([raw])
    assert doc.text == raw.text and doc.sentences
    assert_offsets_point_into(doc)
    if not path.name.startswith("001"):  # 001 is almost entirely redacted
        assert doc.facts and any(f.program for f in doc.facts)


def test_written_sentence_facts(extractor):
    text = "全县城乡低保对象5126户8731人，累计发放低保金3186.4万元。"
    doc = extractor(text)
    assert_offsets_point_into(doc)
    by_figure = {f.figure: f for f in doc.facts}
    assert by_figure["5126"].value == "5126" and by_figure["5126"].unit == "户"
    assert by_figure["3186.4万"].value == "31864000" and by_figure["3186.4万"].unit == "元"
    assert by_figure["3186.4万"].kind == "amount"
    assert Decimal(by_figure["8731"].value) == 8731


def test_traditional_script_with_glosses(extractor):
    text = "全縣城鄉(xiāng)低保對象5126戶，發放臨時救助金27.482萬元。"
    doc = extractor(text)
    assert_offsets_point_into(doc)
    amounts = [f for f in doc.facts if f.kind == "amount"]
    assert amounts and amounts[0].figure == "27.482萬" and amounts[0].value == "274820"
    for f in doc.facts:
        if f.program:  # as written in the original, and simplified
            assert f.program_simplified and all(ch not in f.program_simplified for ch in "鄉縣臨")


def test_long_sentence_without_punctuation_is_not_truncated(extractor):
    clauses = ["全县城乡低保对象5126户8731人", "累计发放低保金3186.4万元", "全年临时救助4321人次",
               "发放高龄津贴1895万元", "集中供养特困人员1519人", "资助困难群众参加医疗保险6000人"]
    text = "并".join(clauses * 4)  # 371 characters, no punctuation: wider than the model's window
    assert len(text) > extractor.model.window
    doc = extractor(text)
    assert_offsets_point_into(doc)
    figures = [f.figure for f in doc.facts]
    assert figures.count("6000") == 4 and figures[-1] == "6000"  # the end is read, nothing twice
    assert len(figures) == len({f.figure_start for f in doc.facts}) == 28


def test_pipe_equals_single_calls(extractor):
    texts = ["全县特困人员2854人，其中集中供养1519人、分散供养1335人。", "发放高龄津贴1895万元。", "无数字的句子。"]
    piped = list(extractor.pipe(texts, batch_size=2, docs=["a", "b", "c"]))
    single = [extractor(t, doc=d) for t, d in zip(texts, "abc", strict=True)]
    assert [d.to_json() for d in piped] == [d.to_json() for d in single]


def test_totals_that_do_not_add_up_are_flagged(extractor):
    doc = extractor("城乡低保对象5126户（城市低保1204户、农村低保3921户）。")
    checks = [c for c in doc.checks if c["kind"] == "parts_sum"]
    assert checks and checks[0]["ok"] is False
    assert any(f.checks for f in doc.facts if f.figure == "5126")


def test_extract_cli_jsonl_csv_parquet_and_bad_files(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "good.txt").write_text("全县城乡低保对象5126户8731人。", encoding="utf-8")
    (src / "sub" / "good2.html").write_text("<p>发放临时救助金27.482万元。</p>", encoding="utf-8")
    (src / "bad.docx").write_bytes(b"not a zip file")
    runner = CliRunner()
    out = tmp_path / "facts.jsonl"
    result = runner.invoke(app, ["extract", str(src), "--model", str(DEFAULT_MODEL), "--out", str(out),
                                 "--html", str(tmp_path / "review.html")])
    assert result.exit_code == 1, result.output  # one file failed …
    assert "bad.docx" in result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["doc"] for r in records) == ["good.txt", "good2.html"]  # … the others were written
    for r in records:
        assert set(r) >= {"doc", "path", "entities", "relations", "facts", "errors"}
        assert all(set(f) == FACT_KEYS for f in r["facts"])
        assert all(set(e) >= {"id", "label", "start", "end", "text", "score"} for e in r["entities"])
    assert "displacy" in (tmp_path / "review.html").read_text(encoding="utf-8").lower() or \
        "entities" in (tmp_path / "review.html").read_text(encoding="utf-8")
    good = src / "good.txt"
    for suffix in (".csv", ".parquet"):
        path = tmp_path / f"facts{suffix}"
        result = runner.invoke(app, ["extract", str(good), "--model", str(DEFAULT_MODEL), "--out", str(path)])
        assert result.exit_code == 0, result.output
        table = pd.read_csv(path, dtype=str) if suffix == ".csv" else pd.read_parquet(path)
        assert set(table["figure"]) >= {"5126", "8731"}
        assert set(table["value"]) >= {"5126", "8731"}


def test_spacy_factory():
    nlp = spacy.blank("zh")
    nlp.add_pipe("minzheng", config={"model": str(DEFAULT_MODEL)})
    doc = nlp("全县城乡低保对象5126户8731人，发放临时救助金27.482万元。")
    assert {e.label_ for e in doc.ents} <= set(LABELS)
    assert "5126" in {e.text for e in doc.ents}
    assert any(f["figure"] == "27.482万" and f["value"] == "274820" for f in doc._.facts)


def test_extract_warns_about_replaced_bytes_and_keeps_the_file(tmp_path):
    bad = Path(__file__).resolve().parents[1] / "fixtures" / "bad_inputs" / "corpus" / "stray_gbk_byte.txt"
    out = tmp_path / "facts.jsonl"
    result = CliRunner().invoke(app, ["extract", str(bad), "--out", str(out), "--show", "0"])
    assert result.exit_code == 0, result.output
    assert "undecodable byte" in result.output and "stray_gbk_byte.txt" in result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1  # the document is kept
