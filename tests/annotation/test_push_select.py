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
    assert all(len(t.predictions) == 1 and t.predictions[0].model_version.startswith("default-") for t in tasks)
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


def test_push_adds_or_replaces_predictions_on_open_tasks_only(ls_client, sentences_path, project_title,
                                                              monkeypatch):
    """A model version's prediction is added where a task has none, replaced where it changed, and left
    alone where it is the same; annotated tasks are never touched; the project shows the pushed version."""
    import annotation.sync as sync
    from annotation.schema import Example, Span

    def fake(label: str):
        def predict(text: str) -> Example:
            return Example("x", text, [Span(0, 2, label, "e1", 0.5)])
        return predict

    logs: list[str] = []
    push = lambda: sync.push(ls_client, sentences_path, project_title, predictions="fake", log=logs.append)  # noqa: E731
    monkeypatch.setattr(sync, "load_predictor", lambda _: (fake("PROGRAM"), "fake-1"))
    first = push()
    assert (first.created, first.predictions, first.existing_added) == (6, 6, 0)
    tasks = sync.project_tasks(ls_client, first.project_id)
    annotated = next(iter(tasks.values()))
    ls_client.annotations.create(id=annotated.id, result=[], was_cancelled=False)

    again = push()  # same version, same output: nothing to do
    assert (again.created, again.existing_added, again.existing_replaced, again.annotated_left) == (0, 0, 0, 1)
    monkeypatch.setattr(sync, "load_predictor", lambda _: (fake("COUNT"), "fake-1"))
    changed = push()  # same version, other output: replaced on the five open tasks
    assert (changed.existing_added, changed.existing_replaced) == (0, 5)
    monkeypatch.setattr(sync, "load_predictor", lambda _: (fake("UNIT"), "fake-2"))
    newer = push()  # a new version: added beside the old one
    assert (newer.existing_added, newer.existing_replaced) == (5, 0)

    predictions = ls_client.predictions.list(project=first.project_id)
    by_task: dict[int, list] = {}
    for p in predictions:
        by_task.setdefault(int(p.task), []).append(p)
    assert len(by_task[annotated.id]) == 1 and by_task[annotated.id][0].result[0]["value"]["labels"] == ["PROGRAM"]
    for task_id, preds in by_task.items():
        if task_id != annotated.id:
            assert sorted((p.model_version, p.result[0]["value"]["labels"][0]) for p in preds) == [
                ("fake-1", "COUNT"), ("fake-2", "UNIT")]
    assert ls_client.projects.get(id=first.project_id).model_version == "fake-2"
