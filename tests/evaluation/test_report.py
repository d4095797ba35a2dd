"""The results table and the report folder: files, JSON round trip, markdown figures, valid PNGs."""

import json

import matplotlib.image
from rich.console import Console

from annotation.schema import LABELS, Example, Relation, Span
from evaluation.metrics import evaluate_examples
from evaluation.report import fmt, results_table, write_report

TEXT = "城乡低保对象5126户8731人"
GOLD = [Example("s1", TEXT, [Span(0, 4, "PROGRAM", "p"), Span(6, 10, "COUNT", "c1"), Span(10, 11, "UNIT", "u1"),
                             Span(11, 15, "COUNT", "c2"), Span(15, 16, "UNIT", "u2")],
                [Relation("p", "c1"), Relation("p", "c2")])]


def _digits(example, span):
    digits = "".join(ch for ch in example.span_text(span) if ch.isdigit())
    return int(digits) if digits else None


def _results():
    model = [Example("s1", TEXT, [Span(0, 4, "PROGRAM", "a"), Span(6, 10, "COUNT", "b"), Span(11, 15, "COUNT", "c")],
                     [Relation("a", "b")])]
    rules = [Example("s1", TEXT, [Span(2, 4, "PROGRAM", "a"), Span(6, 10, "AMOUNT", "b"), Span(10, 11, "UNIT")],
                     [Relation("a", "b")])]
    return {
        "model": evaluate_examples(GOLD, model, gold_entity_pred=GOLD, normalize=_digits),
        "rules": evaluate_examples(GOLD, rules),  # no gold-entity relations, no value accuracy
    }


def test_fmt():
    assert fmt(0.5) == "0.500" and fmt(2 / 3) == "0.667" and fmt(None) == "—"


def test_results_table_renders_systems_and_rows():
    results = _results()
    console = Console(record=True, width=200)
    console.print(results_table(results, "Test set"))
    text = console.export_text()
    for needle in ("Test set", "model F1", "rules F1", *LABELS, "micro", "has_value (end to end)",
                   "has_value (gold entities)", "value accuracy"):
        assert needle in text
    micro = results["model"]["entities"]["strict"]["micro"]["f1"]
    assert fmt(micro) in text
    assert fmt(results["model"]["values"]["accuracy"]) in text


def test_write_report(tmp_path):
    results = _results()
    meta = {"split": "test", "model": "models/ner-v1"}
    paths = write_report(tmp_path / "out", results, title="Evaluation on test", meta=meta)
    names = {p.name for p in paths.values()}
    assert names == {"metrics.json", "report.md", "f1_by_label.png", "confusion_model.png", "confusion_rules.png"}
    for path in paths.values():
        assert path.is_file() and path.stat().st_size > 0
        assert path.parent == tmp_path / "out"

    data = json.loads(paths["metrics"].read_text(encoding="utf-8"))
    assert data == {"meta": meta, "systems": results}

    md = paths["report"].read_text(encoding="utf-8")
    assert md.startswith("# Evaluation on test")
    assert "split" in md and "models/ner-v1" in md
    for system, r in results.items():
        assert system in md
        assert fmt(r["entities"]["strict"]["micro"]["f1"]) in md
        assert fmt(r["entities"]["partial"]["micro"]["f1"]) in md
        assert fmt(r["relations"]["end_to_end"]["f1"]) in md
        assert f"({'confusion_' + system}.png)" in md
    assert "![F1 by label](f1_by_label.png)" in md
    # strict F1 side by side, support first, best bold: COUNT model 1.000 vs rules 0.000 (it said AMOUNT);
    # UNIT model 0.000 vs rules 0.667 (P 1, R 0.5)
    rows = {line.split(" | ")[0]: line for line in md.splitlines() if line.startswith("| ")}
    assert rows["| COUNT"] == "| COUNT | 2 | 1.000 | 1.000 | **1.000** | 0.000 | 0.000 | 0.000 |"
    assert rows["| UNIT"] == "| UNIT | 2 | 0.000 | 0.000 | 0.000 | 1.000 | 0.500 | **0.667** |"

    for key in ("f1_by_label", "confusion_model", "confusion_rules"):
        assert paths[key].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        image = matplotlib.image.imread(paths[key])
        assert image.ndim == 3 and image.shape[0] > 50 and image.shape[1] > 50


def test_write_report_without_meta_and_odd_system_name(tmp_path):
    paths = write_report(tmp_path, {"rules v2/x": _results()["rules"]}, title="T")
    assert (tmp_path / "confusion_rules_v2_x.png").is_file()
    assert json.loads(paths["metrics"].read_text())["meta"] is None
    assert "rules v2/x" in paths["report"].read_text(encoding="utf-8")
