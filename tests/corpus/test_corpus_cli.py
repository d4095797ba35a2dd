"""`minzheng corpus build` end to end: real reports, and a directory with bad files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
from typer.testing import CliRunner

from minzheng.cli import app

RAW = Path(__file__).resolve().parents[2] / "corpus" / "raw"
runner = CliRunner()


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_build_on_the_real_reports(tmp_path) -> None:
    result = runner.invoke(app, ["corpus", "build", str(RAW), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    sentences = read_jsonl(tmp_path / "sentences.jsonl")
    documents = read_jsonl(tmp_path / "documents.jsonl")
    assert [d["name"] for d in documents] == sorted(p.name for p in RAW.glob("*.txt"))
    assert sum(d["sentences"] for d in documents) == len(sentences) > 100
    assert set(sentences[0]) == {"id", "doc", "index", "text", "start", "end"}
    assert len({s["id"] for s in sentences}) == len(sentences)
    dataset = datasets.load_from_disk(str(tmp_path / "dataset"))
    assert dataset.num_rows == len(sentences) and dataset[0]["text"] == sentences[0]["text"]
    assert "mojibake" in result.output and "sentences" in result.output
    originals = {p.name: p.read_text(encoding="utf-8") for p in RAW.glob("*.txt")}
    for s in sentences:
        assert originals[s["doc"]][s["start"] : s["end"]]


def test_disabling_steps_changes_the_output(tmp_path) -> None:
    result = runner.invoke(
        app,
        [
            "corpus",
            "build",
            str(RAW / "003_8dbdbfbfbff47522.txt"),
            "--out",
            str(tmp_path),
            "--no-t2s",
            "--disable",
            "pinyin_glosses",
            "--max-chars",
            "80",
        ],
    )
    assert result.exit_code == 0, result.output
    sentences = read_jsonl(tmp_path / "sentences.jsonl")
    text = "".join(s["text"] for s in sentences)
    assert "縣" in text and "(fā)" in text
    for sentence in sentences:  # longer than 80 only where there is no split point left
        assert len(sentence["text"]) <= 80 or not re.search("[，,；;]", sentence["text"][:-1]), sentence[
            "text"
        ]
    bad = runner.invoke(app, ["corpus", "build", str(RAW), "--out", str(tmp_path), "--disable", "spellcheck"])
    assert bad.exit_code == 2 and "unknown cleaning step" in bad.output


def test_mixed_directory_reports_each_bad_file_and_writes_the_good_ones(tmp_path) -> None:
    src = tmp_path / "in"
    (src / "nested").mkdir(parents=True)
    (src / "good_utf8.txt").write_text("城乡低保对象5126户。\n", encoding="utf-8")
    (src / "nested" / "good_gb.txt").write_bytes("特困人员1413户2287人。".encode("gb18030"))
    (src / "good_big5.txt").write_bytes("臨時救助65戶235人。".encode("big5"))
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (src / "invalid.txt").write_bytes("医疗救助907人次".encode() + b"\xff\xfe" + "支出140.27万元。".encode())
    out = tmp_path / "out"
    result = runner.invoke(app, ["corpus", "build", str(src), "--out", str(out)])
    assert result.exit_code == 1, result.output
    for name, reason in (("empty.txt", "empty file"), ("binary.txt", "binary file")):
        line = next(line for line in result.output.splitlines() if name in line and "error" in line)
        assert reason in line, line
    # two stray bytes in UTF-8: kept, each bad byte a U+FFFD, counted, and a warning names the file
    warning = next(line for line in result.output.splitlines() if "invalid.txt" in line and "warning" in line)
    assert "2 undecodable byte(s)" in warning, warning
    texts = sorted(s["text"] for s in read_jsonl(out / "sentences.jsonl"))
    assert texts == sorted(
        ["城乡低保对象5126户。", "特困人员1413户2287人。", "临时救助65户235人。", "医疗救助907人次\ufffd\ufffd支出140.27万元。"]
    )
    documents = {d["name"]: d for d in read_jsonl(out / "documents.jsonl")}
    assert {name: d["encoding"] for name, d in documents.items()} == {
        "good_utf8.txt": "utf-8", "good_gb.txt": "gb18030", "good_big5.txt": "big5", "invalid.txt": "utf-8"
    }
    assert documents["invalid.txt"]["replaced_bytes"] == 2 and documents["good_utf8.txt"]["replaced_bytes"] == 0
    strict = runner.invoke(app, ["corpus", "build", str(src), "--out", str(out), "--strict-encoding"])
    line = next(line for line in strict.output.splitlines() if "invalid.txt" in line and "error" in line)
    assert strict.exit_code == 1 and "invalid bytes" in line and "0xff at offset 21" in line, line
