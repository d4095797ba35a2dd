"""The gold pipeline on a tiny source written here: build, errors naming file:line, stats, CLI."""

import json

import pytest
from typer.testing import CliRunner

from annotation.convert import load_export
from annotation.gold import (
    GoldError,
    build_gold,
    gold_stats,
    load_gold,
    parse_source_line,
    read_sources,
    stats_table,
)
from annotation.schema import AMOUNT, COUNT, PROGRAM, UNIT
from minzheng.cli import app

ROWS = [
    {
        "id": "rep1:3", "doc": "rep1", "source": "real", "index": 3, "start": 100, "end": 122,
        "markup": "全市[[临时救助|P1]][[297|C>P1]][[人次|U]]，支出资金[[1.4万|A]][[元|U]]。",
    },
    {
        "id": "w:1", "doc": "written-1", "source": "written", "note": "range",
        "markup": "[[临时救助|P1]]标准[[200|A>P1]]-[[600|A>P1]][[元|U]]。",
    },
    {"id": "w:2", "doc": "written-1", "source": "written", "markup": "低保工作有序推进，没有数字。"},
]  # fmt: skip


def write_src(tmp_path, rows, name="a.jsonl", extra_lines=()):
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False) for r in rows] + list(extra_lines)
    (src / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src


def test_build_writes_one_full_export_per_source(tmp_path):
    src = write_src(tmp_path, ROWS)
    written = build_gold(src, tmp_path / "gold")
    assert {k: v.name for k, v in written.items()} == {"real": "real.json", "written": "written.json"}
    real = load_export(written["real"])
    assert len(real) == 1
    ex = real[0]
    assert ex.id == "rep1:3"
    assert ex.text == "全市临时救助297人次，支出资金1.4万元。"
    assert ex.meta == {"doc": "rep1", "index": 3, "start": 100, "end": 122, "source": "real"}
    assert [(ex.span_text(s), s.label) for s in ex.spans] == [
        ("临时救助", PROGRAM), ("297", COUNT), ("人次", UNIT), ("1.4万", AMOUNT), ("元", UNIT),
    ]  # fmt: skip
    assert [(r.head, r.tail) for r in ex.relations] == [("p1", "e1")]
    written_examples = load_export(written["written"])
    assert [e.id for e in written_examples] == ["w:1", "w:2"]
    assert written_examples[0].meta == {"doc": "written-1", "source": "written", "note": "range"}
    assert written_examples[1].spans == []  # a sentence with no figure is gold too
    # The export is a plain Label Studio task list.
    task = json.loads(written["real"].read_text(encoding="utf-8"))[0]
    assert task["data"]["text"] == ex.text and task["data"]["sentence_id"] == "rep1:3"
    assert any(r["type"] == "relation" for r in task["annotations"][0]["result"])


def test_build_is_deterministic(tmp_path):
    src = write_src(tmp_path, ROWS)
    first = build_gold(src, tmp_path / "gold")["real"].read_bytes()
    assert build_gold(src, tmp_path / "gold")["real"].read_bytes() == first


def test_bad_line_names_file_and_line_and_nothing_is_written(tmp_path):
    bad = {"id": "w:9", "doc": "d", "source": "written", "markup": "低保[[5|C>P2]][[户|U]]"}
    src = write_src(tmp_path, [*ROWS, bad])
    with pytest.raises(GoldError) as err:
        build_gold(src, tmp_path / "gold")
    assert str(src / "a.jsonl") + ":4: figure links to P2, which is not marked in the line" in str(err.value)
    assert not (tmp_path / "gold").exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"id": "x", "doc": "d", "source": "real"}', "missing key 'markup'"),
        (
            '{"id": "x", "doc": "d", "source": "web", "markup": "低保"}',
            "source 'web' is not one of real, written",
        ),
        ('{"id": "x", "doc": "d", "source": "real", "markup": "低保", "sorce": 1}', "unknown key(s) 'sorce'"),
        ('{"id": 7, "doc": "d", "source": "real", "markup": "低保"}', "'id' must be a non-empty string"),
        (
            '{"id": "x", "doc": "d", "source": "real", "markup": "低保", "index": -1}',
            "'index' must be a non-negative integer",
        ),
        (
            '{"id": "x", "doc": "d", "source": "real", "markup": "低保", "start": 5, "end": 9}',
            "span 4 characters but the sentence has 2",
        ),
        (
            '{"id": "x", "doc": "d", "source": "real", "markup": "[[低保|P1]] [[ 5|C>P1]]户"}',
            "starts or ends on white space",
        ),
        ('{"id": "x", "doc": "d", "source": "real", "markup": "[[低保|Q]]"}', "unknown label code 'Q'"),
    ],
)
def test_each_kind_of_bad_line(line, message):
    with pytest.raises(GoldError) as err:
        parse_source_line(line, "src/x.jsonl:12")
    assert any(p.startswith("src/x.jsonl:12: ") and message in p for p in err.value.problems), (
        err.value.problems
    )


def test_problems_of_all_lines_and_files_are_listed_together(tmp_path):
    src = write_src(tmp_path, ROWS, "a.jsonl", extra_lines=["", "{oops"])
    write_src(tmp_path, [ROWS[0]], "b.jsonl")
    with pytest.raises(GoldError) as err:
        read_sources(src)
    problems = err.value.problems
    assert len(problems) == 2
    assert problems[0].startswith(f"{src / 'a.jsonl'}:5: not valid JSON")  # the blank line 4 is skipped
    assert problems[1] == f"{src / 'b.jsonl'}:1: id 'rep1:3' is already used at {src / 'a.jsonl'}:1"


def test_empty_source_folder(tmp_path):
    with pytest.raises(GoldError, match="no \\*.jsonl gold sources"):
        read_sources(tmp_path)


def test_stats_split_by_source(tmp_path):
    build_gold(write_src(tmp_path, ROWS), tmp_path / "gold")
    rows = gold_stats(load_gold(tmp_path / "gold"))
    assert [r["source"] for r in rows] == ["real", "written", "all"]
    real, written, total = rows
    assert real == {
        "source": "real", "sentences": 1, "PROGRAM": 1, "COUNT": 1, "AMOUNT": 1, "PERCENT": 0, "UNIT": 2,
        "relations": 1, "unlinked": 1,
    }  # fmt: skip
    assert (written["sentences"], written["AMOUNT"], written["relations"], written["unlinked"]) == (
        2,
        2,
        2,
        0,
    )
    assert total["sentences"] == 3 and total["UNIT"] == 3
    assert stats_table(rows).row_count == 3
    assert load_gold([tmp_path / "gold" / "real.json"])[0].id == "rep1:3"


def test_cli_gold_build_and_stats(tmp_path):
    runner = CliRunner()
    src = write_src(tmp_path, ROWS)
    out = tmp_path / "gold"
    r = runner.invoke(app, ["annotate", "gold", "build", "--src", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "real.json" in r.output and "written.json" in r.output
    r = runner.invoke(app, ["annotate", "gold", "stats", str(out)])
    assert r.exit_code == 0, r.output
    assert "written" in r.output and "all" in r.output
    r = runner.invoke(app, ["annotate", "validate", str(out / "real.json")])
    assert r.exit_code == 0, r.output

    write_src(tmp_path, [*ROWS, {"id": "bad", "doc": "d", "source": "real", "markup": "[[低保|P1]]", "x": 1}])
    r = runner.invoke(app, ["annotate", "gold", "build", "--src", str(src), "--out", str(out)])
    assert r.exit_code == 1
    assert f"{src / 'a.jsonl'}:4: unknown key(s) 'x'" in r.output
