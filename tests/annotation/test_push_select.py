"""`minzheng annotate push --select …` against a real Label Studio server (conftest.py fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.sync import existing_tasks, find_project
from minzheng.cli import app

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "default"
TEXTS = [
    "2023年全市城乡低保对象5126户，发放低保资金4419万元。",
    "临时救助297人次，支出救助资金1.4万元。",
    "特困人员总数2854人，集中供养率53%。",
    "注册志愿者19.42万人。",
    "全年福利彩票销售额7449.73万元。",
    "召开会议，学习文件。",
]


@pytest.fixture
def sentences_path(tmp_path):
    path = tmp_path / "sentences.jsonl"
    rows = [{"id": f"doc{i % 2}:{i}", "doc": f"doc{i % 2}", "index": i, "text": t} for i, t in enumerate(TEXTS)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_push_select_uncertain_creates_n_tasks_with_predictions(ls_server, ls_client, sentences_path, project_title):
    runner = CliRunner()
    conn = ["--project", project_title, "--url", ls_server.url, "--token", ls_server.token]
    push = ["annotate", "push", "--sentences", str(sentences_path)]

    r = runner.invoke(app, [*push, "--select", "uncertain", "--n", "2", *conn])  # no model: refused
    assert r.exit_code == 1 and "--predictions MODEL_DIR" in r.output
    assert find_project(ls_client, project_title) is None  # nothing was created

    r = runner.invoke(app, [*push, "--select", "uncertain", "--n", "2", "--predictions", str(MODEL_DIR), *conn])
    assert r.exit_code == 0, r.output
    assert "created 2, skipped 0, predictions 2, not selected 4" in r.output
    project = find_project(ls_client, project_title)
    tasks = list(ls_client.tasks.list(project=project.id))
    assert len(tasks) == 2
    assert all(len(t.predictions) == 1 and t.predictions[0].model_version == "default" for t in tasks)
    assert len({t.data["doc"] for t in tasks}) == 2  # one per document: ⌈2 / 2⌉
    assert all(t.data["uncertainty"] > 0 for t in tasks)

    # the next round picks among the sentences not yet in the project
    r = runner.invoke(app, [*push, "--select", "random", "--n", "3", "--seed", "1", *conn])
    assert r.exit_code == 0, r.output
    assert "created 3, skipped 2, predictions 0, not selected 1" in r.output
    assert len(existing_tasks(ls_client, project.id)) == 5


def test_push_select_argument_errors(sentences_path):
    runner = CliRunner()
    push = ["annotate", "push", "--sentences", str(sentences_path), "--url", "http://127.0.0.1:9", "--token", "x"]
    for extra, message in [
        (["--select", "uncertain", "--n", "2", "--predictions", "rules"], "--predictions MODEL_DIR"),
        (["--select", "random"], "needs --n"),
        (["--select", "best", "--n", "2"], "--select must be one of"),
        (["--n", "2"], "--n needs --select"),
        (["--select", "uncertain", "--n", "2", "--predictions", str(MODEL_DIR), "--strategy", "max"],
         "--strategy must be"),
    ]:
        r = runner.invoke(app, [*push, *extra])
        assert r.exit_code == 1 and message in r.output, (extra, r.output)
