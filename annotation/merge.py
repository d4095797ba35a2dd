"""Pulled annotations → gold sources: `minzheng annotate gold merge STAGING.json`.

A pulled task carries the CLEAN sentence the annotator saw (``data.text``) and, from the
corpus build, its document, sentence index and ORIGINAL offsets (``data.doc``,
``data.start``, ``data.end``). Gold is kept on the original sentence text (noise,
traditional script and glosses included; see GUIDELINES.md and training/data.py, which
cleans it again for the model), so each annotation is carried back onto the original text
through the corpus OffsetMap before it is written as a markup line:

1. the document is read and cleaned again exactly as `minzheng corpus build` did
   (corpus.build.process_document), and the sentence is found by its id (ids hash the
   document's bytes: the same id means the same document);
2. the task's text must be that sentence's clean text; a span [s, e) of it is the clean
   document span [c + s, c + e), where c is where the sentence starts in the clean
   document, and OffsetMap.to_original gives its original offsets; minus the sentence's
   original start, they are offsets into ``original[start:end]`` — the gold text.

A task without corpus provenance (no doc/start/end, e.g. a sentence typed into the
project by hand) is taken as it is: its text is the gold text.

Sentence ids already in the gold sources are not added twice: the same annotation is
"unchanged", a different one a conflict, listed (and with ``replace`` written over the
gold line). Nothing is written unless every new line parses and validates; then the
exports are rebuilt (annotation.gold.build_gold).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotation.convert import (
    SENTENCE_ID,
    ConversionError,
    convert_task,
    live_annotations,
    read_export,
    task_where,
)
from annotation.gold import GOLD_DIR, META_ORDER, SOURCES, SRC_DIR, GoldError, build_gold, parse_source_line
from annotation.markup import to_markup
from annotation.schema import Example, Span
from annotation.validate import validate_example, validate_tasks

#: The gold source file merged sentences are appended to (one file, so a merge is one reviewable diff).
DEFAULT_INTO = SRC_DIR / "label-studio.jsonl"
#: Where `minzheng corpus build` wrote documents.jsonl (each document's path).
DEFAULT_CORPUS = Path("out/corpus")
#: Task data keys that are not gold meta (push adds them for the annotators).
NOT_META = frozenset({"uncertainty", SENTENCE_ID})

Log = Callable[[str], None]


class MergeError(ValueError):
    """The staging file cannot be merged; `problems` lists each as 'where: what'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s); nothing was merged:\n{shown}{more}")


@dataclass
class MergeResult:
    added: list[Example] = field(default_factory=list)
    replaced: list[Example] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # sentence ids
    conflicts: list[str] = field(default_factory=list)  # one line each: id, where in gold, what differs
    unannotated: int = 0  # tasks of the staging file nobody annotated (not merged)
    written: dict[str, Path] = field(default_factory=dict)  # source → rebuilt export

    @property
    def came_in(self) -> list[Example]:
        return self.added + self.replaced


# -- the corpus side: original text and OffsetMap of a document -------------------------------


class CorpusDocuments:
    """Documents of a corpus build, read and cleaned on demand (each once)."""

    def __init__(self, corpus: Path | str | None = DEFAULT_CORPUS, config=None):
        self.corpus = Path(corpus) if corpus is not None else None
        self.config = config
        self._paths: dict[str, Path] | None = None
        self._cache: dict[str, Any] = {}

    def paths(self) -> dict[str, Path]:
        if self._paths is None:
            self._paths = {}
            listing = self.corpus / "documents.jsonl" if self.corpus is not None else None
            if listing is not None and listing.is_file():
                for line in listing.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        row = json.loads(line)
                        self._paths[str(row["name"])] = Path(row["path"])
        return self._paths

    def get(self, doc: str):
        """(CleanDocument, {sentence id: Sentence}) of a document, or a string saying why not."""
        if doc not in self._cache:
            from corpus.build import CorpusConfig, process_document

            path = self.paths().get(doc)
            if path is None:
                where = f"{self.corpus}/documents.jsonl" if self.corpus is not None else "no --corpus"
                self._cache[doc] = f"document {doc!r} is not in {where} (pass --corpus, the corpus build folder)"
            elif not path.is_file():
                self._cache[doc] = f"document {doc!r}: {path} is gone (run merge where the corpus was built)"
            else:
                clean, sentences = process_document(path, self.config or CorpusConfig())
                self._cache[doc] = (clean, {s.id: s for s in sentences})
        return self._cache[doc]


def to_original_example(example: Example, corpus: CorpusDocuments) -> Example:
    """The pulled (clean-text) example on its original sentence text; ValueError says why it cannot be."""
    meta = {k: v for k, v in example.meta.items() if k not in NOT_META}
    if not all(k in meta for k in ("doc", "start", "end")):
        return Example(example.id, example.text, list(example.spans), list(example.relations), meta)
    found = corpus.get(str(meta["doc"]))
    if isinstance(found, str):
        raise ValueError(found)
    clean, sentences = found
    sentence = sentences.get(example.id)
    if sentence is None:
        raise ValueError(f"document {meta['doc']!r} has no sentence {example.id!r} (was the report changed "
                         "or the corpus built with other options?)")
    if sentence.text != example.text:
        raise ValueError(f"the task's text is not the corpus sentence (task {example.text[:30]!r}…, corpus "
                         f"{sentence.text[:30]!r}…): build the corpus with the options the tasks were pushed with")
    c_start, c_end = clean.offsets.to_clean(sentence.start, sentence.end)
    if clean.text[c_start:c_end] != sentence.text:
        found_at = clean.text.find(sentence.text, max(0, c_start - len(sentence.text)))
        if found_at < 0:
            raise ValueError(f"sentence {example.id!r} is not found in the clean document")
        c_start = found_at
    original = clean.original[sentence.start : sentence.end]
    spans = []
    for s in example.spans:
        o_start, o_end = clean.offsets.to_original(c_start + s.start, c_start + s.end)
        spans.append(Span(o_start - sentence.start, o_end - sentence.start, s.label, s.id, s.score))
    meta.update(doc=sentence.doc, index=sentence.index, start=sentence.start, end=sentence.end)
    return Example(example.id, original, spans, list(example.relations), meta)


# -- the gold side --------------------------------------------------------------------------------


def _signature(example: Example) -> tuple[str, frozenset, frozenset]:
    """What an annotation says, span ids aside: the text, the spans and the relations by span position."""
    spans = example.span_by_id()
    key = {sid: (s.start, s.end, s.label) for sid, s in spans.items()}
    relations = frozenset((key.get(r.head), key.get(r.tail), r.label) for r in example.relations)
    return example.text, frozenset(key.values()), relations


def _difference(old: Example, new: Example) -> str:
    if old.text != new.text:
        return f"the text differs (gold {old.text[:30]!r}…, pulled {new.text[:30]!r}…)"
    _, old_spans, old_rel = _signature(old)
    _, new_spans, new_rel = _signature(new)
    parts = []

    def show(span_keys) -> str:
        return ", ".join(f"{label} {new.text[s:e]!r}@{s}" for s, e, label in sorted(span_keys))

    if gone := old_spans - new_spans:
        parts.append(f"spans only in gold: {show(gone)}")
    if added := new_spans - old_spans:
        parts.append(f"spans only pulled: {show(added)}")
    if old_rel != new_rel:
        parts.append(f"has_value links {len(old_rel)} in gold, {len(new_rel)} pulled, {len(old_rel & new_rel)} shared")
    return "; ".join(parts) or "the annotations differ"


def _source_line(example: Example, old_row: dict[str, Any] | None) -> dict[str, Any]:
    source = str(example.meta.get("source") or (old_row or {}).get("source") or "real")
    row: dict[str, Any] = {"id": example.id}
    meta = {**example.meta, "source": source if source in SOURCES else "real"}
    if old_row and old_row.get("note"):
        meta.setdefault("note", old_row["note"])
    row["doc"] = str(meta.get("doc") or (old_row or {}).get("doc") or "label-studio")
    for key in META_ORDER:
        if key in meta and key != "doc" and meta[key] is not None:
            row[key] = meta[key]
    row["markup"] = to_markup(example)
    return row


def _gold_rows(src_dir: Path) -> dict[str, tuple[Path, int, dict[str, Any]]]:
    """sentence id → (file, line index, row) of every gold source line."""
    out: dict[str, tuple[Path, int, dict[str, Any]]] = {}
    for path in sorted(src_dir.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                row = json.loads(line)
                out.setdefault(str(row.get("id")), (path, n, row))
    return out


def merge_staging(
    staging: Path | str,
    src_dir: Path | str = SRC_DIR,
    out_dir: Path | str = GOLD_DIR,
    into: Path | str | None = None,
    corpus: Path | str | None = DEFAULT_CORPUS,
    replace: bool = False,
    dry_run: bool = False,
    text_field: str = "text",
    corpus_config=None,
) -> MergeResult:
    """Merge the annotated tasks of a pulled export into the gold sources and rebuild the exports."""
    staging, src_dir = Path(staging), Path(src_dir)
    into = Path(into) if into is not None else src_dir / DEFAULT_INTO.name
    tasks = read_export(staging)
    problems = [f"{staging}: {issue}" for issue in validate_tasks(tasks, text_field=text_field)]
    if problems:
        raise MergeError(problems + ["fix them in Label Studio, pull again, then merge"])
    documents = CorpusDocuments(corpus, corpus_config)
    gold = _gold_rows(src_dir)
    result = MergeResult()
    new_lines: list[dict[str, Any]] = []
    replacements: dict[Path, dict[int, dict[str, Any]]] = {}
    seen: set[str] = set()
    for task in tasks:
        if not live_annotations(task):
            result.unannotated += 1
            continue
        where = f"{staging}: {task_where(task)}"
        try:
            pulled = convert_task(task, text_field).example
            example = to_original_example(pulled, documents)
        except (ValueError, ConversionError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        if example.id in seen:
            problems.append(f"{where}: sentence {example.id!r} is annotated in two tasks")
            continue
        seen.add(example.id)
        old = gold.get(example.id)
        row = _source_line(example, old[2] if old else None)
        try:  # the line must come back exactly: markup can say it, and it follows the guidelines
            check = parse_source_line(json.dumps(row, ensure_ascii=False), where)
        except GoldError as exc:
            problems.extend(exc.problems)
            continue
        if _signature(check) != _signature(example):
            problems.append(f"{where}: the annotation cannot be written as gold markup without loss "
                            "(a figure linked to two programs, or [[ ]] | inside a span)")
            continue
        issues = validate_example(check, where=where)
        if issues:
            problems.extend(str(i) for i in issues)
            continue
        if old is None:
            new_lines.append(row)
            result.added.append(check)
            continue
        path, line_no, old_row = old
        try:
            current = parse_source_line(json.dumps(old_row, ensure_ascii=False), f"{path}:{line_no + 1}")
        except GoldError:
            current = None
        if current is not None and _signature(current) == _signature(check):
            result.unchanged.append(example.id)
            continue
        what = _difference(current, check) if current is not None else "the gold line does not parse"
        result.conflicts.append(f"{example.id} ({path}:{line_no + 1}): {what}")
        if replace:
            replacements.setdefault(path, {})[line_no] = row
            result.replaced.append(check)
    if problems:
        raise MergeError(problems)
    if dry_run or not (new_lines or replacements):
        return result
    backups: dict[Path, str | None] = {}
    try:
        for path, lines in replacements.items():
            backups[path] = path.read_text(encoding="utf-8")
            text = backups[path].splitlines()
            for line_no, row in lines.items():
                text[line_no] = json.dumps(row, ensure_ascii=False)
            _write(path, "\n".join(text) + "\n")
        if new_lines:
            backups.setdefault(into, into.read_text(encoding="utf-8") if into.exists() else None)
            before = into.read_text(encoding="utf-8") if into.exists() else ""
            if before and not before.endswith("\n"):
                before += "\n"
            _write(into, before + "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in new_lines))
        result.written = build_gold(src_dir, out_dir)
    except Exception:
        for path, text in backups.items():  # all or nothing
            if text is None:
                path.unlink(missing_ok=True)
            else:
                _write(path, text)
        raise
    return result


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)

