"""Two systems side by side with a paired bootstrap CI on the F1 difference."""

from annotation.markup import parse_markup
from annotation.schema import Example
from evaluation.compare import MICRO, compare_predictions, comparison_table, write_comparison

GOLD = [parse_markup(line, f"s{i}") for i, line in enumerate([
    "[[城乡低保|P1]]对象[[5126|C>P1]][[户|U]]",
    "[[临时救助|P1]][[297|C>P1]][[人次|U]]",
    "发放[[低保|P1]]资金[[4419万|A>P1]][[元|U]]",
    "[[集中供养|P1]]率[[53%|PCT>P1]]",
] * 10)]


def drop(example: Example, label: str) -> Example:
    spans = [s for s in example.spans if s.label != label]
    ids = {s.id for s in spans}
    return Example(example.id, example.text, spans, [r for r in example.relations if r.head in ids and r.tail in ids])


def test_identical_systems_differ_by_zero():
    c = compare_predictions(GOLD, GOLD, GOLD, resamples=200)
    assert all(r.diff == 0 and r.ci_low == 0 and r.ci_high == 0 for r in c.rows)
    assert c.row(MICRO).f1_a == 1.0 and c.row("has_value").support == 40


def test_a_system_missing_units_is_worse_and_the_ci_says_so(tmp_path):
    worse = [drop(e, "UNIT") for e in GOLD]
    c = compare_predictions(GOLD, GOLD, worse, name_a="gold", name_b="no-units", resamples=500, seed=3)
    unit, micro = c.row("UNIT"), c.row(MICRO)
    assert (unit.f1_a, unit.f1_b, unit.diff) == (1.0, 0.0, -1.0)
    assert micro.ci_high < 0 and micro.verdict == "A better"
    assert c.row("PROGRAM").diff == 0 and c.row("PROGRAM").verdict == "no clear difference"
    again = compare_predictions(GOLD, GOLD, worse, resamples=500, seed=3)
    assert again.row(MICRO) == micro  # a fixed seed gives the same interval
    out = write_comparison(c, tmp_path)
    assert "| UNIT | 30 | 1.000 | 0.000 | -1.000 |" in (out / "compare.md").read_text(encoding="utf-8")
    assert comparison_table(c).row_count == 7  # five labels, micro, has_value
