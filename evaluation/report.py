"""Render evaluation results: a rich table for the terminal, and a report folder on disk.

``results`` maps a system name ("model", "rules", ...) to the dict that
evaluation.metrics.evaluate_examples returns; extra keys are carried into
metrics.json untouched, and missing sections (no gold-entity relations, no value
accuracy) show as "—".
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from rich.table import Table  # noqa: E402

from annotation.schema import LABELS  # noqa: E402

MISSING = "—"
REL_END_TO_END = "has_value (end to end)"
REL_GOLD_ENTITIES = "has_value (gold entities)"
VALUE_ACCURACY = "value accuracy"
FIGURES = "figures (COUNT+AMOUNT+PERCENT)"


def fmt(x: float | None) -> str:
    """How every score is written, in the table and in report.md."""
    return MISSING if x is None else f"{x:.3f}"


def _entity_labels(results: dict[str, dict], mode: str = "strict") -> list[str]:
    seen = [k for r in results.values() for k in r.get("entities", {}).get(mode, {}) if k != "micro"]
    return [la for la in LABELS if la in seen] + sorted({la for la in seen if la not in LABELS})


def _rows(results: dict[str, dict], mode: str = "strict", *, extras: bool = True) -> list[tuple[str, dict]]:
    """(row name, {system: {"precision", "recall", "f1", "support"} | None}) in table order."""

    def pick(path: tuple[str, ...]) -> dict[str, dict | None]:
        out = {}
        for system, r in results.items():
            node: Any = r
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            out[system] = node
        return out

    rows = [(la, pick(("entities", mode, la))) for la in _entity_labels(results, mode)]
    rows.append(("micro", pick(("entities", mode, "micro"))))
    if any(r.get("figures") for r in results.values()):
        rows.append((FIGURES, pick(("figures", mode))))
    if extras:
        rows.append((REL_END_TO_END, pick(("relations", "end_to_end"))))
        rows.append((REL_GOLD_ENTITIES, pick(("relations", "gold_entities"))))
        values = pick(("values",))
        rows.append((VALUE_ACCURACY, {
            s: None if v is None else {"precision": None, "recall": None, "f1": v["accuracy"],
                                       "support": v["total"]}
            for s, v in values.items()
        }))
    return rows


def _cells(row: dict[str, dict | None]) -> tuple[str, list[tuple[str, str, str, bool]]]:
    """Support, then (P, R, F1, F1 is best) per system."""
    f1s = [v["f1"] for v in row.values() if v is not None and v.get("f1") is not None]
    best = max(f1s) if len(f1s) > 1 and max(f1s) > min(f1s) else None  # no bold when all tie
    support = next((str(v["support"]) for v in row.values() if v and v.get("support") is not None), "")
    cells = []
    for v in row.values():
        if v is None:
            cells.append((MISSING, MISSING, MISSING, False))
        else:
            f1 = v.get("f1")
            cells.append((fmt(v.get("precision")), fmt(v.get("recall")), fmt(f1),
                          best is not None and f1 is not None and f1 >= best))
    return support, cells


def results_table(results: dict[str, dict], title: str, mode: str = "strict") -> Table:
    """Rows: labels, micro, has_value end to end and with gold entities, value accuracy; P/R/F1 per system."""
    table = Table(title=title)
    table.add_column(f"{mode} / relation", style="bold")
    table.add_column("n", justify="right", style="dim")
    for system in results:
        for metric in ("P", "R", "F1"):
            table.add_column(f"{system} {metric}", justify="right")
    rows = _rows(results, mode)
    for i, (name, row) in enumerate(rows):
        support, cells = _cells(row)
        out = [name, support]
        for p, r, f1, best in cells:
            out += [p, r, f"[bold]{f1}[/bold]" if best else f1]
        table.add_row(*out, end_section=name == "micro" or i == len(rows) - 1)
    return table


def _md_table(results: dict[str, dict], rows: list[tuple[str, dict]], first: str) -> list[str]:
    head = [first, "n"] + [f"{s} {m}" for s in results for m in ("P", "R", "F1")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, row in rows:
        support, cells = _cells(row)
        out = [name, support]
        for p, r, f1, best in cells:
            out += [p, r, f"**{f1}**" if best else f1]
        lines.append("| " + " | ".join(out) + " |")
    return lines + [""]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "system"


def plot_f1_by_label(results: dict[str, dict], path: Path) -> Path:
    """Grouped bars: strict F1 per label, micro and has_value end to end, one colour per system."""
    rows = [(n, r) for n, r in _rows(results, "strict") if n not in (REL_GOLD_ENTITIES, VALUE_ACCURACY)]
    names = ["has_value" if n == REL_END_TO_END else n for n, _ in rows]
    x = np.arange(len(rows))
    width = 0.8 / max(len(results), 1)
    fig = Figure(figsize=(max(6.0, 1.2 * len(rows) * max(1, len(results)) ** 0.5), 4.0))
    ax = fig.add_subplot()
    colours = matplotlib.colormaps["tab10"]
    for i, system in enumerate(results):
        f1 = [(r[system] or {}).get("f1") or 0.0 for _, r in rows]
        bars = ax.bar(x + (i - (len(results) - 1) / 2) * width, f1, width, label=system, color=colours(i % 10))
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax.set_xticks(x, names)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("F1 (strict)")
    ax.set_title("F1 by label")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def plot_confusion(confusion: dict[str, dict[str, int]], path: Path, title: str) -> Path:
    """Heat map with counts: rows gold, columns predicted."""
    rows = list(confusion)
    cols = list(next(iter(confusion.values()), {})) or rows
    m = np.array([[confusion[g].get(p, 0) for p in cols] for g in rows], dtype=int).reshape(len(rows), len(cols))
    fig = Figure(figsize=(1.0 + 0.8 * len(cols), 0.8 + 0.7 * len(rows)))
    ax = fig.add_subplot()
    im = ax.imshow(m, cmap="Blues", vmin=0, vmax=max(int(m.max(initial=0)), 1))
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    top = m.max(initial=0)
    for (i, j), n in np.ndenumerate(m):
        ax.text(j, i, str(n), ha="center", va="center", fontsize=8,
                color="white" if top and n > top / 2 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def write_report(out_dir: str | Path, results: dict[str, dict], *, title: str,
                 meta: dict | None = None) -> dict[str, Path]:
    """Write metrics.json, report.md, f1_by_label.png and confusion_<system>.png; return them by stem."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {"metrics": out / "metrics.json", "report": out / "report.md"}
    paths["metrics"].write_text(
        json.dumps({"meta": meta, "systems": results}, ensure_ascii=False, indent=2, default=str) + "\n",
        encoding="utf-8")

    paths["f1_by_label"] = plot_f1_by_label(results, out / "f1_by_label.png")
    confusion_files: dict[str, str] = {}
    for system, r in results.items():
        if not r.get("confusion"):
            continue
        stem = f"confusion_{_safe(system)}"
        while stem in paths:
            stem += "_"
        paths[stem] = plot_confusion(r["confusion"], out / f"{stem}.png", f"{system}: gold vs predicted")
        confusion_files[system] = paths[stem].name

    md = [f"# {title}", ""]
    for key, value in (meta or {}).items():
        md.append(f"- **{key}**: {value}")
    md.append("- **sentences**: " + ", ".join(f"{s} {r.get('sentences', MISSING)}" for s, r in results.items()))
    md += ["", f"Systems: {', '.join(results)}. Scores are precision, recall and F1; "
               "n is the gold support; the best F1 per row is bold (none when all tie).", ""]
    md += ["## Entities (strict)", ""] + _md_table(results, _rows(results, "strict", extras=False), "label")
    md += ["## Entities (partial match)", ""]
    md += _md_table(results, _rows(results, "partial", extras=False), "label")
    relations = [row for row in _rows(results) if row[0] in (REL_END_TO_END, REL_GOLD_ENTITIES)]
    md += ["## Relations", ""] + _md_table(results, relations, "relation")
    md += ["## Value accuracy", "", "| system | correct | total | accuracy |", "|---|---|---|---|"]
    for system, r in results.items():
        v = r.get("values")
        md.append(f"| {system} | {MISSING} | {MISSING} | {MISSING} |" if v is None
                  else f"| {system} | {v['correct']} | {v['total']} | {fmt(v['accuracy'])} |")
    md += ["", "## Figures", "", "![F1 by label](f1_by_label.png)", ""]
    for system, name in confusion_files.items():
        md += [f"### Confusion: {system}", "", f"![confusion {system}]({name})", ""]
    paths["report"].write_text("\n".join(md), encoding="utf-8")
    return paths
