"""The gold set round-trips through a real Label Studio server: import with annotations, export, equal."""

from pathlib import Path

import pytest

from annotation.convert import load_export, read_export, task_to_example
from annotation.labeling import labeling_config
from annotation.sync import export_full

GOLD = Path(__file__).resolve().parents[2] / "annotation" / "gold"


@pytest.mark.parametrize("name", ["real.json", "written.json"])
def test_gold_export_round_trips_through_server(ls_client, project_title, name):
    tasks = read_export(GOLD / name)
    sent = {e.id: e for e in load_export(GOLD / name)}
    assert len(sent) == len(tasks) > 300
    project = ls_client.projects.create(title=project_title, label_config=labeling_config())
    payload = [{"data": t["data"], "annotations": [{"result": t["annotations"][0]["result"]}]} for t in tasks]
    ls_client.projects.import_tasks(id=project.id, request=payload, return_task_ids=True)
    back = {}
    for task in export_full(ls_client, project.id):
        example = task_to_example(task)
        back[example.id] = example
    assert set(back) == set(sent)
    for key, example in sent.items():
        got = back[key]
        assert got.text == example.text, key
        assert sorted(got.spans) == sorted(example.spans), key
        assert {s.id for s in got.spans} == {s.id for s in example.spans}, key
        assert sorted(got.relations) == sorted(example.relations), key
        assert got.meta.get("source") == example.meta.get("source"), key
