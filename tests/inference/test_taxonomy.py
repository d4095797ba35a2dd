"""The program taxonomy (inference/data/programs.yaml) and its matcher (inference/taxonomy.py)."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from inference.taxonomy import (
    DEFAULT_PATH,
    MATCH_KINDS,
    Taxonomy,
    TaxonomyError,
    load_taxonomy,
    traditional_forms,
    unmatched_programs,
    write_traditional,
)
from training.data import load_gold

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).parent / "data" / "program_ids.tsv"
MIN_ACCURACY = 0.95
MAX_UNLABELLED = 0.05  # gold programs added later without an expected id in EXPECTED


def expected_ids() -> dict[str, str]:
    out = {}
    for n, line in enumerate(EXPECTED.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            name, pid, *_ = line.split("\t")
            assert name not in out, f"{EXPECTED}:{n}: {name!r} labelled twice"
            out[name] = pid
    return out


def gold_program_names() -> list[str]:
    examples = load_gold([ROOT / "annotation" / "gold", ROOT / "annotation" / "extra"])
    return sorted({e.span_text(s) for e in examples for s in e.spans if s.label == "PROGRAM"})


def test_mapping_accuracy_on_the_gold_programs():
    """Every distinct gold PROGRAM name (real + written, and the extra written sentences), mapped and compared
    with the hand-made labels."""
    taxonomy, expected = load_taxonomy(), expected_ids()
    unknown = sorted({pid for pid in expected.values() if pid != "none" and pid not in taxonomy.programs})
    assert not unknown, f"{EXPECTED}: ids not in {DEFAULT_PATH.name}: {unknown}"
    names = gold_program_names()
    labelled = [n for n in names if n in expected]
    unlabelled = sorted(set(names) - set(labelled))
    assert len(unlabelled) <= MAX_UNLABELLED * len(names), \
        f"{len(unlabelled)} gold programs have no expected id in {EXPECTED}: {unlabelled}"
    wrong = []
    for name in labelled:
        found = taxonomy.match(name)
        assert found.how in MATCH_KINDS
        if (found.id or "none") != expected[name]:
            wrong.append(f"{name}: expected {expected[name]}, got {found.id or 'none'} ({found.how} {found.score})")
    accuracy = 1 - len(wrong) / len(labelled)
    print(f"taxonomy mapping accuracy {accuracy:.4f} on {len(labelled)} gold programs; wrong: {wrong}")
    assert len(labelled) >= 300
    assert accuracy >= MIN_ACCURACY, f"accuracy {accuracy:.4f} < {MIN_ACCURACY}:\n" + "\n".join(wrong)


@pytest.mark.parametrize(("written", "pid", "how"), [
    ("城乡低保", "dibao", "exact"),
    ("城鄉低保", "dibao", "exact"),                   # traditional canonical name
    ("城鄉(xiāng)低保", "dibao", "exact"),             # pinyin gloss as in the reports
    ("城镇低保", "dibao.urban", "alias"),
    ("城鎮(zhèn)低保", "dibao.urban", "alias"),          # traditional alias, with its gloss
    ("  特困供养 ", "tekun", "alias"),
    ("残疾人“两项补贴”", "disability_subsidies", "exact"),  # quotes go
    ("临时救助资金", "temporary", "exact"),             # a generic head (资金) the guidelines leave out
    ("低保对象和分散特困", "assistance", "compound"),     # two programs: their sector
    ("特困人员住院护理保险", "tekun", "nearest"),         # 特困人员 written inside
    ("半失能特困供养人员集中供养服务中心", "tekun.centralized", "nearest"),  # the more specific program
    ("干部", "", "none"),
    ("冷暖空调", "", "none"),
    ("城市经营性公墓", "funeral", "nearest"),  # 公墓 sits inside the matched 经营性公墓: no switch to cemeteries
])
def test_match_kinds(written, pid, how):
    found = load_taxonomy().match(written)
    assert (found.id, found.how) == (pid, how), found
    if how in ("exact", "alias"):
        assert found.score == 1.0
    elif how == "none":
        assert found.score is None and found.name == ""
    elif how == "compound":
        assert 0.6 <= found.score <= 1.0   # the weakest of its parts
    else:
        assert 0.6 <= found.score < 1.0
    if pid:
        assert found.name == load_taxonomy().programs[pid].name


def test_match_uses_the_simplified_form_of_the_fact():
    # a fact carries the program as written and as cleaned; either can match
    assert load_taxonomy().match("農(nóng)村低保", "农村低保").id == "dibao.rural"


def test_tree_parents_and_sectors():
    taxonomy = load_taxonomy()
    assert taxonomy.programs["dibao.urban"].parent == "dibao"
    assert taxonomy.ancestors("dibao.rural") == ["dibao.rural", "dibao", "assistance"]
    assert {taxonomy.programs[c].parent for c in ("tekun.centralized", "tekun.dispersed")} == {"tekun"}
    assert taxonomy.common_ancestor(["dibao.urban", "tekun.dispersed"]) == "assistance"
    assert taxonomy.common_ancestor(["dibao.urban", "orphans"]) is None
    sectors = {p.id for p in taxonomy.programs.values() if p.parent is None}
    assert {"assistance", "elderly", "children", "disability", "social_organizations", "charity", "lottery",
            "marriage", "funeral", "special_care", "disaster", "volunteering"} <= sectors
    for required in ("temporary", "medical", "orphans", "unsupported_children", "disability_subsidies",
                     "old_age_allowance", "elderly_institutions", "elderly_beds"):
        assert required in taxonomy.programs
    assert taxonomy.version


def test_traditional_aliases_in_the_file_are_opencc_s(tmp_path):
    """The file carries the traditional forms; regenerating them must change nothing."""
    copy = tmp_path / "programs.yaml"
    shutil.copy(DEFAULT_PATH, copy)
    write_traditional(copy)
    assert copy.read_text(encoding="utf-8") == DEFAULT_PATH.read_text(encoding="utf-8"), \
        f"{DEFAULT_PATH} is out of date: run python -m inference.taxonomy --write-traditional"
    dibao = load_taxonomy().programs["dibao"]
    assert "城鄉最低生活保障" in dibao.traditional
    assert dibao.traditional == tuple(traditional_forms([dibao.name, *dibao.aliases]))


def _write(tmp_path, body: str) -> Path:
    path = tmp_path / "programs.yaml"
    path.write_text('version: "9"\nprograms:\n' + body, encoding="utf-8")
    return path


def test_an_alias_of_two_programs_is_an_error_naming_the_lines(tmp_path):
    path = _write(tmp_path, "  - id: a\n    name: 甲项目\n    aliases: [\"低保\"]\n"
                            "  - id: b\n    name: 乙项目\n    aliases: [\"低保\"]\n")
    with pytest.raises(TaxonomyError) as err:
        Taxonomy.load(path)
    assert f"{path}:6" in str(err.value) and "'低保'" in str(err.value) and "(line 3)" in str(err.value)


@pytest.mark.parametrize(("body", "message"), [
    ("  - id: dibao.urban\n    name: 城市低保\n", "must start with its parent's id"),
    ("  - id: Bad-Id\n    name: 某项目\n", "lower-case ASCII"),
    ("  - id: a\n    name: 甲\n    colour: red\n", "unknown field(s) colour"),
    ("  - id: a\n    aliases: [\"甲\"]\n", "`name` is missing"),
    ("  - id: a\n    name: 甲\n  - id: a\n    name: 乙\n", "already defined on line 3"),
])
def test_invalid_taxonomy_files(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(TaxonomyError, match=re.escape(message)) as err:
        Taxonomy.load(path)
    assert str(path) in str(err.value)


def test_unmatched_programs_are_listed_with_a_suggestion():
    facts = [{"doc": "a.txt", "program": "城镇低保", "program_simplified": "城镇低保", "program_match": "alias"},
             {"doc": "a.txt", "program": "帮扶", "program_simplified": "帮扶", "program_match": "none"},
             {"doc": "b.txt", "program": "帮扶", "program_simplified": "帮扶", "program_match": "none"},
             {"doc": "b.txt", "program": "驻村队员", "program_simplified": "驻村队员", "program_match": "none"},
             {"doc": "b.txt", "program": "", "program_simplified": "", "program_match": ""}]
    rows = unmatched_programs(facts)
    assert [(r["program"], r["facts"], r["docs"]) for r in rows] == [
        ("帮扶", 2, "a.txt; b.txt"), ("驻村队员", 1, "b.txt")]
    assert (rows[0]["nearest_id"], rows[0]["score"]) == ("poverty", 0.5)  # 结对帮扶: close, below the threshold
    assert Counter(r["nearest_id"] for r in rows[1:]) == Counter([""])  # nothing in common: no suggestion
