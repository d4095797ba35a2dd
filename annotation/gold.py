"""The gold data pipeline: markup sources → validated Label Studio exports → statistics.

Gold sentences are authored as JSONL under annotation/gold/src/ (one sentence a
line, annotated with the inline markup of annotation/markup.py):

    {"id": "doc7:12", "doc": "doc7", "source": "real", "markup": "…[[临时救助|P1]][[297|C>P1]][[人次|U]]…",
     "index": 12, "start": 5310, "end": 5342, "note": "optional"}

`build_gold` parses and validates every line (a problem names file:line) and
writes one full Label Studio JSON export per source (annotation/gold/real.json,
written.json), so gold can be loaded with annotation.convert.load_export,
imported into Label Studio for review, and scored exactly like pulled data.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from annotation.convert import load_export, save_export
from annotation.markup import MarkupError, parse_markup
from annotation.schema import FIGURE_LABELS, LABELS, Example
from annotation.validate import summarize_problems, validate_example

GOLD_DIR = Path(__file__).with_name("gold")
SRC_DIR = GOLD_DIR / "src"
#: Where a sentence comes from: a real report, or written by us in the register of the reports.
SOURCES: tuple[str, ...] = ("real", "written")
REQUIRED_KEYS: tuple[str, ...] = ("id", "doc", "source", "markup")
OPTIONAL_KEYS: tuple[str, ...] = ("index", "start", "end", "note")
#: Meta keys in the order they are written (a stable order keeps the exports' diffs small).
META_ORDER: tuple[str, ...] = ("doc", "index", "start", "end", "source", "note")


class GoldError(ValueError):
    """Gold sources with problems; `problems` lists each as "file:line: what"."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(summarize_problems(problems, "problem(s) in the gold sources"))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_source_line(line: str, where: str) -> Example:
    """One JSONL line → a validated Example; GoldError names `where` (file:line) and the problem."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise GoldError([f"{where}: not valid JSON ({exc.msg} at column {exc.colno})"]) from exc
    if not isinstance(row, dict):
        raise GoldError([f"{where}: expected a JSON object, got {type(row).__name__}"])
    problems = [f"{where}: missing key {key!r}" for key in REQUIRED_KEYS if key not in row]
    unknown = sorted(set(row) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        problems.append(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))} (allowed: {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)})"
        )
    for key in ("id", "doc", "markup"):
        if key in row and not (isinstance(row[key], str) and row[key].strip()):
            problems.append(f"{where}: {key!r} must be a non-empty string")
    if "source" in row and row["source"] not in SOURCES:
        problems.append(f"{where}: source {row['source']!r} is not one of {', '.join(SOURCES)}")
    for key in ("index", "start", "end"):
        if key in row and not (_is_int(row[key]) and row[key] >= 0):
            problems.append(f"{where}: {key!r} must be a non-negative integer, not {row[key]!r}")
    if "note" in row and not isinstance(row["note"], str):
        problems.append(f"{where}: 'note' must be a string")
    if problems:
        raise GoldError(problems)
    try:
        example = parse_markup(row["markup"], example_id=row["id"], where=where)
    except MarkupError as exc:
        raise GoldError([str(exc)]) from exc
    if "start" in row and "end" in row and row["end"] - row["start"] != len(example.text):
        problems.append(
            f"{where}: start {row['start']} and end {row['end']} span {row['end'] - row['start']} characters "
            f"but the sentence has {len(example.text)}"
        )
    problems.extend(str(issue) for issue in validate_example(example, where=where))
    if problems:
        raise GoldError(problems)
    example.meta = {key: row[key] for key in META_ORDER if key in row}
    return example


def read_sources(src_dir: Path | str = SRC_DIR) -> list[Example]:
    """Every sentence of src_dir/*.jsonl (file by file, line by line), or GoldError listing all problems."""
    src_dir = Path(src_dir)
    files = sorted(src_dir.glob("*.jsonl"))
    if not files:
        raise GoldError([f"{src_dir}: no *.jsonl gold sources"])
    examples: list[Example] = []
    problems: list[str] = []
    first_seen: dict[str, str] = {}
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                example = parse_source_line(line, where)
            except GoldError as exc:
                problems.extend(exc.problems)
                continue
            if example.id in first_seen:
                problems.append(f"{where}: id {example.id!r} is already used at {first_seen[example.id]}")
                continue
            first_seen[example.id] = where
            examples.append(example)
    if problems:
        raise GoldError(problems)
    return examples


def build_gold(src_dir: Path | str = SRC_DIR, out_dir: Path | str = GOLD_DIR) -> dict[str, Path]:
    """Validate the sources and write out_dir/<source>.json (full LS exports); returns source → path.

    Nothing is written unless every line is valid.
    """
    examples = read_sources(src_dir)
    written: dict[str, Path] = {}
    for source in SOURCES:
        chosen = [ex for ex in examples if ex.meta["source"] == source]
        if chosen:
            written[source] = save_export(chosen, Path(out_dir) / f"{source}.json")
    return written


def load_gold(paths: Iterable[Path | str] | Path | str = GOLD_DIR) -> list[Example]:
    """Examples of gold exports: a directory (its *.json) or a list of files."""
    if isinstance(paths, str | Path):
        path = Path(paths)
        paths = sorted(path.glob("*.json")) if path.is_dir() else [path]
    out: list[Example] = []
    for path in paths:
        out.extend(load_export(path))
    return out


def gold_stats(examples: Iterable[Example]) -> list[dict[str, Any]]:
    """One row per source (meta "source", "other" if absent) and a final "all" row.

    Columns: source, sentences, one per label, relations, unlinked (figures without a program).
    """
    rows: dict[str, Counter] = {}
    for ex in examples:
        for key in (str(ex.meta.get("source", "other")), "all"):
            counts = rows.setdefault(key, Counter())
            counts["sentences"] += 1
            counts.update(s.label for s in ex.spans)
            counts["relations"] += len(ex.relations)
            linked = {r.tail for r in ex.relations}
            counts["unlinked"] += sum(1 for s in ex.spans if s.label in FIGURE_LABELS and s.id not in linked)
    order = [s for s in (*SOURCES, *sorted(rows)) if s in rows and s != "all"]
    order = list(dict.fromkeys(order)) + (["all"] if "all" in rows else [])
    columns = ("sentences", *LABELS, "relations", "unlinked")
    return [{"source": key, **{c: rows[key][c] for c in columns}} for key in order]


def stats_table(rows: list[dict[str, Any]], title: str = "Gold data"):
    """A rich Table of gold_stats rows."""
    from rich.table import Table

    table = Table(title=title)
    if not rows:
        return table
    for column in rows[0]:
        table.add_column(column, justify="left" if column == "source" else "right")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()), style="bold" if row["source"] == "all" else None)
    return table
