"""`minzheng table`: one pivot across extraction outputs, its sources, and the chart page."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from inference.table import TableError, parse_by, pivot, read_facts, write_table
from minzheng.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = ROOT / "models" / "default"
RAW = ROOT / "corpus" / "raw"


def fact(doc: str, program: str, figure: str, value: str, unit: str, start: int, kind: str = "count", **extra) -> dict:
    return {"doc": doc, "sentence": 0, "program": program, "program_simplified": program, "kind": kind,
            "value": value, "low": value, "high": value, "unit": unit, "approximate": False, "figure": figure,
            "figure_start": start, "figure_end": start + len(figure), "program_start": start - len(program),
            "program_end": start, "score": 0.9, "checks": []} | extra


def record(doc: str, facts: list[dict], period: str | None = None, place: str | None = None) -> dict:
    return {"doc": doc, "path": f"/reports/{doc}", "entities": [], "relations": [], "facts": facts,
            "checks": [], "errors": [], "period": {"label": period} if period else None,
            "place": {"name": place} if place else None}


@pytest.fixture
def outputs(tmp_path) -> list[Path]:
    """Two extraction outputs of two counties, 2019 and 2020; the second written before the taxonomy
    (no program_id: mapped when read)."""
    a = tmp_path / "a.jsonl"
    a.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        record("甲2019.txt", [fact("甲2019.txt", "城乡低保", "5126", "5126", "户", 10),
                              fact("甲2019.txt", "城乡低保", "8731", "8731", "人", 15),
                              fact("甲2019.txt", "城乡低保", "27.482万", "274820", "元", 30, kind="amount"),
                              fact("甲2019.txt", "低保", "100", "100", "户", 60,
                                   checks=["parts 1+2 户 = 3 ≠ total 100 户"]),
                              fact("甲2019.txt", "", "12", "12", "个", 80)],
               period="2019年", place="甲县"),
        record("甲2020.txt", [fact("甲2020.txt", "城鄉低保", "5300", "5300", "户", 12)], period="2020年", place="甲县"),
    ]) + "\n", encoding="utf-8")
    b = tmp_path / "b.jsonl"
    old = [fact("乙2020.txt", "农村低保", "900", "900", "户", 5), fact("乙2020.txt", "驻村队员", "10", "10", "人", 40)]
    for f in old:
        f.pop("program_simplified")
    b.write_text(json.dumps(record("乙2020.txt", old, period="2020年", place="乙县"), ensure_ascii=False) + "\n",
                 encoding="utf-8")
    return [a, b]


def test_read_facts_maps_programs_of_older_outputs(outputs):
    facts = read_facts(outputs)
    assert list(facts["doc"].unique()) == ["甲2019.txt", "甲2020.txt", "乙2020.txt"]
    by_program = dict(zip(facts["program"], facts["program_id"], strict=True))
    assert by_program["农村低保"] == "dibao.rural" and by_program["城鄉低保"] == "dibao"
    assert by_program["驻村队员"] == "" and by_program[""] == ""
    assert facts.loc[facts["program"] == "城乡低保", "value"].tolist() == [Decimal(5126), Decimal(8731),
                                                                          Decimal("274820")]


def test_pivot_by_doc_first_mention_and_sources(outputs):
    table, sources = pivot(read_facts(outputs), parse_by("program,doc"))
    assert list(table.columns) == ["甲2019.txt", "甲2020.txt", "乙2020.txt"]
    assert table.loc[("dibao", "城乡低保", "count", "户")].tolist() == [Decimal(5126), Decimal(5300), None]
    assert table.loc[("dibao", "城乡低保", "amount", "元")].tolist() == [Decimal(274820), None, None]
    assert table.loc[("dibao.rural", "农村低保", "count", "户")].tolist() == [None, None, Decimal(900)]
    assert table.index.get_level_values("program_id").tolist()[:3] == ["dibao", "dibao", "dibao"]  # taxonomy order
    cell = sources[(sources["program_id"] == "dibao") & (sources["unit"] == "户") & (sources["column"] == "甲2019.txt")]
    assert cell[["figure", "figure_start", "figure_end", "used"]].values.tolist() == [
        ["5126", 10, 14, True], ["100", 60, 63, False]]                # the first mention gives the cell
    assert cell["checks"].tolist()[1].startswith("parts 1+2")


def test_pivot_sum_max_and_place_period_columns(outputs):
    facts = read_facts(outputs)
    summed, sources = pivot(facts, ["doc"], ["count"], agg="sum")
    assert summed.loc[("dibao", "城乡低保", "count", "户"), "甲2019.txt"] == Decimal(5226)
    assert sources["used"].all()
    largest, _ = pivot(facts, ["doc"], ["count"], agg="max")
    assert largest.loc[("dibao", "城乡低保", "count", "户"), "甲2019.txt"] == Decimal(5126)
    by_place, _ = pivot(facts, parse_by("program,place,period"), ["count"])
    assert list(by_place.columns) == ["甲县 / 2019年", "甲县 / 2020年", "乙县 / 2020年"]
    assert ("dibao", "城乡低保", "amount", "元") not in by_place.index       # --values count


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_written_table_and_companions(outputs, tmp_path, suffix):
    facts = read_facts(outputs)
    table, sources = pivot(facts, ["doc"])
    out = tmp_path / f"table{suffix}"
    written = write_table(table, sources, [{"program": "驻村队员", "facts": 1, "docs": "乙2020.txt",
                                            "nearest_id": "", "nearest_name": "", "score": None}], out)
    assert [p.name for p in written] == [f"table{suffix}", f"table.sources{suffix}", f"table.unmatched{suffix}"]
    read = {".csv": lambda p: pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig"),
            ".parquet": pd.read_parquet, ".xlsx": lambda p: pd.read_excel(p, dtype=str)}[suffix]
    back, back_sources = read(written[0]), read(written[1])
    assert list(back.columns[:4]) == ["program_id", "program_name", "kind", "unit"]
    row = back[(back["program_id"] == "dibao") & (back["unit"] == "元")].iloc[0]
    assert Decimal(str(row["甲2019.txt"])) == Decimal("274820")
    assert len(back_sources) == len(sources) and read(written[2])["program"].tolist() == ["驻村队员"]


def test_errors_name_the_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc": "a", "facts": []}\nnot json\n', encoding="utf-8")
    with pytest.raises(TableError, match=re.escape(f"{bad}:2: not a JSON line")):
        read_facts([bad])
    rows = tmp_path / "rows.csv"
    rows.write_text("doc,value\na,1\n", encoding="utf-8")
    with pytest.raises(TableError, match="no column"):
        read_facts([rows])
    with pytest.raises(TableError, match="no such file"):
        read_facts([tmp_path / "missing.jsonl"])
    for by in ("doc,program", "program", "program,county", "program,doc,doc"):
        with pytest.raises(TableError, match="--by"):
            parse_by(by)


def test_four_sample_reports_to_one_table_and_one_chart_page(tmp_path):
    """minzheng extract corpus/raw → minzheng table: one table over the four reports, one chart a program."""
    runner = CliRunner()
    facts_path = tmp_path / "facts.jsonl"
    result = runner.invoke(app, ["extract", str(RAW), "--model", str(DEFAULT_MODEL), "--out", str(facts_path),
                                 "--show", "0"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in facts_path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 4
    for r in records:
        original = Path(r["path"]).read_text(encoding="utf-8")
        assert r["period"] and original[r["period"]["start"]:r["period"]["end"]] == r["period"]["text"]
        assert r["place"] and original[r["place"]["start"]:r["place"]["end"]] == r["place"]["text"]
        assert all(f["period"] == r["period"]["label"] and f["place"] == r["place"]["name"] for f in r["facts"])
        assert all(f["program_match"] in ("exact", "alias", "compound", "nearest", "none") for f in r["facts"]
                   if f["program"])
    shannan = next(r for r in records if r["doc"].startswith("000"))
    run_together = [c for c in shannan["checks"] if c.get("check") == "run_together"]
    assert run_together and any("715户1100人" in c["message"] for c in run_together)

    out, page = tmp_path / "table.csv", tmp_path / "table.html"
    result = runner.invoke(app, ["table", str(facts_path), "--by", "program,place,period", "--out", str(out),
                                 "--html", str(page)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(table.columns[4:]) == ["山南市 / 2019年上半年", "宿松县 / 上半年", "泽库县 / 2018年(截至目前)",
                                       "天门市 / 2020年"]
    assert "dibao.urban" in set(table["program_id"]) and "temporary" in set(table["program_id"])
    sources = pd.read_csv(tmp_path / "table.sources.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    originals = {r["doc"]: Path(r["path"]).read_text(encoding="utf-8") for r in records}
    for _, s in sources.iterrows():
        assert originals[s["doc"]][int(s["figure_start"]):int(s["figure_end"])] == s["figure"]
    html_text = page.read_text(encoding="utf-8")
    charts = re.findall(r'<figure class="chart"><img alt="[^"]*" src="data:image/png;base64,([^"]+)"', html_text)
    assert len(charts) == table["program_id"].nunique()
    assert all(base64.b64decode(png).startswith(b"\x89PNG") for png in charts)
    assert html_text.count("<td>D") == 4 and "天门市 / 2020年" in html_text
    assert 'class="num flag"' in html_text          # 7151100人 (run together) is shown in red
