"""The weekly retraining loop, end to end against a real Label Studio server (conftest.py):

a new report → corpus build → push (rules, then model pre-annotations on the existing tasks, then an
uncertainty ranking) → annotate through the API as the UI does → pull to staging → merge into gold on
the original text → train a tiny model → compare it with models/default on the held-out report →
promote (refused: worse; refused: other schema; forced).

Each step's time is printed at the end (`pytest -s`) and written to the test's tmp folder.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from transformers import TrainingArguments
from typer.testing import CliRunner

from annotation.convert import load_export
from annotation.gold import SRC_DIR, read_sources
from annotation.labeling import FROM_NAME, TO_NAME
from annotation.schema import SCHEMA_VERSION
from annotation.sync import UNCERTAINTY, find_project, project_tasks
from minzheng.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = ROOT / "models" / "default"
REPORT = (
    "某縣民政局2024年第一季度工作總結\n"
    "全縣城鄉低保對象５１２６戶８７３１人，發放低保資金４４１９萬元。\n"
    "臨時救助２９７人次，支出救助資金1.4萬元。\n"
    "特困人員總數2854人，集中供養率53%。\n"
    "召開會議3次，學習文件。\n"
)
DOC = "900_loop_report.txt"
#: What the annotator marks in each clean sentence: (text, label, program it belongs to).
ANNOTATIONS = {
    "全县城乡低保对象5126户8731人，发放低保资金4419万元。": [
        ("城乡低保", "PROGRAM", None), ("5126", "COUNT", 0), ("户", "UNIT", None), ("8731", "COUNT", 0),
        ("人", "UNIT", None), ("低保", "PROGRAM", None), ("4419万", "AMOUNT", 5), ("元", "UNIT", None)],
    "临时救助297人次，支出救助资金1.4万元。": [
        ("临时救助", "PROGRAM", None), ("297", "COUNT", 0), ("人次", "UNIT", None), ("救助", "PROGRAM", None),
        ("1.4万", "AMOUNT", 3), ("元", "UNIT", None)],
    "特困人员总数2854人，集中供养率53%。": [
        ("特困人员", "PROGRAM", None), ("2854", "COUNT", 0), ("人", "UNIT", None), ("集中供养", "PROGRAM", None),
        ("53%", "PERCENT", 3)],
    "召开会议3次，学习文件。": [],  # no figure: submitted empty, a negative
}
TITLE = "某县民政局2024年第一季度工作总结"  # left unannotated


class Clock:
    def __init__(self):
        self.steps: dict[str, float] = {}

    def step(self, name):
        clock = self

        class _Step:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                clock.steps[name] = round(time.perf_counter() - self.t0, 1)

        return _Step()


def ui_results(text: str, marks) -> list[dict]:
    """Results as Label Studio 1.23 saves them from the UI: regions, then relations drawn figure → program
    with no label (the labeling config has no <Relations>)."""
    results, pos = [], 0
    for n, (part, label, _) in enumerate(marks):
        start = text.index(part, pos)
        pos = start + len(part)
        results.append({"id": f"r{n}", "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels", "origin": "manual",
                        "value": {"start": start, "end": pos, "text": part, "labels": [label]}})
    for n, (_, _, program) in enumerate(marks):
        if program is not None:
            results.append({"from_id": f"r{n}", "to_id": f"r{program}", "type": "relation", "direction": "right"})
    return results


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, f"minzheng {' '.join(args)} → {result.exit_code}\n{result.output}"
    return result.output


def test_the_weekly_loop(ls_server, ls_client, project_title, tmp_path, tiny_base):
    clock = Clock()
    conn = ["--project", project_title, "--url", ls_server.url, "--token", ls_server.token]

    # 1. a new report → corpus
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / DOC).write_text(REPORT, encoding="utf-8")
    corpus = tmp_path / "corpus"
    with clock.step("corpus build"):
        invoke("corpus", "build", str(raw), "--out", str(corpus))
    sentences = corpus / "sentences.jsonl"
    rows = [json.loads(line) for line in sentences.read_text(encoding="utf-8").splitlines()]
    assert {r["text"] for r in rows} == set(ANNOTATIONS) | {TITLE}

    # 2. push: rules first (the tasks exist), then the model's predictions on those tasks, then a ranking
    with clock.step("push --predictions rules (new project)"):
        out = invoke("annotate", "push", "--sentences", str(sentences), "--predictions", "rules", *conn)
    assert "created 5, skipped 0, predictions 5" in out
    with clock.step("push --predictions models/default (existing tasks)"):
        out = invoke("annotate", "push", "--sentences", str(sentences), "--predictions", str(DEFAULT_MODEL), *conn)
    assert "created 0, skipped 5, predictions 0; on existing unannotated tasks: predictions added 5" in out
    project = find_project(ls_client, project_title)
    tasks = list(ls_client.tasks.list(project=project.id, fields="all"))
    versions = {t.id: sorted(p.model_version for p in ls_client.predictions.list(task=t.id)) for t in tasks}
    model_version = next(v for v in versions[tasks[0].id] if v.startswith("default-"))
    assert all(v == sorted(["rules-1.0", model_version]) for v in versions.values()), versions
    assert ls_client.projects.get(id=project.id).model_version == model_version  # the UI shows the model's
    with clock.step("push --select uncertain --n 2 (rank existing tasks)"):
        out = invoke("annotate", "push", "--predictions", str(DEFAULT_MODEL), "--select", "uncertain", "--n", "2",
                     *conn)
    assert "uncertainty stored on 5" in out and "replaced 0" in out  # same model: nothing duplicated
    scored = project_tasks(ls_client, project.id)
    assert all(isinstance(t.data.get(UNCERTAINTY), float) for t in scored.values())
    assert len(ls_client.predictions.list(project=project.id)) == 10

    # 3. annotate as a user would in the UI (four tasks; the title is left for later)
    with clock.step("annotate 4 tasks (API)"):
        for task in scored.values():
            text = task.data["text"]
            if text in ANNOTATIONS:
                ls_client.annotations.create(id=task.id, result=ui_results(text, ANNOTATIONS[text]),
                                             was_cancelled=False)
    out = invoke("annotate", "push", "--predictions", str(DEFAULT_MODEL), *conn)
    assert "predictions added 0, replaced 0" in out  # annotated tasks are left alone, the open one unchanged

    # 4. pull to staging
    staging = tmp_path / "staging" / "loop.json"
    with clock.step("pull"):
        out = invoke("annotate", "pull", "--out", str(staging), *conn)
    assert "5 tasks, 4 annotated, 0 issues" in out and "gold merge" in out
    invoke("annotate", "validate", str(staging))

    # 5. merge into (a copy of) the gold set, on the original text
    src, gold_dir = tmp_path / "gold" / "src", tmp_path / "gold"
    shutil.copytree(SRC_DIR, src)
    before = {e.id for e in read_sources(src)}
    merge = ["annotate", "gold", "merge", str(staging), "--src", str(src), "--out", str(gold_dir),
             "--corpus", str(corpus)]
    with clock.step("gold merge"):
        out = invoke(*merge)
    assert "added 4 sentences" in out and "1 unannotated tasks left out" in out
    merged = {e.id: e for e in read_sources(src) if e.id not in before}
    assert len(merged) == 4
    first = next(e for e in merged.values() if e.text.startswith("全縣"))
    assert first.text == "全縣城鄉低保對象５１２６戶８７３１人，發放低保資金４４１９萬元。"  # original text
    assert [first.span_text(s) for s in first.spans][:3] == ["城鄉低保", "５１２６", "戶"]
    spans = first.span_by_id()
    assert {(first.span_text(spans[r.head]), first.span_text(spans[r.tail])) for r in first.relations} == {
        ("城鄉低保", "５１２６"), ("城鄉低保", "８７３１"), ("低保", "４４１９萬")}
    out = invoke(*merge)
    assert "added 0 sentences" in out and "4 unchanged" in out  # merging again adds nothing
    real = load_export(gold_dir / "real.json")
    assert len([e for e in real if e.meta.get("doc") == DOC]) == 4
    assert len({e.id for e in real}) == len(real)

    # 6. train a tiny candidate on written gold, the new report held out
    from training.data import load_gold, to_clean_examples
    from training.ner import DataArguments, ModelArguments
    from training.pipeline import train_model

    gold = load_gold([gold_dir])
    train = to_clean_examples([e for e in gold if e.meta.get("source") == "written"][:40])
    dev = to_clean_examples([e for e in gold if e.meta.get("doc") == DOC])
    candidate = tmp_path / "candidate"
    args = TrainingArguments(output_dir=str(candidate), max_steps=3, per_device_train_batch_size=8,
                             learning_rate=1e-3, eval_strategy="epoch", save_strategy="no", report_to=[],
                             use_cpu=True, seed=1)
    with clock.step("train tiny model"):
        train_model(ModelArguments(base_model=str(tiny_base), max_length=128), DataArguments(), args, train, dev)
    assert DOC not in json.loads((candidate / "minzheng.json").read_text())["train_documents"]

    # 7. compare with models/default on the documents neither saw: the new report
    report = tmp_path / "eval"
    with clock.step("evaluate --against models/default"):
        out = invoke("evaluate", "--model", str(candidate), "--against", str(DEFAULT_MODEL), "--data", str(gold_dir),
                     "--out", str(report))
    comparison = json.loads((report / "compare.json").read_text(encoding="utf-8"))
    assert comparison["documents"] == [DOC] and comparison["sentences"] == 4 and comparison["resamples"] == 1000
    micro = comparison["rows"]["micro"]
    assert micro["ci_low"] <= micro["diff"] <= micro["ci_high"]
    assert micro["f1_a"] > micro["f1_b"]  # three training steps do not beat models/default
    assert "95 % CI" in out and "has_value" in out

    # 8. promote: refused (worse), refused (another schema, even forced), forced
    current = tmp_path / "models" / "default"
    shutil.copytree(DEFAULT_MODEL, current)
    promote = ["train", "promote", str(candidate), "--to", str(current), "--data", str(gold_dir),
               "--out", str(tmp_path / "promote")]
    with clock.step("train promote (refused: worse)"):
        out = invoke(*promote, code=1)
    assert "is worse than" in out and f"{micro['f1_b']:.3f}" in out and f"{micro['f1_a']:.3f}" in out
    assert not (current / "promotion.json").exists()
    other = tmp_path / "other-schema"
    shutil.copytree(candidate, other)
    info = json.loads((other / "minzheng.json").read_text())
    (other / "minzheng.json").write_text(json.dumps(info | {"schema_version": SCHEMA_VERSION + ".1"}))
    out = invoke("train", "promote", str(other), "--to", str(current), "--data", str(gold_dir), "--force", code=1)
    assert "schema" in out and "cannot be promoted" in out
    out = invoke(*promote, "--force")
    record = json.loads((current / "promotion.json").read_text())
    assert record["forced"] and record["promoted_from"] == str(candidate)
    assert (current / "model.safetensors").read_bytes() == (candidate / "model.safetensors").read_bytes()
    assert not [p for p in current.parent.iterdir() if p.name.startswith(".")]  # no temporary folders left

    lines = [f"{name:<55} {seconds:6.1f} s" for name, seconds in clock.steps.items()]
    (tmp_path / "loop_timings.json").write_text(json.dumps(clock.steps, indent=2))
    print("\nThe loop, step by step:\n" + "\n".join(lines))
