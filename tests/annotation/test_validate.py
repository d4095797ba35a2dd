"""Every validation error, its message naming where and what, and the `validate` command."""

import json

import pytest
from typer.testing import CliRunner

from annotation.convert import examples_to_export
from annotation.labeling import FROM_NAME, TO_NAME
from annotation.schema import AMOUNT, COUNT, PERCENT, PROGRAM, UNIT, Example, Relation, Span
from annotation.validate import (
    ValidationError,
    check_example,
    check_examples,
    validate_example,
    validate_examples,
    validate_file,
    validate_task,
    validate_tasks,
)
from minzheng.cli import app

TEXT = "城乡低保对象5126户，发放资金4419万元，集中供养率53%。"


def sp(sub, label, sid, after=0):
    start = TEXT.index(sub, after)
    return Span(start, start + len(sub), label, sid)


def good():
    return Example(
        "doc1:0",
        TEXT,
        spans=[
            sp("城乡低保", PROGRAM, "p1"),
            sp("5126", COUNT, "c1"),
            sp("户", UNIT, "u1"),
            sp("4419万", AMOUNT, "a1"),
            sp("元", UNIT, "u2"),
            sp("集中供养", PROGRAM, "p2"),
            sp("53%", PERCENT, "r1"),
        ],
        relations=[Relation("p1", "c1"), Relation("p1", "a1"), Relation("p2", "r1")],
    )


def with_(spans=(), relations=(), drop=()):
    ex = good()
    ex.spans = [s for s in ex.spans if s.id not in drop] + list(spans)
    ex.relations = [r for r in ex.relations if r.tail not in drop and r.head not in drop] + list(relations)
    return ex


def codes(issues):
    return [i.code for i in issues]


def test_good_example_is_valid():
    assert validate_example(good()) == []
    assert check_example(good()) is not None
    assert validate_example(Example("x", "没有数字")) == []


def test_offsets_outside_the_text_and_empty_spans():
    issues = validate_example(
        with_([Span(30, 40, COUNT, "c9"), Span(-1, 2, COUNT, "c8"), Span(3, 3, COUNT, "c7")]), where="task 12"
    )
    assert codes(issues) == ["offsets", "offsets", "offsets"]
    assert str(issues[0]) == f"task 12: span COUNT c9 [30:40] lies outside the text (length {len(TEXT)})"
    assert "is empty" in str(issues[2])


def test_region_text_that_does_not_match():
    issues = validate_example(good(), where="task 3", region_texts={"c1": "5216", "p1": "城乡低保"})
    assert codes(issues) == ["text-mismatch"]
    assert str(issues[0]) == "task 3: span COUNT c1 [6:10] says '5216' but the text there is '5126'"


def test_span_on_white_space():
    text = "低保 5户"
    ex = Example("w", text, [Span(0, 2, PROGRAM, "p"), Span(2, 4, COUNT, "c")], [Relation("p", "c")])
    issues = validate_example(ex)
    assert codes(issues) == ["whitespace"]
    assert "span COUNT c [2:4] ' 5' starts or ends on white space" in str(issues[0])
    ex = Example("w", "低保5\u3000户", [Span(2, 4, COUNT, "c")])  # an ideographic space at the end
    assert codes(validate_example(ex)) == ["whitespace"]


def test_overlapping_spans():
    issues = validate_example(with_([sp("5126户", COUNT, "c2")]))
    assert codes(issues) == ["overlap", "overlap"]
    assert "'5126'" in str(issues[0]) and "'5126户'" in str(issues[0]) and "overlap" in str(issues[0])


def test_unknown_label():
    issues = validate_example(with_([Span(0, 1, "PROG", "x1")], drop=("p1",)))
    assert "unknown-label" in codes(issues)
    assert "unknown label 'PROG'" in str(issues[0])


@pytest.mark.parametrize(
    ("head", "tail"),
    [("u1", "c1"), ("p1", "p2"), ("c1", "p1"), ("p1", "u1"), ("c1", "a1")],
    ids=["UNIT->COUNT", "PROGRAM->PROGRAM", "COUNT->PROGRAM", "PROGRAM->UNIT", "COUNT->AMOUNT"],
)
def test_relation_between_wrong_types(head, tail):
    ex = with_(relations=[Relation(head, tail)])
    issues = validate_example(ex, where="task 1")
    assert codes(issues) == ["relation-type"]
    assert f"relation has_value {head} → {tail} goes from" in str(issues[0])
    assert "has_value allows only PROGRAM→AMOUNT, PROGRAM→COUNT, PROGRAM→PERCENT" in str(issues[0])


def test_unknown_relation_label():
    issues = validate_example(with_(relations=[Relation("p1", "r1", "part_of")]))
    assert codes(issues) == ["unknown-relation"]


def test_figure_with_two_programs():
    issues = validate_example(with_(relations=[Relation("p2", "c1")]), where="task 4")
    assert codes(issues) == ["two-programs"]
    assert str(issues[0]).startswith("task 4: figure COUNT c1 [6:10] '5126' has 2 programs")


def test_relation_to_missing_region():
    issues = validate_example(with_(relations=[Relation("p1", "zz")]))
    assert codes(issues) == ["missing-region"]
    assert "points to region(s) 'zz' that do not exist" in str(issues[0])


def test_duplicate_region_ids_and_relations():
    issues = validate_example(with_([Span(TEXT.index("。"), len(TEXT), COUNT, "c1")]))
    assert "duplicate-id" in codes(issues)
    assert "region id 'c1' is used by 2 spans" in " ".join(map(str, issues))
    issues = validate_example(with_(relations=[Relation("p1", "c1")]))
    assert codes(issues) == ["duplicate-relation"]


def test_default_where_names_the_example():
    assert str(validate_example(with_(relations=[Relation("p1", "zz")]))[0]).startswith("example 'doc1:0': ")


def test_many_examples_and_the_raising_variant():
    bad = with_(relations=[Relation("u1", "c1")])
    assert codes(validate_examples([good(), good()])) == ["duplicate-example"]
    with pytest.raises(ValidationError) as err:
        check_examples([Example("ok", TEXT), bad], where="gold.json")
    assert "1 annotation issue(s)" in str(err.value) and "gold.json: example 'doc1:0'" in str(err.value)
    assert check_examples([good()]) == [good()]
    with pytest.raises(ValidationError):
        check_example(bad)


# -- tasks and files ----------------------------------------------------------------------


def test_task_validation_reports_mismatched_region_text_instead_of_stopping():
    task = examples_to_export([good()])[0]
    task["annotations"][0]["result"][1]["value"]["text"] = "9999"
    task["annotations"][0]["result"].append(
        {
            "id": "x",
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": "labels",
            "value": {"start": 0, "end": 2, "text": "城乡", "labels": ["BOGUS"]},
        }
    )
    issues = validate_task(task)
    assert codes(issues) == ["text-mismatch", "unknown-label", "overlap"]
    assert all(str(i).startswith("task 1 (sentence doc1:0): ") for i in issues)


def test_task_validation_of_unconvertible_and_unannotated_tasks():
    task = examples_to_export([good()])[0]
    task["annotations"][0]["result"][0]["value"]["labels"] = []
    assert codes(validate_task(task)) == ["conversion"]
    assert "region p1 has 0 labels" in str(validate_task(task)[0])
    task["annotations"][0]["was_cancelled"] = True
    assert validate_task(task) == []


def test_tasks_with_the_same_sentence_id():
    tasks = examples_to_export([good(), good()])
    issues = validate_tasks(tasks)
    assert codes(issues) == ["duplicate-example"]
    assert "sentence id 'doc1:0' is also used by task 1" in str(issues[0])


def write(tmp_path, tasks):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def test_validate_file_prefixes_the_path(tmp_path):
    path = write(tmp_path, examples_to_export([with_(relations=[Relation("p1", "p2")])]))
    (issue,) = validate_file(path)
    assert str(issue).startswith(f"{path}: task 1 (sentence doc1:0): relation has_value p1 → p2")


def test_cli_validate(tmp_path):
    runner = CliRunner()
    ok = write(tmp_path, examples_to_export([good()]))
    r = runner.invoke(app, ["annotate", "validate", str(ok)])
    assert r.exit_code == 0, r.output
    assert "1 tasks, valid" in r.output

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(examples_to_export([with_(relations=[Relation("u1", "c1"), Relation("p1", "zz")])])),
        encoding="utf-8",
    )
    r = runner.invoke(app, ["annotate", "validate", str(bad)])
    assert r.exit_code == 1
    assert "relation has_value u1 → c1" in r.output and "'zz' that do not exist" in r.output
    assert "2 issue(s) in 1 tasks" in r.output

    renamed = tmp_path / "renamed.json"
    renamed.write_text(json.dumps(examples_to_export([good()], text_field="sentence")), encoding="utf-8")
    assert runner.invoke(app, ["annotate", "validate", str(renamed)]).exit_code == 1  # no 'text' key
    assert (
        runner.invoke(app, ["annotate", "validate", str(renamed), "--text-field", "sentence"]).exit_code == 0
    )

    r = runner.invoke(app, ["annotate", "validate", str(tmp_path / "missing.json")])
    assert r.exit_code == 2


def test_cli_validate_reports_agreement(tmp_path):
    task = examples_to_export([good()])[0]
    first = task["annotations"][0]
    second = {
        **first,
        "id": 2,
        "result": [r for r in first["result"] if r.get("id") != "r1" and r.get("to_id") != "r1"],
    }
    path = write(tmp_path, [{**task, "annotations": [first, second]}])
    r = CliRunner().invoke(app, ["annotate", "validate", str(path)])
    assert r.exit_code == 0, r.output
    assert "1 annotated more than once, mean entity F1 between annotators 0.923" in r.output
