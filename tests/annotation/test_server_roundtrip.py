"""Round trip through a real Label Studio server: push → annotate via the API → pull → Example.

Uses the session-scoped ``ls_server``/``ls_client`` fixtures from conftest.py
(they install and start Label Studio; nothing here is skipped).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation import sync
from annotation.convert import example_to_results, task_to_example
from annotation.rules import RuleAnnotator
from annotation.schema import AMOUNT, COUNT, HAS_VALUE, PERCENT, PROGRAM, UNIT, Example, Relation, Span
from annotation.server import Credentials, LabelStudioServer, ServerError, load_credentials
from annotation.sync import SyncError, existing_tasks, pull, push
from minzheng.cli import app

# Sentences as corpus/ writes them (sentences.jsonl): id, doc, index, text, start, end.
TEXTS = [
    "2023年全市城乡低保对象5126户，发放低保资金4419万元。",
    "😀临时救助297人次，支出救助资金1.4万元。",
    "𠀋特困人员总数2854人，集中供养率53%。",
    "注册志愿者19.42万人。",
    "全年福利彩票销售额7449.73万元，没有别的数字。",
]


def sentence_rows() -> list[dict]:
    rows, offset = [], 0
    for i, text in enumerate(TEXTS):
        rows.append(
            {
                "id": f"doc1:{i}",
                "doc": "doc1",
                "index": i,
                "text": text,
                "start": offset,
                "end": offset + len(text),
            }
        )
        offset += len(text)
    return rows


@pytest.fixture
def sentences_path(tmp_path):
    path = tmp_path / "sentences.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sentence_rows()), encoding="utf-8"
    )
    return path


def sp(text: str, sub: str, label: str, sid: str, after: int = 0) -> Span:
    start = text.index(sub, after)
    return Span(start, start + len(sub), label, sid)


def gold_examples() -> dict[str, Example]:
    """Hand-made gold for the emoji and the 𠀋 sentence (both put astral characters before figures)."""
    rows = {r["id"]: r for r in sentence_rows()}
    out = {}
    t = rows["doc1:1"]["text"]
    out["doc1:1"] = Example(
        id="doc1:1",
        text=t,
        spans=[
            sp(t, "临时救助", PROGRAM, "p1"),
            sp(t, "297", COUNT, "c1"),
            sp(t, "人次", UNIT, "u1"),
            sp(t, "救助", PROGRAM, "p2", after=t.index("支出")),
            sp(t, "1.4万", AMOUNT, "a1"),
            sp(t, "元", UNIT, "u2"),
        ],
        relations=[Relation("p1", "c1", HAS_VALUE), Relation("p2", "a1", HAS_VALUE)],
        meta={"sentence_id": "doc1:1"},
    )
    t = rows["doc1:2"]["text"]
    out["doc1:2"] = Example(
        id="doc1:2",
        text=t,
        spans=[
            sp(t, "特困人员", PROGRAM, "p1"),
            sp(t, "2854", COUNT, "c1"),
            sp(t, "人", UNIT, "u1", after=t.index("2854")),
            sp(t, "集中供养", PROGRAM, "p2"),
            sp(t, "53%", PERCENT, "r1"),
        ],
        relations=[Relation("p1", "c1", HAS_VALUE), Relation("p2", "r1", HAS_VALUE)],
        meta={"sentence_id": "doc1:2"},
    )
    return out


def tasks_by_sentence(client, project_id: int) -> dict[str, object]:
    return {
        t.data["sentence_id"]: t for t in client.tasks.list(project=project_id, fields="all", page_size=100)
    }


def assert_same_example(got: Example, want: Example) -> None:
    """Same sentence, spans, labels and relations (relations compared through their spans)."""
    assert got.id == want.id
    assert got.text == want.text
    assert sorted(got.spans) == sorted(want.spans)

    def rels(ex: Example) -> set:
        by_id = ex.span_by_id()
        return {
            (
                (by_id[r.head].start, by_id[r.head].end, by_id[r.head].label),
                (by_id[r.tail].start, by_id[r.tail].end, by_id[r.tail].label),
                r.label,
            )
            for r in ex.relations
        }

    assert rels(got) == rels(want)
    assert len(got.relations) == len(want.relations)
    assert got.meta.get("sentence_id") == want.meta["sentence_id"]


def test_roundtrip(ls_client, sentences_path, project_title, tmp_path):
    client = ls_client
    res = push(client, sentences_path, project_title=project_title, predictions="rules")
    assert (res.created, res.skipped, res.predictions) == (len(TEXTS), 0, len(TEXTS))
    assert res.project_created

    # Every task carries the sentence fields and one rule pre-annotation, stored as sent.
    tasks = tasks_by_sentence(client, res.project_id)
    assert set(tasks) == {r["id"] for r in sentence_rows()}
    rules = RuleAnnotator()
    for row in sentence_rows():
        task = tasks[row["id"]]
        for key in ("text", "doc", "index", "start", "end"):
            assert task.data[key] == row[key]
        assert len(task.predictions) == 1, row["id"]
        pred = task.predictions[0]
        assert pred.model_version
        assert pred.result == example_to_results(rules(row["text"]))
    assert all(tasks[r["id"]].predictions[0].result for r in sentence_rows())  # the rules found figures

    # Pushing again creates nothing.
    again = push(client, sentences_path, project_title=project_title, predictions="rules")
    assert (again.created, again.skipped, again.predictions) == (0, len(TEXTS), 0)
    assert again.project_id == res.project_id
    assert len(existing_tasks(client, res.project_id)) == len(TEXTS)
    assert len(list(client.tasks.list(project=res.project_id, page_size=100))) == len(TEXTS)

    # An annotator saves gold for two sentences.
    gold = gold_examples()
    for sid, example in gold.items():
        client.annotations.create(id=tasks[sid].id, result=example_to_results(example))

    out = tmp_path / "gold" / "export.json"
    pulled = pull(client, project_title, out)
    assert pulled.issues == []
    assert (pulled.tasks, pulled.annotated) == (len(TEXTS), len(gold))

    export = json.loads(out.read_text(encoding="utf-8"))
    assert len(export) == len(TEXTS)
    annotated = [t for t in export if t["annotations"]]
    assert len(annotated) == len(gold)
    for task in annotated:
        # Full export: relations survive and predictions come in full, not as ids.
        assert any(r.get("type") == "relation" for r in task["annotations"][0]["result"])
        assert isinstance(task["predictions"][0], dict) and "result" in task["predictions"][0]
        got = task_to_example(task)
        assert_same_example(got, gold[task["data"]["sentence_id"]])


def test_push_updates_changed_config_and_rejects_model_dir(
    ls_client, sentences_path, project_title, monkeypatch, tmp_path
):
    old = '<View><Labels name="label" toName="text"><Label value="PROGRAM"/></Labels><Text name="text" value="$text"/></View>'
    project = ls_client.projects.create(title=project_title, label_config=old)
    res = push(ls_client, sentences_path, project_title=project_title)
    assert res.project_id == project.id and res.config_updated and not res.project_created
    assert res.predictions == 0
    assert '<Label value="UNIT"' in ls_client.projects.get(id=project.id).label_config  # the full config now

    monkeypatch.setattr(sync, "_MODEL_LOADER", None)  # used as a library, without the front door's loader
    with pytest.raises(SyncError, match="model loader"):
        push(ls_client, sentences_path, project_title=project_title, predictions=str(tmp_path))


def test_cli_push_pull(ls_server, ls_client, sentences_path, project_title, tmp_path, monkeypatch):
    runner = CliRunner()
    conn = ["--project", project_title, "--url", ls_server.url, "--token", ls_server.token]

    r = runner.invoke(
        app, ["annotate", "push", "--sentences", str(sentences_path), "--predictions", "rules", *conn]
    )
    assert r.exit_code == 0, r.output
    assert f"created {len(TEXTS)}, skipped 0, predictions {len(TEXTS)}" in r.output
    r = runner.invoke(
        app, ["annotate", "push", "--sentences", str(sentences_path), "--predictions", "rules", *conn]
    )
    assert r.exit_code == 0, r.output
    assert f"created 0, skipped {len(TEXTS)}" in r.output

    r = runner.invoke(app, ["annotate", "push", "--sentences", str(sentences_path), "--predictions",
                            str(tmp_path / "no-model"), *conn])
    assert r.exit_code == 1 and "No model at" in r.output
    # the shipped model pre-annotates a second project
    model_conn = ["--project", project_title[:40] + "-model", *conn[2:]]
    model_dir = Path(__file__).resolve().parents[2] / "models" / "default"
    r = runner.invoke(app, ["annotate", "push", "--sentences", str(sentences_path), "--predictions",
                            str(model_dir), *model_conn])
    assert r.exit_code == 0, r.output
    assert f"created {len(TEXTS)}, skipped 0, predictions {len(TEXTS)}" in r.output

    out = tmp_path / "pulled.json"
    r = runner.invoke(app, ["annotate", "pull", "--out", str(out), *conn])
    assert r.exit_code == 0, r.output
    assert len(json.loads(out.read_text(encoding="utf-8"))) == len(TEXTS)

    # A bad annotation (unknown label, figure → program relation): pull writes the file but exits 1.
    project = next(p for p in ls_client.projects.list(title=project_title) if p.title == project_title)
    task = tasks_by_sentence(ls_client, project.id)["doc1:3"]
    text = task.data["text"]
    bad = Example(
        id="doc1:3",
        text=text,
        spans=[sp(text, "志愿者", PROGRAM, "p1"), sp(text, "19.42万", "BOGUS", "c1")],
        relations=[Relation("c1", "p1", HAS_VALUE)],
    )
    ls_client.annotations.create(id=task.id, result=example_to_results(bad))
    r = runner.invoke(app, ["annotate", "pull", "--out", str(out), *conn])
    assert r.exit_code == 1, r.output
    assert "1 annotated" in r.output and "issues" in r.output
    assert len(json.loads(out.read_text(encoding="utf-8"))) == len(TEXTS)


def test_credentials_generated_once_with_mode_0600(tmp_path, monkeypatch):
    for key in ("MINZHENG_LS_USERNAME", "MINZHENG_LS_PASSWORD", "MINZHENG_LS_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    first = load_credentials(tmp_path)
    assert stat.S_IMODE(os.stat(tmp_path / "credentials.json").st_mode) == 0o600
    assert len(first.token) == 40
    assert load_credentials(tmp_path) == first
    monkeypatch.setenv("MINZHENG_LS_USERNAME", "a@b.c")
    monkeypatch.setenv("MINZHENG_LS_PASSWORD", "pw-123456")
    monkeypatch.setenv("MINZHENG_LS_TOKEN", "t" * 40)
    assert load_credentials(tmp_path) == Credentials("a@b.c", "pw-123456", "t" * 40)


def test_server_status_when_stopped(tmp_path):
    srv = LabelStudioServer(tmp_path, port=1, run_dir=tmp_path / "run")
    st = srv.status()
    assert not st["running"] and st["url"] is None and not srv.is_running()
    assert srv.stop(quiet=True) is False


def _fake_install(tmp_path, script: str) -> LabelStudioServer:
    """A server whose 'label-studio' is a shell script: no install, no real server."""
    from annotation.server import LS_VERSION, free_port

    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    exe = venv / "bin" / "label-studio"
    exe.write_text("#!/bin/sh\n" + script + "\n")
    exe.chmod(0o755)
    (venv / ".minzheng-label-studio").write_text(LS_VERSION + "\n")
    return LabelStudioServer(
        tmp_path,
        port=free_port(),
        run_dir=tmp_path / "run",
        venv_dir=venv,
        credentials=Credentials("a@b.c", "pw-123456", "t" * 40),
        start_timeout=3,
        log=lambda msg: None,
    )


def test_start_failure_shows_log_tail(tmp_path):
    srv = _fake_install(tmp_path, 'echo "boom: no database"; exit 1')
    with pytest.raises(ServerError, match="exited while starting(.|\n)*boom: no database"):
        srv.start()
    assert not srv.is_running() and not srv.pid_path.exists()


def test_start_timeout_stops_the_process(tmp_path):
    srv = _fake_install(tmp_path, 'echo "still migrating"; exec sleep 60')
    with pytest.raises(ServerError, match="did not answer(.|\n)*still migrating"):
        srv.start()
    pid = srv._proc.pid
    assert not srv.is_running() and not srv.pid_path.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped, not left behind
