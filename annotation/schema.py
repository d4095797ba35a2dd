"""The annotation schema: the single source of truth for labels and relations.

The Label Studio config, the converters, training and evaluation all read this
module; change the rules only by bumping SCHEMA_VERSION (see GUIDELINES.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"

PROGRAM = "PROGRAM"
COUNT = "COUNT"
AMOUNT = "AMOUNT"
PERCENT = "PERCENT"
UNIT = "UNIT"

#: Entity labels in a fixed order (the BIO label map is built from it).
LABELS: tuple[str, ...] = (PROGRAM, COUNT, AMOUNT, PERCENT, UNIT)
#: Labels that are figures: the tails of has_value.
FIGURE_LABELS: frozenset[str] = frozenset({COUNT, AMOUNT, PERCENT})

HAS_VALUE = "has_value"
RELATIONS: tuple[str, ...] = (HAS_VALUE,)
#: Allowed (head label, tail label) pairs per relation.
RELATION_TYPES: dict[str, frozenset[tuple[str, str]]] = {
    HAS_VALUE: frozenset((PROGRAM, f) for f in FIGURE_LABELS),
}

COLOURS: dict[str, str] = {
    PROGRAM: "#7aa6f0",
    COUNT: "#f0b37a",
    AMOUNT: "#8fd18f",
    PERCENT: "#e38fd1",
    UNIT: "#cfcfcf",
}

#: Short codes used by the inline gold markup (annotation/markup.py).
LABEL_CODES: dict[str, str] = {"P": PROGRAM, "C": COUNT, "A": AMOUNT, "PCT": PERCENT, "U": UNIT}


def bio_labels() -> list[str]:
    """Character-level BIO tags: O, then B-/I- for each label in LABELS order."""
    return ["O"] + [f"{p}-{label}" for label in LABELS for p in ("B", "I")]


@dataclass(frozen=True, order=True)
class Span:
    """An entity: [start, end) in code points of its Example's text."""

    start: int
    end: int
    label: str
    id: str = field(default="", compare=False)
    score: float | None = field(default=None, compare=False)


@dataclass(frozen=True, order=True)
class Relation:
    """A directed relation between two spans, named by their ids."""

    head: str
    tail: str
    label: str = HAS_VALUE
    score: float | None = field(default=None, compare=False)


@dataclass
class Example:
    """One annotated (or to-be-annotated) sentence: the unit of training and scoring."""

    id: str
    text: str
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # doc, index, start, end, source (real|written)…

    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def span_by_id(self) -> dict[str, Span]:
        return {s.id: s for s in self.spans}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "spans": [
                {"id": s.id, "start": s.start, "end": s.end, "label": s.label, "text": self.span_text(s)}
                | ({"score": s.score} if s.score is not None else {})
                for s in self.spans
            ],
            "relations": [
                {"head": r.head, "tail": r.tail, "label": r.label}
                | ({"score": r.score} if r.score is not None else {})
                for r in self.relations
            ],
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Example:
        return cls(
            id=str(data["id"]),
            text=data["text"],
            spans=[
                Span(s["start"], s["end"], s["label"], s.get("id", ""), s.get("score"))
                for s in data.get("spans", [])
            ],
            relations=[
                Relation(r["head"], r["tail"], r.get("label", HAS_VALUE), r.get("score"))
                for r in data.get("relations", [])
            ],
            meta=dict(data.get("meta", {})),
        )
