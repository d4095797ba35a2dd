"""`minzheng annotate gold merge`: staged (clean-text) annotations → gold sources on the ORIGINAL text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.convert import load_export
from annotation.gold import read_sources
from annotation.labeling import FROM_NAME, TO_NAME
from annotation.merge import MergeError, merge_staging
from annotation.sync import SyncError, check_not_gold
from minzheng.cli import app

REPORT = "某縣民政局工作總結\n全縣城鄉低保對象５１２６戶，發放低保資金４４１９萬元。\n召開會議3次。\n"


@pytest.fixture
def corpus(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "900_new.txt").write_text(REPORT, encoding="utf-8")
    out = tmp_path / "corpus"
    r = CliRunner().invoke(app, ["corpus", "build", str(raw), "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in (out / "sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    return out, rows


@pytest.fixture
def gold_src(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "written.jsonl").write_text(json.dumps({
        "id": "w1", "doc": "written-x", "source": "written", "markup": "[[临时救助|P1]][[297|C>P1]][[人次|U]]。"},
        ensure_ascii=False) + "\n", encoding="utf-8")
    return src


def region(rid, start, end, text, label):
    return {"id": rid, "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}}


def pulled_task(row, results, task_id=1):
    """A task as `pull` writes it: the clean text and the corpus row's keys in data."""
    data = {"text": row["text"], "sentence_id": row["id"], **{k: row[k] for k in ("doc", "index", "start", "end")},
            "uncertainty": 0.3}
    return {"id": task_id, "data": data, "annotations": [{"id": task_id, "result": results, "was_cancelled": False}],
            "predictions": []}


def figures_task(row, task_id=1, unit="户"):
    text = row["text"]
    assert text == "全县城乡低保对象5126户，发放低保资金4419万元。"
    results = [
        region("p", 2, 6, "城乡低保", "PROGRAM"), region("c", 8, 12, "5126", "COUNT"),
        region("u", 12, 13, unit, "UNIT"),
        # unlabelled and drawn from the figure, as the UI saves it: has_value from the program
        {"from_id": "c", "to_id": "p", "type": "relation", "direction": "right"},
    ]
    return pulled_task(row, results, task_id)


def write(path: Path, tasks) -> Path:
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def test_merge_maps_clean_offsets_to_the_original_text(tmp_path, corpus, gold_src):
    corpus_dir, rows = corpus
    row = rows[1]
    staging = write(tmp_path / "staging.json", [figures_task(row), pulled_task(rows[2], [], 2),
                                                {**pulled_task(rows[0], [], 3), "annotations": []}])
    out = tmp_path / "gold"
    res = merge_staging(staging, gold_src, out, corpus=corpus_dir)
    assert (len(res.added), len(res.unchanged), res.conflicts, res.unannotated) == (2, 0, [], 1)

    original = REPORT[row["start"] : row["end"]]
    assert original.startswith("全縣城鄉低保對象５１２６戶")
    by_id = {e.id: e for e in read_sources(gold_src)}
    gold = by_id[row["id"]]
    assert gold.text == original  # gold is on the original text…
    got = {(gold.span_text(s), s.label) for s in gold.spans}
    assert got == {("城鄉低保", "PROGRAM"), ("５１２６", "COUNT"), ("戶", "UNIT")}  # …with its offsets
    spans = gold.span_by_id()
    assert [(spans[r.head].label, spans[r.tail].label) for r in gold.relations] == [("PROGRAM", "COUNT")]
    assert gold.meta == {"doc": "900_new.txt", "index": row["index"], "start": row["start"], "end": row["end"],
                         "source": "real"}
    assert by_id[rows[2]["id"]].spans == []  # an empty annotation is a negative: kept
    line = json.loads((gold_src / "label-studio.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert line["markup"] == "全縣[[城鄉低保|P1]]對象[[５１２６|C>P1]][[戶|U]]，發放低保資金４４１９萬元。"
    assert {e.id for e in load_export(out / "real.json")} == {row["id"], rows[2]["id"]}  # exports rebuilt
    assert "uncertainty" not in gold.meta


def test_merge_twice_changes_nothing_and_lists_conflicts(tmp_path, corpus, gold_src):
    corpus_dir, rows = corpus
    staging = write(tmp_path / "staging.json", [figures_task(rows[1])])
    out = tmp_path / "gold"
    merge_staging(staging, gold_src, out, corpus=corpus_dir)
    before = (gold_src / "label-studio.jsonl").read_text(encoding="utf-8")

    again = merge_staging(staging, gold_src, out, corpus=corpus_dir)
    assert (again.added, again.unchanged, again.conflicts) == ([], [rows[1]["id"]], [])
    assert (gold_src / "label-studio.jsonl").read_text(encoding="utf-8") == before  # no duplicate line

    changed = figures_task(rows[1])
    del changed["annotations"][0]["result"][2]  # the UNIT removed
    write(staging, [changed])
    res = merge_staging(staging, gold_src, out, corpus=corpus_dir)
    assert len(res.conflicts) == 1 and "spans only in gold: UNIT '戶'" in res.conflicts[0]
    assert (gold_src / "label-studio.jsonl").read_text(encoding="utf-8") == before  # kept without --replace
    res = merge_staging(staging, gold_src, out, corpus=corpus_dir, replace=True)
    assert len(res.replaced) == 1
    lines = (gold_src / "label-studio.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and "[[戶|U]]" not in lines[0]


def test_merge_refuses_what_it_cannot_map_and_writes_nothing(tmp_path, corpus, gold_src):
    corpus_dir, rows = corpus
    bad = figures_task(rows[1])
    bad["data"]["text"] = bad["data"]["text"].replace("发放", "發放")  # not the corpus sentence any more
    bad["annotations"][0]["result"] = []
    staging = write(tmp_path / "staging.json", [pulled_task(rows[0], [], 1) | {"annotations": []}, bad])
    snapshot = {p.name: p.read_bytes() for p in gold_src.iterdir()}
    with pytest.raises(MergeError, match="not the corpus sentence"):
        merge_staging(staging, gold_src, tmp_path / "gold", corpus=corpus_dir)
    with pytest.raises(MergeError, match="also used by task 1"):  # one sentence annotated in two tasks
        merge_staging(write(staging, [figures_task(rows[1], 1), figures_task(rows[1], 2)]), gold_src,
                      tmp_path / "gold", corpus=corpus_dir)
    assert {p.name: p.read_bytes() for p in gold_src.iterdir()} == snapshot

    with pytest.raises(MergeError, match="not in .*documents.jsonl"):
        merge_staging(write(staging, [figures_task(rows[1])]), gold_src, tmp_path / "gold",
                      corpus=tmp_path / "elsewhere")


def test_gold_merge_cli_prints_what_came_in(tmp_path, corpus, gold_src):
    corpus_dir, rows = corpus
    staging = write(tmp_path / "staging.json", [figures_task(rows[1])])
    out = tmp_path / "gold"
    cmd = ["annotate", "gold", "merge", str(staging), "--src", str(gold_src), "--out", str(out),
           "--corpus", str(corpus_dir)]
    r = CliRunner().invoke(app, [*cmd, "--dry-run"])
    assert r.exit_code == 0 and "would add 1 sentences" in r.output, r.output
    assert not (gold_src / "label-studio.jsonl").exists()
    r = CliRunner().invoke(app, cmd)
    assert r.exit_code == 0, r.output
    assert "added 1 sentences" in r.output and "Came in from" in r.output and "Gold data now" in r.output


def test_pull_never_writes_into_the_gold_folder():
    from annotation.gold import GOLD_DIR

    with pytest.raises(SyncError, match="staging"):
        check_not_gold(GOLD_DIR / "NAME.json")
    check_not_gold(Path("annotation/staging/NAME.json"))
    r = CliRunner().invoke(app, ["annotate", "pull", "--out", str(GOLD_DIR / "x.json"), "--url",
                                 "http://127.0.0.1:9", "--token", "x"])
    assert r.exit_code == 1 and "staging" in r.output


def test_text_without_corpus_provenance_is_taken_as_is(tmp_path, gold_src):
    task = {"id": 5, "data": {"text": "低保5户", "sentence_id": "hand-1"},
            "annotations": [{"result": [region("p", 0, 2, "低保", "PROGRAM"), region("c", 2, 3, "5", "COUNT"),
                                        {"from_id": "p", "to_id": "c", "type": "relation", "direction": "right",
                                         "labels": ["has_value"]}]}]}
    staging = write(tmp_path / "s.json", [task])
    shutil.rmtree(tmp_path / "gold", ignore_errors=True)
    res = merge_staging(staging, gold_src, tmp_path / "gold", corpus=None)
    assert [e.text for e in res.added] == ["低保5户"]
    assert json.loads((gold_src / "label-studio.jsonl").read_text(encoding="utf-8"))["markup"] == \
        "[[低保|P1]][[5|C>P1]]户"
