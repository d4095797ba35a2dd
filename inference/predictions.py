"""Read another system's predictions for `minzheng evaluate --predictions`, strictly.

A lenient reader scored junk as perfect: spans with a label outside the schema were never counted
(gold + one MONEY span a sentence scored micro F1 1.000), a text that is not the gold sentence was
scored against the gold offsets, the second line with an id silently replaced the first. Here
every line is checked against the schema and the gold data, and all problems are reported at
once, each as file:line and what is wrong; nothing is dropped or guessed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from annotation.schema import HAS_VALUE, LABELS, RELATIONS, Example, Relation, Span
from annotation.validate import summarize_problems

#: problems shown before "… and N more": the message stays on one screen
SHOWN = 15


class PredictionError(ValueError):
    """A predictions file that cannot be scored; `problems` lists each as "file:line: what"."""

    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        super().__init__(summarize_problems(problems, f"problem(s) in the predictions {path}", limit=SHOWN)
                         + f"\nEach line: {{\"id\", \"text\", \"spans\": [{{\"id\", \"start\", \"end\", \"label\"}}], "
                           f"\"relations\": [{{\"head\", \"tail\", \"label\"}}]}}; labels {', '.join(LABELS)}.")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _label_problem(label: Any) -> str | None:
    if label in LABELS:
        return None
    hint = f"; labels are upper case: did you mean {label.upper()!r}?" if (
        isinstance(label, str) and label.upper() in LABELS) else ""
    return f"unknown label {label!r} (allowed: {', '.join(LABELS)}){hint}"


def _first_difference(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _spans(row: dict, text: str, problem) -> list[Span]:
    spans = []
    for k, s in enumerate(row.get("spans") or []):
        name = f"span {k}"
        if not isinstance(s, dict):
            problem(f"{name} is not an object")
            continue
        name += f" ({s.get('id') or 'no id'})"
        bad = [key for key in ("start", "end") if not _is_int(s.get(key))]
        if bad:
            problem("; ".join(f"{name}: {key} {s.get(key)!r} is not an integer" for key in bad))
            continue
        if (label_problem := _label_problem(s.get("label"))) is not None:
            problem(f"{name}: {label_problem}")
            continue
        start, end = s["start"], s["end"]
        if not 0 <= start < end <= len(text):
            problem(f"{name} {s['label']} [{start}:{end}] lies outside the text (length {len(text)}) or is empty")
            continue
        if "text" in s and s["text"] != text[start:end]:
            problem(f"{name} {s['label']} [{start}:{end}] says {s['text']!r} but the text there is "
                    f"{text[start:end]!r}")
            continue
        spans.append(Span(start, end, s["label"], str(s.get("id") or ""), s.get("score")))
    ids = [s.id for s in spans if s.id]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problem(f"span id {dup!r} is used by {ids.count(dup)} spans")
    return spans


def _relations(row: dict, spans: list[Span], problem) -> list[Relation]:
    ids = {s.id for s in spans}
    out = []
    for k, r in enumerate(row.get("relations") or []):
        if not isinstance(r, dict):
            problem(f"relation {k} is not an object")
            continue
        label = r.get("label", HAS_VALUE)
        if label not in RELATIONS:
            problem(f"relation {k}: unknown label {label!r} (allowed: {', '.join(RELATIONS)})")
            continue
        missing = [str(r.get(end)) for end in ("head", "tail") if r.get(end) not in ids]
        if missing:
            problem(f"relation {k}: no span with id {', '.join(map(repr, missing))}")
            continue
        out.append(Relation(r["head"], r["tail"], label, r.get("score")))
    return out


def read_prediction_file(path: Path, gold: Sequence[Example]) -> tuple[list[Example], list[str]]:
    """(predictions, ids that are not in the gold data), or PredictionError listing every problem."""
    gold_text = {g.id: g.text for g in gold}
    problems: list[str] = []
    seen: dict[str, int] = {}
    out: list[Example] = []
    unknown: list[str] = []
    with Path(path).open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            where = f"{path}:{n}"

            def problem(what: str, where: str = where) -> None:
                problems.append(f"{where}: {what}")

            try:
                line = raw.decode("utf-8")
                if not line.strip():
                    continue
                row = json.loads(line)
            except UnicodeDecodeError:
                problem("not UTF-8")
                continue
            except json.JSONDecodeError as err:
                problem(f"not valid JSON ({err.msg} at column {err.colno})")
                continue
            if not isinstance(row, dict):
                problem(f"expected a JSON object, got {type(row).__name__}")
                continue
            if not (isinstance(row.get("id"), str) or _is_int(row.get("id"))) or not isinstance(row.get("text"), str):
                problem("needs an \"id\" (string or integer) and a \"text\" (string)")
                continue
            sid, text = str(row["id"]), row["text"]
            if sid in seen:
                problem(f"id {sid!r} is also on line {seen[sid]}: each sentence once")
                continue
            seen[sid] = n
            if sid not in gold_text:
                unknown.append(sid)
            elif text != gold_text[sid]:
                k = _first_difference(text, gold_text[sid])
                problem(f"id {sid!r}: the text is not the gold sentence's (from character {k}: "
                        f"{text[k:k + 12]!r} against gold {gold_text[sid][k:k + 12]!r}); offsets would be scored "
                        "against another text")
                continue
            not_lists = [key for key in ("spans", "relations") if not isinstance(row.get(key, []), list)]
            if not_lists:
                problem(" and ".join(map(repr, not_lists)) + " must be lists")
                continue
            spans = _spans(row, text, problem)
            out.append(Example(sid, text, spans, _relations(row, spans, problem), dict(row.get("meta") or {})))
    if problems:
        raise PredictionError(path, problems)
    return out, unknown
