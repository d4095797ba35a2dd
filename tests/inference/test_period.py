"""Report period and place (inference/period.py, inference/place.py): found in the clean text, offsets
into the original."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.cleaning import clean_document
from corpus.readers import read_document
from inference.period import find_period
from inference.place import find_place

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "corpus" / "raw"

# (report, period label, year, part, source, place, level, place as written) — read off the reports
SAMPLES = [
    ("000_662ad0a119c961b4.txt", "2019年上半年", 2019, "H1", "title", "山南市", "city", "山南市"),
    ("001_382740413888014b.txt", "上半年", None, "H1", "title", "宿松县", "county", "宿松县"),  # year redacted
    ("003_8dbdbfbfbff47522.txt", "2018年(截至目前)", 2018, "to_date", "summary", "泽库县", "county", "澤庫縣"),
    ("004_ffa2046993f300f1.txt", "2020年", 2020, "year", "title", "天门市", "city", "天门市"),
]


def found(path: Path):
    raw = read_document(path)
    clean = clean_document(raw)
    return raw.text, find_period(clean.text, raw.text, clean.to_original), \
        find_place(clean.text, raw.text, clean.to_original)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s[0][:3])
def test_sample_reports(sample):
    name, label, year, part, source, place, level, written = sample
    original, period, where = found(RAW / name)
    assert period is not None, f"{name}: no period found"
    assert (period.label, period.year, period.part, period.source) == (label, year, part, source)
    assert original[period.start:period.end] == period.text
    assert where is not None, f"{name}: no place found"
    assert (where.name, where.level, where.text) == (place, level, written)
    assert original[where.start:where.end] == where.text


def test_every_sample_report_is_covered():
    assert sorted(p.name for p in RAW.glob("*.txt")) == sorted(s[0] for s in SAMPLES)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "label", "year", "part", "source"), [
    ("某县民政局2018年度工作总结\n一、主要工作", "2018年", 2018, "year", "title"),
    ("关于2020年工作情况及2021年工作思路的报告\n正文", "2020年", 2020, "year", "title"),   # the plan is skipped
    ("民政局2021年工作计划和2020年工作总结\n正文", "2020年", 2020, "year", "title"),
    ("XX县民政局2019年第三季度工作汇报\n正文", "2019年第三季度", 2019, "Q3", "title"),
    ("XX县民政局2019年1-9月工作总结\n正文", "2019年1-9月", 2019, "M1-M9", "title"),
    ("发布日期:2021年01月21日\n正文没有标题。截至6月底,全县城乡低保对象5126户。", "截至6月底", None, "to_M6", "as_of"),
    ("正文。截至2019年6月底,全县城乡低保对象5126户。", "2019年(截至6月底)", 2019, "to_M6", "as_of"),
    ("现将我局2019年上半年工作开展情况总结如下:", "2019年上半年", 2019, "H1", "summary"),
    ("2017年,我县民政工作稳步推进。", "2017年", 2017, "year", "opening"),
])
def test_periods(tmp_path, text, label, year, part, source):
    original, period, _ = found(write(tmp_path, text))
    assert (period.label, period.year, period.part, period.source) == (label, year, part, source)
    assert original[period.start:period.end] == period.text


@pytest.mark.parametrize("text", [
    "发布日期:2021年01月21日\n全县城乡低保对象5126户。",    # a date is not a period
    "全县城乡低保对象5126户,发放低保金4419万元。",
])
def test_no_period(tmp_path, text):
    assert found(write(tmp_path, text))[1] is None


def test_traditional_text_with_glosses_keeps_original_offsets(tmp_path):
    text = "澤庫縣民政局2018年上半年工作總結(jié)\n現(xiàn)將工作總結(jié)如下。"
    original, period, place = found(write(tmp_path, text))
    assert (period.label, period.text) == ("2018年上半年", "2018年上半年")
    assert original[period.start:period.end] == "2018年上半年"
    assert (place.name, place.text) == ("泽库县", "澤庫縣")
    assert original[place.start:place.end] == "澤庫縣"


@pytest.mark.parametrize(("text", "name", "level", "source"), [
    ("按照州民政局安排部署,全县开展工作。\n《某某县关于加强社会救助的通知》", "某某县", "county", "document"),
    ("《青海省人民政府关于临时救助的通知》\n《泽库县关于低保的通知》", "泽库县", "county", "document"),
    ("工作总结\n正文\n鄂尔多斯市民政局\n2019年1月1日", "鄂尔多斯市", "city", "issuer"),
    ("宁夏回族自治区民政厅关于2019年工作的报告", "宁夏回族自治区", "province", "issuer"),
])
def test_places(tmp_path, text, name, level, source):
    original, _, place = found(write(tmp_path, text))
    assert (place.name, place.level, place.source) == (name, level, source)
    assert original[place.start:place.end] == place.text


@pytest.mark.parametrize("text", [
    "县民政局上半年工作总结\n全县低保对象100户,我县、本市、全区都在推进。",  # no name, only 县/我县/全区
    "《关于规范县城乡养老服务三级中心运行的意见》出台。",                     # a title that names no place
    "《x省人民政府办公厅关于智慧养老的通知》",                                 # a redacted place
])
def test_no_place(tmp_path, text):
    assert found(write(tmp_path, text))[2] is None
