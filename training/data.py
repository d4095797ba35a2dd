"""Gold exports → model examples: cleaned text with spans projected through the OffsetMap.

Gold is annotated on the original sentence text (traditional script, glosses and
all); the model reads clean text. Cleaning a gold sentence gives the same text the
extractor will see at inference, and every span is carried over with `to_clean`,
so a program written 城鄉(xiāng)低保 becomes 城乡低保 in the clean text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from annotation.convert import load_export
from annotation.schema import Example, Span
from corpus.cleaning import clean_text


def gold_files(paths: Iterable[str | Path]) -> list[Path]:
    """Label Studio exports named by the paths (folders: every *.json directly inside)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(p.glob("*.json"))
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"gold data not found: {p}")
    if not files:
        raise FileNotFoundError(f"no gold exports (*.json) in {', '.join(map(str, paths))}")
    return files


def load_gold(paths: Iterable[str | Path]) -> list[Example]:
    examples: list[Example] = []
    for path in gold_files(paths):
        examples += load_export(path)
    return examples


def to_clean_example(example: Example) -> Example:
    """The example as the model sees it: clean text, spans mapped onto it, ids and relations kept."""
    text, offsets, _ = clean_text(example.text)
    spans = []
    for s in example.spans:
        start, end = offsets.to_clean(s.start, s.end)
        if end <= start:
            raise ValueError(f"example {example.id}: span {example.span_text(s)!r} vanishes in cleaning")
        spans.append(Span(start, end, s.label, s.id, s.score))
    return Example(example.id, text, spans, list(example.relations), dict(example.meta))


def to_clean_examples(examples: Sequence[Example]) -> list[Example]:
    return [to_clean_example(e) for e in examples]
