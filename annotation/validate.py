"""Checks that an annotated Example follows the schema and GUIDELINES.md.

Label Studio accepts anything (unknown labels, regions whose text does not
match, relations in the wrong direction), so every export is checked here
before it becomes training or evaluation data. Each issue names where it is
(task / sentence) and what is wrong, in words an annotator can act on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotation.schema import FIGURE_LABELS, LABELS, PROGRAM, RELATION_TYPES, RELATIONS, Example, Span


@dataclass(frozen=True)
class ValidationIssue:
    """One problem: where it is, a stable code (for tests and filters) and a message."""

    where: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def summarize_problems(problems: list, what: str, limit: int = 50) -> str:
    """'N what:' then the first `limit` problems, one a line, and how many more there are."""
    shown = "\n".join(f"  {p}" for p in problems[:limit])
    more = f"\n  … and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{len(problems)} {what}:\n{shown}{more}"


class ValidationError(ValueError):
    """Raised by check_examples / check_example; carries the issues."""

    def __init__(self, issues: list[ValidationIssue]):
        self.issues = issues
        super().__init__(summarize_problems(issues, "annotation issue(s)"))


def _describe(example: Example, span: Span) -> str:
    return f"{span.label} {span.id or '(no id)'} [{span.start}:{span.end}] {example.span_text(span)!r}"


def validate_example(
    example: Example, where: str | None = None, region_texts: Mapping[str, str] | None = None
) -> list[ValidationIssue]:
    """Every problem of one Example (an empty list when it is valid).

    region_texts: the text each region claims to cover (Label Studio stores it);
    when given, a span whose offsets select other text is reported.
    """
    where = where or f"example {example.id!r}"
    issues: list[ValidationIssue] = []

    def add(code: str, message: str) -> None:
        issues.append(ValidationIssue(where, code, message))

    text, n = example.text, len(example.text)
    good_spans: list[Span] = []  # spans whose offsets make sense, for the overlap check
    for span in example.spans:
        if span.label not in LABELS:
            add(
                "unknown-label",
                f"span {_describe(example, span)} has unknown label {span.label!r} (allowed: {', '.join(LABELS)})",
            )
        if not (0 <= span.start < span.end <= n):
            what = "is empty" if 0 <= span.start == span.end <= n else f"lies outside the text (length {n})"
            add("offsets", f"span {span.label} {span.id or '(no id)'} [{span.start}:{span.end}] {what}")
            continue
        good_spans.append(span)
        if (
            region_texts is not None
            and span.id in region_texts
            and region_texts[span.id] != text[span.start : span.end]
        ):
            add(
                "text-mismatch",
                f"span {span.label} {span.id} [{span.start}:{span.end}] says {region_texts[span.id]!r} "
                f"but the text there is {text[span.start : span.end]!r}",
            )
        if text[span.start].isspace() or text[span.end - 1].isspace():
            add("whitespace", f"span {_describe(example, span)} starts or ends on white space")

    ids = Counter(s.id for s in example.spans if s.id)
    for span_id, count in ids.items():
        if count > 1:
            add("duplicate-id", f"region id {span_id!r} is used by {count} spans")

    ordered = sorted(good_spans, key=lambda s: (s.start, s.end))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.start >= a.end:
                break
            add("overlap", f"spans {_describe(example, a)} and {_describe(example, b)} overlap")

    by_id = {s.id: s for s in example.spans if s.id}
    heads_of: dict[str, set[str]] = defaultdict(set)
    seen: Counter = Counter((r.head, r.tail, r.label) for r in example.relations)
    for (head, tail, label), count in seen.items():
        if count > 1:
            add("duplicate-relation", f"relation {label} {head} → {tail} is given {count} times")
    for rel in dict.fromkeys(example.relations):
        name = f"relation {rel.label} {rel.head} → {rel.tail}"
        if rel.label not in RELATIONS:
            add(
                "unknown-relation",
                f"{name} has unknown label {rel.label!r} (allowed: {', '.join(RELATIONS)})",
            )
            continue
        missing = [rid for rid in (rel.head, rel.tail) if rid not in by_id]
        if missing:
            add(
                "missing-region",
                f"{name} points to region(s) {', '.join(map(repr, missing))} that do not exist",
            )
            continue
        head, tail = by_id[rel.head], by_id[rel.tail]
        if (head.label, tail.label) not in RELATION_TYPES[rel.label]:
            allowed = ", ".join(sorted(f"{h}→{t}" for h, t in RELATION_TYPES[rel.label]))
            add(
                "relation-type",
                f"{name} goes from {_describe(example, head)} to {_describe(example, tail)}; "
                f"{rel.label} allows only {allowed}",
            )
            continue
        if head.label == PROGRAM and tail.label in FIGURE_LABELS:
            heads_of[rel.tail].add(rel.head)
    for tail_id, heads in heads_of.items():
        if len(heads) > 1:
            progs = ", ".join(_describe(example, by_id[h]) for h in sorted(heads))
            add(
                "two-programs",
                f"figure {_describe(example, by_id[tail_id])} has {len(heads)} programs ({progs}); give it one",
            )
    return issues


def validate_examples(examples: Iterable[Example], where: str = "") -> list[ValidationIssue]:
    """Issues of every Example, plus sentence ids used twice."""
    issues: list[ValidationIssue] = []
    seen: dict[str, int] = {}
    for n, example in enumerate(examples):
        label = f"{where}: " if where else ""
        issues.extend(validate_example(example, where=f"{label}example {example.id!r}"))
        if example.id in seen:
            issues.append(
                ValidationIssue(
                    f"{label}example {example.id!r}",
                    "duplicate-example",
                    f"sentence id {example.id!r} is used twice (#{seen[example.id]} and #{n})",
                )
            )
        else:
            seen[example.id] = n
    return issues


def check_example(example: Example, where: str | None = None) -> Example:
    """The Example itself, or ValidationError listing its issues."""
    issues = validate_example(example, where)
    if issues:
        raise ValidationError(issues)
    return example


def check_examples(examples: Iterable[Example], where: str = "") -> list[Example]:
    """The Examples as a list, or ValidationError listing every issue."""
    examples = list(examples)
    issues = validate_examples(examples, where)
    if issues:
        raise ValidationError(issues)
    return examples


def validate_task(task: Mapping[str, Any], text_field: str = "text") -> list[ValidationIssue]:
    """Issues of the annotation that task_to_example would take (none for an unannotated task)."""
    from annotation.convert import ConversionError, convert_task, live_annotations, task_where

    where = task_where(task)
    if not live_annotations(task):
        return []
    try:
        converted = convert_task(task, text_field, strict=False)
    except ConversionError as exc:
        return [ValidationIssue(where, "conversion", str(exc).removeprefix(f"{where}: "))]
    return validate_example(converted.example, where=where, region_texts=converted.region_texts)


def validate_tasks(tasks: Iterable[Mapping[str, Any]], text_field: str = "text") -> list[ValidationIssue]:
    """Issues of every annotated task of an export, plus sentence ids used by two tasks."""
    from annotation.convert import SENTENCE_ID, task_where

    issues: list[ValidationIssue] = []
    seen: dict[str, str] = {}
    for task in tasks:
        issues.extend(validate_task(task, text_field))
        sid = (task.get("data") or {}).get(SENTENCE_ID)
        if sid is None:
            continue
        if str(sid) in seen:
            issues.append(
                ValidationIssue(
                    task_where(task),
                    "duplicate-example",
                    f"sentence id {sid!r} is also used by {seen[str(sid)]}",
                )
            )
        else:
            seen[str(sid)] = task_where(task)
    return issues


def validate_file(path: Path | str, text_field: str = "text") -> list[ValidationIssue]:
    """Issues of a full JSON export file; the file name prefixes each location."""
    from annotation.convert import read_export

    issues = validate_tasks(read_export(path), text_field)
    return [ValidationIssue(f"{path}: {i.where}", i.code, i.message) for i in issues]
